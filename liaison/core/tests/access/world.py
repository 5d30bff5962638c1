"""The synthetic world the access matrix runs in: two ICBs, their organisations, one viewer per role
and place, and one of every object a URL can point at, each carrying text no other object carries.

Places are relative to the objects the URLs name (they all belong to ICB A):

- ``own``: the organisation that owns the object (the reporting practice P1 or the trust T1 a concern
  is about, or ICB A itself for ICB-wide roles);
- ``same_icb``: another organisation in ICB A (practice P2 or trust T2);
- ``other_icb``: an organisation in ICB B.
"""

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from liaison.accounts.models import Membership, Role
from liaison.core.factories import ICBFactory, MembershipFactory, PracticeFactory, TrustFactory, UserFactory
from liaison.directory.models import OrganisationType

# Local patient references: synthetic, each unique to one concern (never an NHS number: the
# patient-reference check refuses those).
PATIENT_REFERENCES = {"c1": "E99900001", "c2": "E99900002", "c3": "E99900003"}
# Free text unique to each concern, so a response that leaks it is caught by a substring test.
WHAT_HAPPENED = {
    "c1": "matrixmarker alpha what happened: the discharge summary never arrived",
    "c2": "matrixmarker bravo what happened: the outpatient letter asked the practice to prescribe",
    "c3": "matrixmarker charlie what happened: the referral was returned without a reason",
}
IMPACT = {
    "c1": "matrixmarker alphaimpact: medication changes were missed",
    "c2": "matrixmarker bravoimpact: the practice repeated the tests",
    "c3": "matrixmarker charlieimpact: the patient waited longer",
}
# NHS 111 messages carry a patient's details by design; each synthetic patient has a unique surname.
PATIENT_NAMES = {"m1": "Ottoline Matrixpractice", "m2": "Perpetua Matrixunregistered"}
INTERNAL_NOTE = "matrixmarker internal note for responders only"

ROLES = [Role.REPORTER, Role.RESPONDER, Role.INTERFACE_LEAD, Role.ICB_ANALYST, Role.ADMINISTRATOR]
PLACES = ["own", "same_icb", "other_icb"]
ANONYMOUS = "anonymous"
# Where each role sits at each place.
SEATS = {
    Role.REPORTER: {"own": "p1", "same_icb": "p2", "other_icb": "p3"},
    Role.RESPONDER: {"own": "t1", "same_icb": "t2", "other_icb": "t3"},
    Role.INTERFACE_LEAD: {"own": "t1", "same_icb": "p2", "other_icb": "t3"},
    Role.ICB_ANALYST: {"own": "icb_a", "same_icb": "p2", "other_icb": "icb_b"},
    Role.ADMINISTRATOR: {"own": "icb_a", "same_icb": "t2", "other_icb": "icb_b"},
}
VIEWERS = [ANONYMOUS] + [f"{role.value}@{place}" for role in ROLES for place in PLACES]


@dataclass
class World:
    orgs: dict = field(default_factory=dict)
    members: dict[str, Membership] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)


def _submission(about, *, key: str, standards=("S02",), part="B"):
    from liaison.concerns.services import ConcernSubmission

    return ConcernSubmission(
        part=part,
        about_organisation=about.ods_code,
        aspect_of_care="discharge",
        staff_group="doctor",
        event_date=timezone.localdate() - timedelta(days=3),
        standards=list(standards) if part == "B" else [],
        what_happened=WHAT_HAPPENED[key],
        impact=IMPACT[key],
        patient_reference=PATIENT_REFERENCES[key],
        patient_reference_system="emis",
        reporter_may_be_named=False,
    )


def _code_of_conduct(icb, analyst):
    from liaison.standards import services

    version = services.code_of_conduct_create(
        actor=analyst.user,
        membership=analyst,
        icb=icb,
        title=f"{icb.name} Code of Conduct",
        effective_from=date(2024, 4, 1),
    )
    published = services.code_of_conduct_version_publish(
        actor=analyst.user, membership=analyst, version=version
    )
    draft = services.code_of_conduct_version_create(
        actor=analyst.user,
        membership=analyst,
        code_of_conduct=published.code_of_conduct,
        effective_from=timezone.localdate() + timedelta(days=60),
    )
    return published, draft


def build_world() -> World:
    from liaison.concerns import services as concern_services
    from liaison.core.factories import OrganisationFactory
    from liaison.directory import services as directory_services
    from liaison.directory.models import Specialty
    from liaison.nhs111 import samples
    from liaison.nhs111 import services as nhs111_services
    from liaison.notifications.models import Notification
    from liaison.routing import services as routing_services
    from liaison.routing.models import ThreadMessage
    from liaison.standards import services as standards_services

    standards_services.standards_baseline_load()
    world = World()
    icb_a = ICBFactory(ods_code="QYG", name="NHS CHESHIRE AND MERSEYSIDE INTEGRATED CARE BOARD")
    icb_b = ICBFactory(ods_code="QNX", name="NHS SUSSEX INTEGRATED CARE BOARD")
    world.orgs = {
        "icb_a": icb_a,
        "icb_b": icb_b,
        "p1": PracticeFactory(ods_code=samples.PRACTICE_ODS, name="MATRIX OWN PRACTICE", icb=icb_a),
        "p2": PracticeFactory(ods_code="N82002", name="MATRIX SAME ICB PRACTICE", icb=icb_a),
        "p3": PracticeFactory(ods_code="G81001", name="MATRIX OTHER ICB PRACTICE", icb=icb_b),
        "t1": TrustFactory(ods_code="REM", name="MATRIX OWN HOSPITALS NHS FOUNDATION TRUST", icb=icb_a),
        "t2": TrustFactory(ods_code="RBS", name="MATRIX SAME ICB HOSPITALS NHS FOUNDATION TRUST", icb=icb_a),
        "t3": TrustFactory(ods_code="RXH", name="MATRIX OTHER ICB HOSPITALS NHS FOUNDATION TRUST", icb=icb_b),
        "sender": OrganisationFactory(
            ods_code=samples.SENDER_ODS,
            name="MATRIX 111 PROVIDER",
            org_type=OrganisationType.AMBULANCE_111,
            icb=icb_a,
        ),
    }
    for role, seats in SEATS.items():
        for place, org_key in seats.items():
            user = UserFactory(username=f"{role.value}-{place}".replace("_", "-"))
            world.members[f"{role.value}@{place}"] = MembershipFactory(
                user=user, organisation=world.orgs[org_key], role=role
            )
    members = world.members

    # Each ICB's Code of Conduct (published version 1, draft version 2).
    published_a, draft_a = _code_of_conduct(icb_a, members["icb_analyst@own"])
    _code_of_conduct(icb_b, members["icb_analyst@other_icb"])

    # Concerns: C1 from P1 about T1, C2 from P2 about T1, C3 in ICB B from P3 about T3.
    concerns = {}
    for key, reporter, about in (
        ("c1", members["reporter@own"], world.orgs["t1"]),
        ("c2", members["reporter@same_icb"], world.orgs["t1"]),
        ("c3", members["reporter@other_icb"], world.orgs["t3"]),
    ):
        concern, _ = concern_services.submit_concern(
            membership=reporter, submission=_submission(about, key=key)
        )
        concerns[key] = concern
    c1 = concerns["c1"]
    ThreadMessage.objects.create(
        concern=c1,
        author=members["responder@own"].user,
        organisation=world.orgs["t1"],
        body=INTERNAL_NOTE,
        is_internal=True,
        created_at=timezone.now(),
    )
    draft = concern_services.concern_draft_save(
        membership=members["reporter@own"], submission=_submission(world.orgs["t1"], key="c1")
    ).draft

    # The who's who: a contact and a service at T1.
    specialty = Specialty.objects.order_by("code").first()
    contact = directory_services.contact_create(
        organisation=world.orgs["t1"],
        role="service_lead",
        name="Matrix Contact",
        email="matrix.contact@nhs.net",
    )
    if specialty is not None:
        directory_services.organisation_service_add(organisation=world.orgs["t1"], specialty=specialty)

    # A routing rule in ICB A.
    rule = routing_services.routing_rule_create(
        icb=icb_a,
        actor=members["administrator@own"].user,
        about_organisation=world.orgs["t1"],
        recipient_organisation=world.orgs["t1"],
        recipient_role="interface_lead",
    )

    # NHS 111: M1 for practice P1, M2 for ICB A's unregistered queue.
    credential, _ = nhs111_services.sender_credential_issue(
        organisation=world.orgs["sender"], name="Matrix 111"
    )
    messages = {}
    for key, practice in (("m1", samples.PRACTICE_ODS), ("m2", None)):
        receipt = nhs111_services.message_receive(
            data=samples.referral_r4(practice_ods=practice, patient_name=PATIENT_NAMES[key]),
            credential=credential,
            request_id=str(uuid.uuid4()),
            correlation_id=str(uuid.uuid4()),
        )
        messages[key] = receipt.message

    # A notification addressed to the responder at T1 (routing made it for C1).
    notification = (
        Notification.objects.filter(recipient_user=members["responder@own"].user, channel="in_app")
        .order_by("id")
        .first()
    )
    email = Notification.objects.filter(concern=c1, channel="email").order_by("id").first()
    spare = MembershipFactory(user=UserFactory(username="spare-member"), organisation=world.orgs["p1"])

    # A theme in ICB A holding C1 and C2, and ICB A's internal report for last month.
    from liaison.reports.services import monthly_report_issue
    from liaison.themes.models import Theme, ThemeMembership

    theme = Theme.objects.create(icb=icb_a, label="Matrix theme: discharge summaries")
    for key in ("c1", "c2"):
        ThemeMembership.objects.create(theme=theme, concern=concerns[key])
    from liaison.themes import services as theme_services

    analyst = members["icb_analyst@own"]
    theme_action = theme_services.theme_action_add(
        membership=analyst, theme=theme, action="Agree a discharge summary template with the trust"
    )
    build = theme_services.theme_build_start(icb=icb_a, requested_by=analyst.user, enqueue=False)
    last_month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
    report, _ = monthly_report_issue(icb=icb_a, month=last_month, version="icb")
    from liaison.reports.models import Audience, ReportSubscription

    subscription = ReportSubscription.objects.create(
        icb=icb_a, organisation=world.orgs["p1"], audience=Audience.NEWSLETTER, email="p1.manager@nhs.net"
    )

    world.objects = {"concerns": concerns, "messages": messages, "notification": notification}
    world.ids = {
        "c1": c1.reference,
        "icb_a": icb_a.ods_code,
        "t1": world.orgs["t1"].ods_code,
        "draft": str(draft.public_id),
        "contact": contact.pk,
        "rule": rule.pk,
        "m1": messages["m1"].pk,
        "m2": messages["m2"].pk,
        "notification": notification.pk if notification else 0,
        "email": email.pk if email else 0,
        "membership": spare.pk,
        "published": published_a.version,
        "draft_version": draft_a.version,
        "standard": "S02",
        "theme": theme.pk,
        "report": report.pk,
        "subscription": subscription.pk,
        "theme_action": theme_action.pk,
        "build": build.pk,
        "last_month": f"{last_month:%Y-%m}",
    }
    return world
