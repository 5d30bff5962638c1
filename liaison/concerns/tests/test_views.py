"""The concern pages: stopper, report form, drafts, list, concern page and "me too", without JavaScript."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.concerns.models import Concern, ConcernDraft, Occurrence
from liaison.concerns.services import add_occurrence, submit_concern

from .conftest import SYNTHETIC_NHS_NUMBER, submission_with

pytestmark = pytest.mark.django_db

REPORT = "/concerns/report/new/"


def form_data(valid_submission, **changes) -> dict:
    """The report form as a browser posts it, from a valid submission."""
    day = valid_submission.event_date
    data = {
        "part": valid_submission.part,
        "about_search": "",
        "about_organisation": valid_submission.about_organisation,
        "specialty": "",
        "service_description": "",
        "staff_group": valid_submission.staff_group,
        "aspect_of_care": valid_submission.aspect_of_care,
        "event_date_day": str(day.day),
        "event_date_month": str(day.month),
        "event_date_year": str(day.year),
        "standards": valid_submission.standards,
        "what_happened": valid_submission.what_happened,
        "impact": valid_submission.impact,
        "patient_reference": valid_submission.patient_reference,
        "patient_reference_system": valid_submission.patient_reference_system,
        "reporter_may_be_named": "yes",
        "action": "submit",
    }
    data.update(changes)
    return data


# --- The stopper ----------------------------------------------------------------------------------


def test_the_stopper_sends_incidents_and_complaints_elsewhere_and_submits_nothing(
    client_for, reporter, trust
):
    client = client_for(reporter)
    page = client.get("/concerns/report/")
    assert page.status_code == 200
    assert "Is this a patient safety incident, a serious incident or a complaint?" in page.content.decode()

    unanswered = client.post("/concerns/report/", {})
    assert unanswered.status_code == 422
    assert "Select yes if this is a patient safety incident" in unanswered.content.decode()

    diverted = client.post("/concerns/report/", {"stopper": "yes"})
    assert diverted.status_code == 302 and diverted.url == "/concerns/report/other-routes/"
    elsewhere = client.get(diverted.url + "?about=REM").content.decode()
    assert "Nothing has been sent" in elsewhere
    assert "learn-from-patient-safety-events.nhs.uk" in elsewhere
    assert "PALS" in elsewhere and "Liverpool University Hospitals NHS Foundation Trust (REM)" in elsewhere
    assert Concern.objects.count() == 0

    onward = client.post("/concerns/report/", {"stopper": "no"})
    assert onward.status_code == 302 and onward.url == REPORT


def test_a_prefilled_link_keeps_the_organisation_and_aspect_through_the_stopper(
    client_for, reporter, trust, published_code
):
    """ "Raise a concern about this 111 message" opens the form with the sender and aspect filled in."""
    client = client_for(reporter)
    start = client.get("/concerns/report/?about=REM&aspect=message_111&nhs_number=9990000018")
    assert 'action="/concerns/report/?about=REM&amp;aspect=message_111"' in start.content.decode()

    onward = client.post("/concerns/report/?about=REM&aspect=message_111", {"stopper": "no"})
    assert onward.status_code == 302 and onward.url == REPORT + "?about=REM&aspect=message_111"
    form = client.get(onward.url).content.decode()
    assert 'value="REM"' in form
    assert '<option value="message_111" selected' in form

    diverted = client.post("/concerns/report/?about=REM", {"stopper": "yes"})
    assert diverted.url == "/concerns/report/other-routes/?about=REM"

    unknown_aspect = client.get(REPORT + "?aspect=<script>").content.decode()
    assert "<script>" not in unknown_aspect


# --- The report form ------------------------------------------------------------------------------


def test_the_form_offers_the_code_of_conduct_with_time_limits(client_for, reporter, published_code):
    page = client_for(reporter).get(REPORT).content.decode()
    assert 'name="standards" type="checkbox" value="S02"' in page
    assert "Time limit today: 24 hours" in page
    assert "data-pid-guard" in page and "privacy/pid-guard.js" in page


def test_a_clean_report_is_saved_and_the_confirmation_shows_the_reference_and_time_limit(
    client_for, reporter, valid_submission
):
    client = client_for(reporter)
    response = client.post(REPORT, form_data(valid_submission))
    concern = Concern.objects.get()
    assert response.status_code == 302 and response.url == f"/concerns/{concern.reference}/submitted/"
    page = client.get(response.url).content.decode()
    assert concern.reference in page and "Concern submitted" in page
    assert "Time limit on" in page and "24 hours" in page
    assert concern.source == "web"


def test_an_nhs_number_comes_back_422_with_everything_kept_and_the_span_marked(
    client_for, reporter, valid_submission
):
    text = f"<b>Summary</b> for {SYNTHETIC_NHS_NUMBER} missing"
    response = client_for(reporter).post(REPORT, form_data(valid_submission, what_happened=text))
    page = response.content.decode()
    assert response.status_code == 422
    assert page.count("<title>Error: ") == 1
    assert 'href="#what_happened"' in page
    assert "What happened contains an NHS number (999 ••• ••18)" in page
    # Everything typed is kept, escaped; the span is marked in the preview.
    assert "&lt;b&gt;Summary&lt;/b&gt; for 999 000 0018 missing</textarea>" in page
    assert f"&lt;b&gt;Summary&lt;/b&gt; for <mark>{SYNTHETIC_NHS_NUMBER}</mark> missing" in page
    assert "<b>Summary</b>" not in page
    assert 'value="E12345"' in page and 'value="S02" checked' in page
    assert Concern.objects.count() == 0 and Occurrence.objects.count() == 0


def test_a_possible_name_asks_for_confirmation_then_saves(client_for, reporter, valid_submission):
    client = client_for(reporter)
    text = "Mrs Smith on the ward said the summary had been sent."
    first = client.post(REPORT, form_data(valid_submission, what_happened=text))
    assert first.status_code == 422
    page = first.content.decode()
    value = re.search(r'name="confirm_not_identifying" type="checkbox" value="([^"]+)"', page).group(1)
    assert "is not a patient&#39;s name or date of birth" in page
    assert Concern.objects.count() == 0

    second = client.post(
        REPORT, form_data(valid_submission, what_happened=text, confirm_not_identifying=[value])
    )
    assert second.status_code == 302
    assert Concern.objects.get().what_happened == text


def test_missing_answers_come_back_with_the_error_summary_linking_to_each_field(
    client_for, reporter, published_code
):
    response = client_for(reporter).post(
        REPORT, {"action": "submit", "event_date_day": "31", "event_date_month": "2"}
    )
    page = re.sub(r"\s+", " ", response.content.decode())
    assert response.status_code == 422
    for anchor, message in [
        ("#part", "Select whether this is an emerging theme"),
        ("#about_search", "Enter the organisation the concern is about"),
        ("#aspect_of_care", "Select the aspect of care"),
        ("#event_date", "Date of the event must include a year"),
        ("#what_happened", "Enter what happened"),
    ]:
        assert f'<a href="{anchor}" > {message}' in page
    assert 'value="31"' in page


def test_finding_an_organisation_without_javascript(client_for, reporter, trust, published_code):
    client = client_for(reporter)
    response = client.post(
        REPORT, {"action": "find", "about_search": "liverpool university", "what_happened": "kept"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'name="about_organisation" type="radio" value="REM"' in page
    assert "kept</textarea>" in page


def test_htmx_suggestions_and_standards_for_the_date(client_for, reporter, trust, published_code):
    client = client_for(reporter)
    choices = client.get("/concerns/report/organisations/", {"about_search": "REM"}).content.decode()
    assert 'value="REM"' in choices and "<html" not in choices
    standards = client.post(
        "/concerns/report/standards/",
        {
            "about_organisation": "REM",
            "event_date_day": "1",
            "event_date_month": "6",
            "event_date_year": "2017",
        },
    ).content.decode()
    assert "Time limit on 1 June 2017: 10 calendar days" in standards


def test_a_trust_user_reports_about_a_practice_through_the_form(
    client_for, responder, practice, valid_submission
):
    data = form_data(
        valid_submission,
        part="A",
        standards=[],
        about_organisation="",
        about_search=practice.ods_code,
        aspect_of_care="referral",
        what_happened="Referral letters arrive without the recent blood results the pathway asks for.",
    )
    response = client_for(responder).post(REPORT, data)
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.about_organisation == practice and concern.reporter_organisation == responder.organisation


# --- Drafts ----------------------------------------------------------------------------------------


def test_save_and_come_back_later(client_for, reporter, valid_submission):
    client = client_for(reporter)
    saved = client.post(REPORT, form_data(valid_submission, action="save"))
    assert saved.status_code == 302 and saved.url == "/concerns/drafts/"
    draft = ConcernDraft.objects.get()
    listing = client.get("/concerns/drafts/").content.decode()
    assert f"?draft={draft.public_id}" in listing
    resumed = client.get(f"{REPORT}?draft={draft.public_id}").content.decode()
    assert valid_submission.what_happened in resumed and 'value="S02" checked' in resumed
    submitted = client.post(REPORT, form_data(valid_submission, draft=str(draft.public_id)))
    assert submitted.status_code == 302 and not ConcernDraft.objects.exists()


def test_a_draft_with_pid_keeps_nothing_identifying_and_says_so(client_for, reporter, valid_submission):
    client = client_for(reporter)
    text = f"Summary for {SYNTHETIC_NHS_NUMBER} missing"
    response = client.post(REPORT, form_data(valid_submission, action="save", what_happened=text))
    assert response.status_code == 422
    page = response.content.decode()
    assert "Your draft is saved without what happened" in page and f"{text}</textarea>" in page
    draft = ConcernDraft.objects.get()
    assert "what_happened" not in draft.data and "0018" not in str(draft.data)
    assert f'name="draft" value="{draft.public_id}"' in page


def test_only_the_author_sees_or_discards_a_draft(client_for, reporter, other_reporter, valid_submission):
    client_for(reporter).post(REPORT, form_data(valid_submission, action="save"))
    draft = ConcernDraft.objects.get()
    other = client_for(other_reporter)
    assert other.get(f"{REPORT}?draft={draft.public_id}").status_code == 404
    assert other.post(f"/concerns/drafts/{draft.public_id}/discard/").status_code == 404
    assert client_for(reporter).post(f"/concerns/drafts/{draft.public_id}/discard/").status_code == 302
    assert not ConcernDraft.objects.exists()


# --- List, concern page, me too ---------------------------------------------------------------------


def test_the_list_shows_status_and_occurrences_and_filters(
    client_for, reporter, submitted, other_reporter, event_day
):
    add_occurrence(membership=other_reporter, concern=submitted, event_date=event_day)
    client = client_for(reporter)
    page = client.get("/concerns/").content.decode()
    assert submitted.reference in page and "New" in page
    assert re.search(r">\s*2\s*</td>", page)
    assert submitted.reference not in client.get("/concerns/?part=A").content.decode()
    assert submitted.reference in client.get("/concerns/?status=open&direction=reported").content.decode()


def test_the_list_takes_the_same_number_of_queries_for_more_concerns(
    client_for, reporter, valid_submission, submitted
):
    client = client_for(reporter)
    client.get("/concerns/")
    with CaptureQueriesContext(connection) as few:
        client.get("/concerns/")
    for _ in range(5):
        submit_concern(membership=reporter, submission=submission_with(valid_submission, part="A"))
    with CaptureQueriesContext(connection) as more:
        page = client.get("/concerns/")
    assert page.content.decode().count("/concerns/LIA-") == 6
    assert len(more) == len(few)


def test_the_concern_page_shows_the_patient_reference_only_to_those_who_may_see_it(
    client_for, reporter, responder, icb_analyst, submitted, make_member, other_icb_trust
):
    for membership, shown in [(reporter, True), (responder, True), (icb_analyst, False)]:
        page = client_for(membership).get(f"/concerns/{submitted.reference}/").content.decode()
        assert "S02 Discharge summaries" in page and "24 hours" in page and "Submitted" in page
        assert ("E12345" in page) is shown
    from liaison.accounts.models import Role

    outsider = make_member(Role.ICB_ANALYST, other_icb_trust.icb)
    assert client_for(outsider).get(f"/concerns/{submitted.reference}/").status_code == 404


def test_me_too_from_another_practice_counts(client_for, other_reporter, submitted, event_day):
    client = client_for(other_reporter)
    form = client.get(f"/concerns/{submitted.reference}/me-too/")
    assert form.status_code == 200 and "This happened to us too" in form.content.decode()
    blocked = client.post(
        f"/concerns/{submitted.reference}/me-too/",
        {
            "event_date_day": event_day.day,
            "event_date_month": event_day.month,
            "event_date_year": event_day.year,
            "note": f"Same for {SYNTHETIC_NHS_NUMBER}",
        },
    )
    assert blocked.status_code == 422 and f"<mark>{SYNTHETIC_NHS_NUMBER}</mark>" in blocked.content.decode()
    added = client.post(
        f"/concerns/{submitted.reference}/me-too/",
        {
            "event_date_day": event_day.day,
            "event_date_month": event_day.month,
            "event_date_year": event_day.year,
        },
    )
    assert added.status_code == 302 and added.url == f"/concerns/{submitted.reference}/"
    assert submitted.occurrences.count() == 2
    assert "Occurrences (2)" in client.get(added.url).content.decode()


def test_similar_concerns_are_suggested_with_a_me_too_link(client_for, other_reporter, submitted, trust):
    page = (
        client_for(other_reporter)
        .post("/concerns/report/similar/", {"about_organisation": "REM", "aspect_of_care": "discharge"})
        .content.decode()
    )
    assert submitted.reference in page and f"/concerns/{submitted.reference}/me-too/" in page
    assert "E12345" not in page


def test_navigation_offers_reporting_to_reporters_but_not_administrators(client_for, reporter, administrator):
    assert "Report a concern" in client_for(reporter).get("/").content.decode()
    home = client_for(administrator).get("/").content.decode()
    assert "Report a concern" not in home
    assert client_for(administrator).get("/concerns/").status_code == 403


@pytest.mark.parametrize(
    ("who", "detail", "me_too"),
    [
        ("reporter", 200, 200),
        ("responder", 200, 200),
        ("icb_analyst", 200, 200),
        ("other_reporter", 404, 200),
        ("administrator", 403, 403),
        ("outsider", 404, 404),
    ],
)
def test_who_reaches_a_concern_page_and_its_me_too(
    request, client_for, submitted, make_member, other_icb_trust, who, detail, me_too
):
    from liaison.accounts.models import Role

    if who == "outsider":
        membership = make_member(Role.RESPONDER, other_icb_trust)
    else:
        membership = request.getfixturevalue(who)
    client = client_for(membership)
    assert client.get(f"/concerns/{submitted.reference}/").status_code == detail
    assert client.get(f"/concerns/{submitted.reference}/me-too/").status_code == me_too
    listed = client.get("/concerns/")
    if listed.status_code == 200:
        assert (submitted.reference in listed.content.decode()) is (detail == 200)


def test_the_concern_page_does_not_query_per_occurrence(
    client_for, reporter, submitted, make_member, practice, event_day
):
    from datetime import timedelta

    from liaison.accounts.models import Role
    from liaison.core.factories import PracticeFactory

    client = client_for(reporter)
    client.get(f"/concerns/{submitted.reference}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/concerns/{submitted.reference}/")
    for number in range(4):
        member = make_member(Role.REPORTER, PracticeFactory(icb=practice.icb))
        add_occurrence(membership=member, concern=submitted, event_date=event_day - timedelta(days=number))
    with CaptureQueriesContext(connection) as more:
        page = client.get(f"/concerns/{submitted.reference}/")
    assert "Occurrences (5)" in page.content.decode()
    assert len(more) == len(few)


def test_the_concern_page_links_each_party_to_the_case_page(client_for, reporter, responder, submitted):
    reporter_page = client_for(reporter).get(f"/concerns/{submitted.reference}/").content.decode()
    assert f'href="/routing/concerns/{submitted.reference}/"' in reporter_page
    assert "Follow the response" in reporter_page

    responder_page = client_for(responder).get(f"/concerns/{submitted.reference}/").content.decode()
    assert "Respond to this concern" in responder_page


def test_helpers_that_carry_typed_text_never_put_it_in_a_url(client_for, reporter, trust, published_code):
    """The form's htmx helpers send the whole form, free text included: POST only, never a query string."""
    client = client_for(reporter)
    form = client.get(REPORT).content.decode()
    assert 'hx-post="/concerns/report/standards/"' in form
    assert 'hx-post="/concerns/report/similar/"' in form
    assert 'hx-get="/concerns/report/standards/"' not in form
    for url in ("/concerns/report/standards/", "/concerns/report/similar/"):
        assert client.get(url, {"what_happened": "typed text"}).status_code == 405
