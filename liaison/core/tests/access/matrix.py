"""The access matrix: who may reach every URL pattern and every JSON API operation, and what they may read.

This is the one place the expectations live. ``test_access_matrix`` walks Django's URL resolver and the
OpenAPI document; a pattern or operation with no entry here fails the test with its name, so a new view
cannot ship without someone deciding who may use it.

Viewers are ``role@place`` (see ``world.py``) and ``anonymous``. Every URL is built from the synthetic
world's objects, all in ICB A: concern C1 (reported by practice P1 about trust T1), T1's contact, ICB A's
Code of Conduct and routing rule, P1's NHS 111 message, the T1 responder's notification.

Statuses: ``LOGIN`` is the redirect to the sign-in page; ``REDIRECT`` any other redirect (a POST that
worked, or an ICB user sent on to their own queue).
"""

from dataclasses import dataclass, field

from liaison.core.tests.access.world import ANONYMOUS, VIEWERS

LOGIN = "login"
REDIRECT = 302
SIGNED_IN = [viewer for viewer in VIEWERS if viewer != ANONYMOUS]


def _matches(spec: str, viewer: str) -> bool:
    role, place = spec.split("@")
    viewer_role, viewer_place = viewer.split("@")
    return role in ("*", viewer_role) and place in ("*", viewer_place)


def who(*specs: str) -> list[str]:
    """Viewers by ``role@place`` with ``*`` for any role or place: ``who("administrator@*")``."""
    unknown = [spec for spec in specs if not any(_matches(spec, viewer) for viewer in SIGNED_IN)]
    assert not unknown, f"No viewer matches {unknown}"
    return [viewer for spec in specs for viewer in SIGNED_IN if _matches(spec, viewer)]


def but(*specs: str) -> list[str]:
    """Every signed-in viewer except these."""
    excluded = set(who(*specs))
    return [viewer for viewer in SIGNED_IN if viewer not in excluded]


def rule(default, *grants: tuple[list[str], object], anonymous=LOGIN) -> dict[str, object]:
    """Expected status per viewer: ``default`` unless a later grant names the viewer."""
    statuses = {viewer: default for viewer in SIGNED_IN}
    for viewers, status in grants:
        for viewer in viewers:
            statuses[viewer] = status
    statuses[ANONYMOUS] = anonymous
    return statuses


def everyone(status=200) -> dict[str, object]:
    return rule(status, anonymous=status)


def signed_in(status=200) -> dict[str, object]:
    return rule(status)


def api(default, *grants) -> dict[str, object]:
    return rule(default, *grants, anonymous=401)


# --- Who is who in the rules --------------------------------------------------------------------------

ADMINISTRATORS = who("administrator@*")
NOT_ADMINISTRATORS = but("administrator@*")  # concerns are for those who report and answer them
ICB_WIDE = who("icb_analyst@own", "icb_analyst@other_icb", "administrator@own", "administrator@other_icb")
ICB_A_TEAM = who("icb_analyst@own", "administrator@own")
ICB_ADMINS = who("administrator@own", "administrator@other_icb")
RESPONDERS = who("responder@*", "interface_lead@*")
INTERFACE_LEADS = who("interface_lead@*")
# Anyone working at a GP practice (P1, P2, P3): NHS 111 messages are for practices.
AT_A_PRACTICE = who("reporter@*", "interface_lead@same_icb", "icb_analyst@same_icb")
# Who may edit T1's entries in the who's who: ICB A's team and T1's own interface lead.
T1_DIRECTORY_EDITORS = who("icb_analyst@own", "administrator@own", "interface_lead@own")
# Who may read concern C1: its reporting practice P1, T1 (the trust it is about), ICB A's analyst.
C1_READERS = who("reporter@own", "responder@own", "interface_lead@own", "icb_analyst@own")
# Who may add a "me too" to C1: anyone reporting in ICB A (they see it without the patient reference).
C1_JOINERS = [viewer for viewer in who("*@own", "*@same_icb") if viewer not in ADMINISTRATORS]
# Who works C1's case: its readers (responders, reporter, ICB team).
C1_CASE = C1_READERS
C1_RESPONDERS = who("responder@own", "interface_lead@own")


ICB_ANALYSTS = who("icb_analyst@own", "icb_analyst@other_icb")
# Dashboards: ICB analysts at an ICB, and responders and interface leads at a provider.
DASHBOARD_READERS = ICB_ANALYSTS + [v for v in RESPONDERS if v not in ICB_WIDE]
# Themes: the ICB interface team at an ICB; responders and interface leads at a provider (their themes).
THEME_READERS = DASHBOARD_READERS
# The matrix theme (C1 and C2, about T1): ICB A's analyst and T1's responders; P2 reported C2.
# A provider sees the themes with a concern about it (not those it reported).
MATRIX_THEME_READERS = who("icb_analyst@own", "responder@own", "interface_lead@own")
# ICB A's interface team curates its themes (the analyst here; no interface lead sits at an ICB).
THEME_CURATORS = who("icb_analyst@own")


@dataclass(frozen=True)
class Entry:
    method: str
    url: str
    statuses: dict[str, object]
    data: dict | None = None
    json: dict | None = None
    headers: dict | None = None
    # The request changes the session (signing out, switching organisation): use a fresh client.
    fresh_client: bool = False
    # A "reader" view whose page must show C1's patient reference to those allowed to see it.
    shows_c1_patient_reference: bool = False
    # Adding a "me too" makes the viewer's organisation one that reads C1 (but not its patient reference).
    joins_c1: bool = False
    notes: str = field(default="", compare=False)


CONCERN_JSON = {
    "part": "B",
    "about_organisation": "{t1}",
    "aspect_of_care": "discharge",
    "staff_group": "doctor",
    "event_date": "{event_date}",
    "standards": ["S02"],
    "what_happened": "The discharge summary for a patient seen last week has not arrived.",
}

# Named URL patterns ("namespace:name") → the request the matrix makes and the statuses it expects.
URLS: dict[str, Entry] = {
    # Core
    "core:home": Entry("GET", "/", signed_in()),
    "core:health": Entry("GET", "/health", everyone()),
    "core:accessibility": Entry("GET", "/accessibility", everyone()),
    "core:privacy": Entry("GET", "/privacy", everyone()),
    # Accounts
    "accounts:login": Entry("GET", "/accounts/sign-in/", rule(REDIRECT, anonymous=200)),
    "accounts:logout": Entry("POST", "/accounts/sign-out/", everyone(LOGIN), fresh_client=True),
    "accounts:switch_organisation": Entry("GET", "/accounts/organisation/", signed_in()),
    "accounts:profile": Entry("GET", "/accounts/me/", signed_in()),
    "accounts:people": Entry("GET", "/accounts/people/", rule(403, (ADMINISTRATORS, 200))),
    "accounts:person_add": Entry("GET", "/accounts/people/add/", rule(403, (ADMINISTRATORS, 200))),
    "accounts:membership_end": Entry(
        "POST",
        "/accounts/people/memberships/{membership}/end/",
        rule(403, (ADMINISTRATORS, 404), (who("administrator@own"), REDIRECT)),
        notes="The membership is at P1: only ICB A's administrator manages it.",
    ),
    # Directory
    "directory:organisation_list": Entry("GET", "/directory/", signed_in()),
    "directory:whos_who": Entry("GET", "/directory/whos-who/", signed_in()),
    "directory:organisation_detail": Entry("GET", "/directory/organisations/{t1}/", signed_in()),
    "directory:contact_add": Entry(
        "GET", "/directory/organisations/{t1}/contacts/add/", rule(403, (T1_DIRECTORY_EDITORS, 200))
    ),
    "directory:service_add": Entry(
        "GET", "/directory/organisations/{t1}/services/add/", rule(403, (T1_DIRECTORY_EDITORS, 200))
    ),
    "directory:contact_edit": Entry(
        "GET", "/directory/contacts/{contact}/edit/", rule(403, (T1_DIRECTORY_EDITORS, 200))
    ),
    "directory:contact_remove": Entry(
        "GET", "/directory/contacts/{contact}/remove/", rule(403, (T1_DIRECTORY_EDITORS, 200))
    ),
    # Standards and ICB A's Code of Conduct: anyone reads; ICB A's team edits.
    "standards:standard_list": Entry("GET", "/standards/", signed_in()),
    "standards:standard_detail": Entry("GET", "/standards/{standard}/", signed_in()),
    "standards:code_of_conduct": Entry("GET", "/standards/codes-of-conduct/{icb_a}/", signed_in()),
    "standards:version_detail": Entry(
        "GET", "/standards/codes-of-conduct/{icb_a}/versions/{published}/", signed_in()
    ),
    "standards:code_of_conduct_create": Entry(
        "GET", "/standards/codes-of-conduct/{icb_a}/create/", rule(403, (ICB_A_TEAM, 200))
    ),
    "standards:version_create": Entry(
        "GET", "/standards/codes-of-conduct/{icb_a}/versions/new/", rule(403, (ICB_A_TEAM, 200))
    ),
    "standards:version_add_standards": Entry(
        "GET",
        "/standards/codes-of-conduct/{icb_a}/versions/{draft_version}/add-standards/",
        rule(403, (ICB_A_TEAM, 200)),
    ),
    "standards:version_local_standard": Entry(
        "GET",
        "/standards/codes-of-conduct/{icb_a}/versions/{draft_version}/local-standard/",
        rule(403, (ICB_A_TEAM, 200)),
    ),
    "standards:version_publish": Entry(
        "GET",
        "/standards/codes-of-conduct/{icb_a}/versions/{draft_version}/publish/",
        rule(403, (ICB_A_TEAM, 200)),
    ),
    "standards:entry_reword": Entry(
        "GET",
        "/standards/codes-of-conduct/{icb_a}/versions/{draft_version}/standards/{standard}/reword/",
        rule(403, (ICB_A_TEAM, 200)),
    ),
    "standards:entry_change": Entry(
        "POST",
        "/standards/codes-of-conduct/{icb_a}/versions/{draft_version}/standards/{standard}/change/",
        rule(403, (ICB_A_TEAM, REDIRECT)),
    ),
    # Audit
    "audit:event_list": Entry("GET", "/audit/", rule(403, (ADMINISTRATORS, 200))),
    # Concerns
    "concerns:concern_list": Entry("GET", "/concerns/", rule(403, (NOT_ADMINISTRATORS, 200))),
    "concerns:report_start": Entry("GET", "/concerns/report/", rule(403, (NOT_ADMINISTRATORS, 200))),
    "concerns:report_elsewhere": Entry(
        "GET", "/concerns/report/other-routes/", rule(403, (NOT_ADMINISTRATORS, 200))
    ),
    "concerns:report": Entry("GET", "/concerns/report/new/", rule(403, (NOT_ADMINISTRATORS, 200))),
    "concerns:organisation_suggestions": Entry(
        "GET", "/concerns/report/organisations/", rule(403, (NOT_ADMINISTRATORS, 200)), data={"q": "matrix"}
    ),
    "concerns:standards_for_date": Entry(
        "POST",
        "/concerns/report/standards/",
        rule(403, (NOT_ADMINISTRATORS, 200)),
        data={
            "about_organisation": "{t1}",
            "event_date-day": "1",
            "event_date-month": "6",
            "event_date-year": "2025",
        },
    ),
    "concerns:similar_concerns": Entry(
        "POST",
        "/concerns/report/similar/",
        rule(403, (NOT_ADMINISTRATORS, 200)),
        data={"about_organisation": "{t1}", "aspect_of_care": "discharge", "standards": "S02"},
        notes="Suggestions show open concerns anyone in the ICB may join: what happened, never the patient reference.",
    ),
    "concerns:draft_list": Entry("GET", "/concerns/drafts/", rule(403, (NOT_ADMINISTRATORS, 200))),
    "concerns:draft_discard": Entry(
        "POST",
        "/concerns/drafts/{draft}/discard/",
        rule(403, (NOT_ADMINISTRATORS, 404), (who("reporter@own"), REDIRECT)),
    ),
    "concerns:concern_detail": Entry(
        "GET",
        "/concerns/{c1}/",
        rule(404, (ADMINISTRATORS, 403), (C1_READERS, 200)),
        shows_c1_patient_reference=True,
    ),
    "concerns:submitted": Entry(
        "GET",
        "/concerns/{c1}/submitted/",
        rule(404, (ADMINISTRATORS, 403), (C1_READERS, REDIRECT), (who("reporter@own"), 200)),
        notes="The confirmation is the reporter's; other readers are sent on to the concern page.",
    ),
    "concerns:me_too": Entry(
        "GET", "/concerns/{c1}/me-too/", rule(404, (ADMINISTRATORS, 403), (C1_JOINERS, 200))
    ),
    # Routing and response
    "routing:inbox": Entry("GET", "/routing/inbox/", rule(403, (RESPONDERS, 200))),
    "routing:icb_queue": Entry(
        "GET", "/routing/icb/", rule(403, (who("icb_analyst@own", "icb_analyst@other_icb"), 200))
    ),
    "routing:icb_queue_csv": Entry(
        "GET", "/routing/icb/export.csv", rule(403, (who("icb_analyst@own", "icb_analyst@other_icb"), 200))
    ),
    "routing:case": Entry(
        "GET", "/routing/concerns/{c1}/", rule(404, (C1_CASE, 200)), shows_c1_patient_reference=True
    ),
    "routing:case_action": Entry(
        "POST",
        "/routing/concerns/{c1}/assign/",
        rule(404, (C1_CASE, 403), (C1_RESPONDERS, REDIRECT)),
    ),
    "routing:rule_list": Entry("GET", "/routing/rules/", rule(403, (ICB_ADMINS, 200))),
    "routing:rule_add": Entry("GET", "/routing/rules/add/", rule(403, (ICB_ADMINS, 200))),
    "routing:rule_edit": Entry(
        "GET", "/routing/rules/{rule}/", rule(403, (ICB_ADMINS, 404), (who("administrator@own"), 200))
    ),
    "routing:rule_retire": Entry(
        "POST",
        "/routing/rules/{rule}/retire/",
        rule(403, (ICB_ADMINS, 404), (who("administrator@own"), REDIRECT)),
    ),
    "routing:clock_policy": Entry("GET", "/routing/clock-policy/", rule(403, (ICB_ADMINS, 200))),
    "routing:template_list": Entry("GET", "/routing/templates/", rule(403, (INTERFACE_LEADS, 200))),
    # Notifications: each person's own; administrators see email deliveries.
    "notifications:list": Entry("GET", "/notifications/", signed_in()),
    "notifications:preferences": Entry("GET", "/notifications/preferences/", signed_in()),
    "notifications:read_all": Entry("POST", "/notifications/read-all/", signed_in(REDIRECT)),
    "notifications:open": Entry(
        "GET", "/notifications/{notification}/open/", rule(404, (who("responder@own"), REDIRECT))
    ),
    "notifications:read": Entry(
        "POST",
        "/notifications/{notification}/read/",
        signed_in(REDIRECT),
        notes="Marks only the person's own notification read; anyone else's is left alone.",
    ),
    "notifications:deliveries": Entry("GET", "/notifications/deliveries/", rule(403, (ADMINISTRATORS, 200))),
    "notifications:delivery_retry": Entry(
        "POST",
        "/notifications/deliveries/{email}/retry/",
        rule(403, (ADMINISTRATORS, 404), (who("administrator@own"), REDIRECT)),
        notes="The email is to T1's responder: ICB A's administrator manages it.",
    ),
    # NHS 111 messages: a practice reads its own; ICB-wide roles the unregistered queue and scorecard.
    "nhs111:inbox": Entry("GET", "/111/", rule(403, (AT_A_PRACTICE, 200), (ICB_WIDE, REDIRECT))),
    "nhs111:unregistered": Entry("GET", "/111/unregistered/", rule(403, (ICB_WIDE, 200))),
    "nhs111:scorecard": Entry("GET", "/111/scorecard/", rule(403, (ICB_WIDE, 200))),
    "nhs111:message_detail": Entry(
        "GET", "/111/messages/{m1}/", rule(403, (AT_A_PRACTICE + ICB_WIDE, 404), (who("reporter@own"), 200))
    ),
    "nhs111:message_text": Entry(
        "GET",
        "/111/messages/{m1}/text/",
        rule(403, (AT_A_PRACTICE + ICB_WIDE, 404), (who("reporter@own"), 200)),
    ),
    "nhs111:message_acknowledge": Entry(
        "POST",
        "/111/messages/{m1}/acknowledge/",
        rule(403, (AT_A_PRACTICE + ICB_WIDE, 404), (who("reporter@own"), REDIRECT)),
    ),
    "nhs111:message_complete": Entry(
        "POST",
        "/111/messages/{m1}/complete/",
        rule(403, (AT_A_PRACTICE + ICB_WIDE, 404), (who("reporter@own"), REDIRECT)),
    ),
    # Themes
    "themes:suggest": Entry(
        "POST",
        "/themes/suggest/",
        rule(403, (NOT_ADMINISTRATORS, 200)),
        data={"what_happened": "late discharge letter"},
    ),
    "themes:text_model": Entry("GET", "/themes/text-model/", rule(403, (ICB_WIDE, 200))),
    "themes:list": Entry("GET", "/themes/", rule(403, (THEME_READERS, 200))),
    "themes:detail": Entry(
        "GET", "/themes/{theme}/", rule(403, (THEME_READERS, 404), (MATRIX_THEME_READERS, 200))
    ),
    "themes:rebuild": Entry("POST", "/themes/rebuild/", rule(403, (ICB_ANALYSTS, REDIRECT))),
    "themes:build_progress": Entry(
        "GET", "/themes/rebuilds/{build}/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:rename": Entry(
        "GET", "/themes/{theme}/rename/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:pin": Entry(
        "POST", "/themes/{theme}/pin/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, REDIRECT))
    ),
    "themes:owner": Entry(
        "POST", "/themes/{theme}/owner/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, REDIRECT))
    ),
    "themes:merge": Entry(
        "GET", "/themes/{theme}/merge/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:split": Entry(
        "GET", "/themes/{theme}/split/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:move": Entry(
        "GET", "/themes/{theme}/move/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:action_add": Entry(
        "GET", "/themes/{theme}/actions/add/", rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200))
    ),
    "themes:action_update": Entry(
        "GET",
        "/themes/{theme}/actions/{theme_action}/",
        rule(403, (ICB_ANALYSTS, 404), (THEME_CURATORS, 200)),
    ),
    # Reports: dashboards for the ICB's analysts and providers' responders; monthly reports by version.
    "reports:dashboard": Entry("GET", "/reports/", rule(403, (DASHBOARD_READERS, 200))),
    "reports:drilldown": Entry("GET", "/reports/concerns/", rule(403, (DASHBOARD_READERS, 200))),
    # The messages behind a 111 scorecard number: the dashboard's readers who read the scorecard (ICB analysts).
    "reports:drilldown_111": Entry("GET", "/reports/nhs111/", rule(403, (ICB_ANALYSTS, 200))),
    "reports:monthly": Entry("GET", "/reports/monthly/", signed_in()),
    "reports:monthly_pdf": Entry("GET", "/reports/monthly/pdf/", signed_in()),
    "reports:monthly_csv": Entry("GET", "/reports/monthly/csv/", signed_in()),
    "reports:monthly_issue": Entry(
        "POST", "/reports/monthly/issue/", rule(403, (ICB_ANALYSTS, REDIRECT)), data={"month": "{last_month}"}
    ),
    "reports:archive": Entry("GET", "/reports/archive/", signed_in()),
    "reports:archived": Entry("GET", "/reports/archive/{report}/", rule(404, (who("icb_analyst@own"), 200))),
    "reports:archived_file": Entry(
        "GET", "/reports/archive/{report}/csv/", rule(404, (who("icb_analyst@own"), 200))
    ),
    "reports:activity": Entry("GET", "/reports/activity/", rule(403, (ICB_ANALYSTS, 200))),
    # Who is sent the monthly report: each ICB's analysts and administrators, for their own ICB's list.
    "reports:subscriptions": Entry("GET", "/reports/subscriptions/", rule(403, (ICB_WIDE, 200))),
    "reports:subscription_add": Entry("GET", "/reports/subscriptions/add/", rule(403, (ICB_WIDE, 200))),
    "reports:subscription_change": Entry(
        "GET", "/reports/subscriptions/{subscription}/", rule(403, (ICB_WIDE, 404), (ICB_A_TEAM, 200))
    ),
    "reports:subscription_remove": Entry(
        "GET", "/reports/subscriptions/{subscription}/remove/", rule(403, (ICB_WIDE, 404), (ICB_A_TEAM, 200))
    ),
    # The FHIR intake authenticates sending systems only: a person's session is no credential.
    "fhir:process_message": Entry(
        "POST",
        "/fhir/r4/$process-message",
        everyone(401),
        json={"resourceType": "Bundle"},
        headers={"X-Request-Id": "{guid}", "X-Correlation-Id": "{guid}"},
    ),
    # The JSON API's own pages.
    "api-1.0.0:openapi-json": Entry("GET", "/api/v1/openapi.json", everyone()),
    "api-1.0.0:openapi-view": Entry("GET", "/api/v1/docs", everyone()),
    "api-1.0.0:api-root": Entry("GET", "/api/v1/", everyone(404)),
}

# JSON API operations ("METHOD path" as the OpenAPI document names them). Anonymous callers get 401.
API: dict[str, Entry] = {
    "GET /api/v1/me": Entry("GET", "/api/v1/me", api(200)),
    "GET /api/v1/organisations": Entry("GET", "/api/v1/organisations", api(200)),
    "GET /api/v1/organisations/{ods_code}": Entry("GET", "/api/v1/organisations/{t1}", api(200)),
    "GET /api/v1/contacts": Entry("GET", "/api/v1/contacts", api(200)),
    "GET /api/v1/specialties": Entry("GET", "/api/v1/specialties", api(200)),
    "GET /api/v1/standards": Entry("GET", "/api/v1/standards", api(200)),
    "GET /api/v1/standards/{code}": Entry("GET", "/api/v1/standards/{standard}", api(200)),
    "GET /api/v1/standards/{code}/time-limit": Entry(
        "GET", "/api/v1/standards/{standard}/time-limit", api(200), data={"on": "2025-06-01"}
    ),
    # T1's own staff cannot report a concern about T1 itself: a validation error, not a refusal.
    "POST /api/v1/concerns": Entry(
        "POST",
        "/api/v1/concerns",
        api(403, (NOT_ADMINISTRATORS, 201), (who("responder@own", "interface_lead@own"), 422)),
        json=CONCERN_JSON,
        headers={"Idempotency-Key": "{guid}"},
    ),
    "GET /api/v1/concerns": Entry("GET", "/api/v1/concerns", api(403, (NOT_ADMINISTRATORS, 200))),
    "GET /api/v1/concerns/{reference}": Entry(
        "GET",
        "/api/v1/concerns/{c1}",
        api(404, (ADMINISTRATORS, 403), (C1_READERS, 200)),
        shows_c1_patient_reference=True,
    ),
    "POST /api/v1/concerns/{reference}/occurrences": Entry(
        "POST",
        "/api/v1/concerns/{c1}/occurrences",
        api(404, (ADMINISTRATORS, 403), (C1_JOINERS, 201)),
        json={"event_date": "{event_date}"},
        joins_c1=True,
    ),
    "GET /api/v1/routing/inbox": Entry("GET", "/api/v1/routing/inbox", api(403, (RESPONDERS, 200))),
    "GET /api/v1/routing/concerns/{reference}": Entry(
        "GET", "/api/v1/routing/concerns/{c1}", api(404, (C1_CASE, 200))
    ),
    "POST /api/v1/routing/concerns/{reference}/status": Entry(
        "POST",
        "/api/v1/routing/concerns/{c1}/status",
        api(404, (C1_CASE, 403), (C1_RESPONDERS, 200)),
        json={"to_status": "acknowledged"},
    ),
    "POST /api/v1/routing/concerns/{reference}/messages": Entry(
        "POST",
        "/api/v1/routing/concerns/{c1}/messages",
        api(404, (C1_CASE, 403), (C1_RESPONDERS + who("reporter@own"), 201)),
        json={"body": "We are looking into this."},
    ),
    "GET /api/v1/notifications": Entry("GET", "/api/v1/notifications", api(200)),
    "GET /api/v1/notifications/unread-count": Entry("GET", "/api/v1/notifications/unread-count", api(200)),
    "POST /api/v1/notifications/{notification_id}/read": Entry(
        "POST", "/api/v1/notifications/{notification}/read", api(404, (who("responder@own"), 204)), json={}
    ),
    "GET /api/v1/111/scorecard": Entry("GET", "/api/v1/111/scorecard", api(403, (ICB_WIDE, 200))),
}

# --- What each viewer may read ------------------------------------------------------------------------
# Concerns C1 and C2 are in ICB A (C2 reported by P2 about T1); C3 is in ICB B (P3 about T3).
# From liaison/concerns/selectors.py: the reporting organisation, the organisation it is about and
# the ICB's analysts read a concern; the patient reference only the reporting organisation and the
# responders at the organisation it is about; what happened also anyone in the ICB who may join it.
CONCERN_READERS = {
    "c1": C1_READERS,
    "c2": who("reporter@same_icb", "interface_lead@same_icb", "icb_analyst@same_icb")
    + who("responder@own", "interface_lead@own", "icb_analyst@own"),
    "c3": who(
        "reporter@other_icb", "responder@other_icb", "interface_lead@other_icb", "icb_analyst@other_icb"
    ),
}
PATIENT_REFERENCE_READERS = {
    "c1": who("reporter@own", "responder@own", "interface_lead@own"),
    "c2": who("reporter@same_icb", "interface_lead@same_icb", "icb_analyst@same_icb")
    + who("responder@own", "interface_lead@own"),
    "c3": who("reporter@other_icb", "responder@other_icb", "interface_lead@other_icb"),
}
JOINERS = {
    "c1": C1_JOINERS,
    "c2": C1_JOINERS,
    "c3": [v for v in who("*@other_icb") if v not in ADMINISTRATORS],
}
INTERNAL_NOTE_READERS = C1_RESPONDERS
# NHS 111 patients: M1 (P1's) is read at P1; M2 (unregistered, ICB A) by ICB A's team.
PATIENT_NAME_READERS = {"m1": who("reporter@own"), "m2": ICB_A_TEAM}
