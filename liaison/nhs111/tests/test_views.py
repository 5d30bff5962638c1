"""The receiving clinician's view, each hazard mitigation, scoping by organisation, and the scorecard."""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from liaison.accounts.models import Role
from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.factories import PracticeFactory
from liaison.nhs111.models import MessageStatus, Purpose
from liaison.nhs111.samples import NHS_NUMBER, pem_stu3, referral_r4

pytestmark = pytest.mark.django_db

ORDER = [
    "Clinical summary",
    "Plan and requested actions",
    "Presenting complaints or issues",
    "Safeguarding and risks",
    "Suspected diagnosis",
    "Medications (reported by the patient)",
    "Individual requirements",
    "Allergies (reported by the patient)",
    "Confirmed diagnosis",
]


@pytest.fixture
def gp(reporter):
    return reporter


def _page(client, message) -> str:
    response = client.get(f"/111/messages/{message.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, key: str) -> str:
    start = html.index(f'id="section-{key}"')
    end = html.find("<section", start)
    return html[start:end]


# --- Inbox ---------------------------------------------------------------------------------------


def test_for_action_comes_first_and_differs_in_words_and_shape(receive, gp, client_for):
    info = receive(pem_stu3()).message
    action = receive(referral_r4()).message
    html = client_for(gp).get("/111/").content.decode()
    action_heading, info_heading = html.index('id="for-action"'), html.index('id="for-information"')
    assert action_heading < info_heading
    action_at = html.index(f'href="/111/messages/{action.pk}/"')
    info_at = html.index(f'href="/111/messages/{info.pk}/"')
    assert action_heading < action_at < info_heading < info_at
    action_card = html[html.rindex("<li", 0, action_at) : action_at]
    info_card = html[html.rindex("<li", 0, info_at) : info_at]
    assert "nhs111-message--action" in action_card and "nhs111-label--action" in action_card
    assert "For action" in action_card
    assert "nhs111-message--information" in info_card and "nhs111-label--information" in info_card
    assert "For information" in info_card
    assert "Due by" in html[action_at : html.index("</li>", action_at)]


def test_actions_are_listed_soonest_due_first(receive, gp, client_for):
    later = receive(referral_r4(contact_by="2026-11-30T18:00:00+00:00")).message
    sooner = receive(referral_r4(contact_by="2026-11-29T17:00:00+00:00")).message
    html = client_for(gp).get("/111/").content.decode()
    assert html.index(f"/111/messages/{sooner.pk}/") < html.index(f"/111/messages/{later.pk}/")


def test_the_inbox_shows_only_the_practices_own_messages(receive, gp, client_for, make_member, icb):
    mine = receive(referral_r4()).message
    other_practice = PracticeFactory(ods_code="N82002", icb=icb)
    theirs = receive(referral_r4(practice_ods="N82002")).message
    html = client_for(gp).get("/111/").content.decode()
    assert f"/111/messages/{mine.pk}/" in html
    assert f"/111/messages/{theirs.pk}/" not in html
    other_gp = make_member(Role.REPORTER, other_practice)
    assert client_for(other_gp).get(f"/111/messages/{mine.pk}/").status_code == 404


def test_the_inbox_page_uses_a_fixed_number_of_queries(
    receive, gp, client_for, django_assert_max_num_queries
):
    for _ in range(5):
        receive(referral_r4())
    client = client_for(gp)
    client.get("/111/")
    with django_assert_max_num_queries(12):
        assert client.get("/111/").status_code == 200


# --- H-20: an action message is never filed or shown as information ------------------------------


@pytest.mark.parametrize(
    ("bundle", "purpose"),
    [
        (referral_r4(), Purpose.FOR_ACTION),
        # Says "information" but asks for contact by a time: action wins.
        (referral_r4(for_information=True), Purpose.FOR_ACTION),
        (referral_r4(for_information=True, contact_by=None), Purpose.FOR_INFORMATION),
        (pem_stu3(for_information=False), Purpose.FOR_ACTION),
        (pem_stu3(for_information=True), Purpose.FOR_INFORMATION),
    ],
)
def test_only_an_unambiguous_information_message_is_filed_as_information(receive, bundle, purpose):
    assert receive(bundle).message.purpose == purpose


def test_an_unrecognised_use_case_is_for_action(receive):
    bundle = referral_r4()
    bundle["entry"][1]["resource"]["category"][0]["coding"][0]["code"] = "something-new"
    assert receive(bundle).message.purpose == Purpose.FOR_ACTION


def test_completing_an_action_message_does_not_turn_it_into_information(receive, gp, client_for):
    message = receive(referral_r4()).message
    client = client_for(gp)
    response = client.post(f"/111/messages/{message.pk}/complete/")
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.purpose == Purpose.FOR_ACTION
    assert message.status == MessageStatus.COMPLETED
    html = client.get("/111/").content.decode()
    assert html.index('id="completed"') < html.index(f"/111/messages/{message.pk}/")
    assert "For action" in html[html.index('id="completed"') :]


# --- The message page ----------------------------------------------------------------------------


def test_the_message_page_shows_the_sections_in_the_standards_order(receive, gp, client_for):
    html = _page(client_for(gp), receive(referral_r4()).message)
    positions = [html.index(f"</span> {title}</h2>") for title in ORDER]
    assert positions == sorted(positions)


def test_every_view_of_a_message_is_audited(receive, gp, client_for):
    message = receive(referral_r4()).message
    client = client_for(gp)
    client.get(f"/111/messages/{message.pk}/")
    client.get(f"/111/messages/{message.pk}/text/")
    views = AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(message.pk), actor=gp.user)
    assert views.count() == 2


def test_triage_negatives_are_hidden_in_an_expandable_details_element(receive, gp, client_for):
    html = _page(client_for(gp), receive(referral_r4()).message)
    details = html[
        html.index('<details class="nhsuk-details" id="triage-negatives"') : html.index("</details>")
    ]
    assert "Show 2 negative answers from the triage" in details
    assert "Have you got crushing chest pain?" in details
    assert "Have you got new or worsening breathlessness?" not in details
    before_details = html[: html.index('id="triage-negatives"')]
    assert "crushing chest pain" not in before_details


def test_the_repeat_caller_flag_is_prominent(receive, gp, client_for):
    html = _page(client_for(gp), receive(referral_r4(repeat_caller=True)).message)
    callout = html.index("Repeat caller")
    assert callout < html.index('id="section-clinical_summary"')
    assert "nhsuk-card--warning" in html[:callout]
    inbox = client_for(gp).get("/111/").content.decode()
    assert "Repeat caller" in inbox


def test_patient_reported_medications_and_allergies_are_under_a_check_the_gp_record_banner(
    receive, gp, client_for
):
    html = _page(client_for(gp), receive(referral_r4()).message)
    for key, item in (("medications", "St John&#39;s Wort"), ("allergies", "Penicillin")):
        section = _section(html, key)
        banner = section.index("Reported by the patient: check the GP record")
        assert banner < section.index(item)
        assert "nhsuk-card--warning" in section


# --- H-21: a suspected diagnosis is never shown or exported as confirmed --------------------------


@pytest.mark.parametrize("status", ["provisional", "differential", "unconfirmed", "refuted", None])
def test_a_suspected_diagnosis_is_never_shown_as_confirmed(receive, gp, client_for, status):
    message = receive(referral_r4(condition_status=status, condition_text="Pyelonephritis")).message
    html = _page(client_for(gp), message)
    assert "Pyelonephritis" in _section(html, "suspected_diagnosis")
    assert "Suspected, not confirmed:</span> Pyelonephritis" in html
    assert "Pyelonephritis" not in _section(html, "confirmed_diagnosis")
    assert "Type 2 diabetes mellitus" in _section(html, "confirmed_diagnosis")


def test_a_suspected_diagnosis_is_never_exported_as_confirmed(receive, gp, client_for):
    message = receive(referral_r4(condition_text="Pyelonephritis")).message
    response = client_for(gp).get(f"/111/messages/{message.pk}/text/")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "- Suspected, not confirmed: Pyelonephritis" in text
    lines_with_it = [line for line in text.splitlines() if "Pyelonephritis" in line]
    assert lines_with_it == ["- Suspected, not confirmed: Pyelonephritis"]
    confirmed = text[text.index("CONFIRMED DIAGNOSIS") :]
    assert "Pyelonephritis" not in confirmed and "Type 2 diabetes mellitus" in confirmed


def test_an_stu3_condition_of_unknown_status_is_suspected(receive, gp, client_for):
    html = _page(client_for(gp), receive(pem_stu3()).message)
    assert "Pediculosis capitis" in _section(html, "suspected_diagnosis")


# --- Sex and gender ------------------------------------------------------------------------------


def test_sex_and_gender_are_not_shown_together_without_consent(receive, gp, client_for):
    message = receive(referral_r4(gender="female", birth_sex="M")).message
    client = client_for(gp)
    html = _page(client, message)
    assert "Gender" in html
    assert "Sex assigned at birth" not in html
    text = client.get(f"/111/messages/{message.pk}/text/").content.decode()
    assert "Gender: female" in text
    assert "Sex assigned at birth" not in text


def test_sex_and_gender_are_shown_together_when_the_message_records_consent(receive, gp, client_for):
    message = receive(referral_r4(gender="female", birth_sex="M", sex_and_gender_consent=True)).message
    html = _page(client_for(gp), message)
    assert "Sex assigned at birth" in html and "Gender" in html


# --- H-22: no registered practice → the ICB's unregistered-patient queue ---------------------------


def test_an_unregistered_patient_is_in_the_icb_queue_and_not_lost(
    receive, gp, icb_analyst, client_for, make_member, other_icb
):
    message = receive(referral_r4(practice_ods=None)).message
    analyst = client_for(icb_analyst)
    queue = analyst.get("/111/unregistered/")
    assert queue.status_code == 200
    assert f"/111/messages/{message.pk}/" in queue.content.decode()
    assert analyst.get(f"/111/messages/{message.pk}/").status_code == 200
    assert analyst.post(f"/111/messages/{message.pk}/acknowledge/").status_code == 302
    assert f"/111/messages/{message.pk}/" not in client_for(gp).get("/111/").content.decode()
    other_analyst = make_member(Role.ICB_ANALYST, other_icb)
    assert (
        f"/111/messages/{message.pk}/"
        not in client_for(other_analyst).get("/111/unregistered/").content.decode()
    )
    assert client_for(other_analyst).get(f"/111/messages/{message.pk}/").status_code == 404


def test_icb_staff_never_see_a_practices_messages(receive, icb_analyst, administrator, client_for):
    message = receive(referral_r4()).message
    for member in (icb_analyst, administrator):
        assert client_for(member).get(f"/111/messages/{message.pk}/").status_code == 404


def test_a_trust_cannot_see_111_messages(receive, responder, client_for):
    message = receive(referral_r4()).message
    client = client_for(responder)
    assert client.get("/111/").status_code == 403
    assert client.get(f"/111/messages/{message.pk}/").status_code == 403


# --- Acknowledge and complete --------------------------------------------------------------------


def test_acknowledge_then_complete_records_who_and_when_with_audit(receive, gp, client_for):
    message = receive(referral_r4()).message
    client = client_for(gp)
    client.post(f"/111/messages/{message.pk}/acknowledge/")
    client.post(f"/111/messages/{message.pk}/complete/")
    message.refresh_from_db()
    assert message.acknowledged_by == gp.user and message.acknowledged_at is not None
    assert message.completed_by == gp.user and message.completed_at is not None
    assert [(e.from_status, e.to_status) for e in message.events.all()] == [
        ("", "received"),
        ("received", "acknowledged"),
        ("acknowledged", "completed"),
    ]
    changes = AuditEvent.objects.filter(action=AuditAction.UPDATE, object_id=str(message.pk))
    assert sorted(tuple(e.changes["status"]) for e in changes) == [
        ("acknowledged", "completed"),
        ("received", "acknowledged"),
    ]


def test_completing_twice_says_so_and_changes_nothing(receive, gp, client_for):
    message = receive(referral_r4()).message
    client = client_for(gp)
    client.post(f"/111/messages/{message.pk}/complete/")
    response = client.post(f"/111/messages/{message.pk}/complete/", follow=True)
    assert "cannot be marked completed" in response.content.decode()
    assert message.events.count() == 2


def test_acting_needs_post(receive, gp, client_for):
    message = receive(referral_r4()).message
    assert client_for(gp).get(f"/111/messages/{message.pk}/complete/").status_code == 405


# --- Raise an interface concern --------------------------------------------------------------------


def test_raise_a_concern_links_to_one_click_prefilled_without_patient_data(receive, gp, client_for):
    message = receive(referral_r4(patient_name="Jane Example")).message
    html = _page(client_for(gp), message)
    link = re.search(r'<a href="([^"]+)">Raise an interface concern about this message</a>', html).group(1)
    query = parse_qs(urlparse(link.replace("&amp;", "&")).query)
    assert query == {"about": ["RX7"], "aspect": ["message_111"]}
    assert NHS_NUMBER not in link and "Jane" not in link


# --- Scorecard -----------------------------------------------------------------------------------


def test_the_scorecard_counts_received_rejected_and_missing_sections_per_sender(
    receive, icb_analyst, client_for
):
    receive(referral_r4())
    receive(referral_r4(drop=("allergy",)))
    receive(referral_r4(drop=("allergy", "medication")))
    receive(referral_r4(drop=("pathways",)))  # rejected
    response = client_for(icb_analyst).get("/111/scorecard/")
    html = response.content.decode()
    assert response.status_code == 200
    from liaison.nhs111.selectors import month_start, scorecard_for

    card = scorecard_for(icb_analyst, month_start(None))
    [score] = card.scores
    assert (score.received, score.rejected, score.with_required_missing) == (3, 1, 2)
    assert score.most_missing == [
        ("Allergies and adverse reactions", 2),
        ("Medications and medical devices", 1),
    ]
    assert score.median_minutes is not None and score.median_minutes > 0
    assert "Allergies and adverse reactions: missing from 2 of 3 messages" in html
    assert NHS_NUMBER not in html and "Jane" not in html


def test_the_scorecard_is_for_the_icb_team_only(gp, responder, client_for):
    assert client_for(gp).get("/111/scorecard/").status_code == 403
    assert client_for(responder).get("/111/scorecard/").status_code == 403


def test_the_scorecard_is_in_the_api_for_dashboards(receive, icb_analyst, gp, client_for):
    receive(referral_r4(drop=("allergy",)))
    receive(referral_r4(drop=("pathways",)))
    response = client_for(icb_analyst).get("/api/v1/111/scorecard")
    assert response.status_code == 200
    [sender] = response.json()["senders"]
    assert sender["sender_ods"] == "RX7"
    assert (sender["received"], sender["rejected"], sender["accepted_with_required_missing"]) == (1, 1, 1)
    assert sender["required_sections_missing"] == [
        {"section": "Allergies and adverse reactions", "messages": 1}
    ]
    refused = client_for(gp).get("/api/v1/111/scorecard")
    assert refused.status_code == 403
    assert refused["Content-Type"] == "application/problem+json"
    assert client_for(icb_analyst).get("/api/v1/111/scorecard?month=2026-13").status_code == 422


def test_an_overdue_action_says_so_in_words(receive, gp, client_for):
    message = receive(referral_r4(contact_by="2020-01-01T09:00:00+00:00")).message
    html = client_for(gp).get("/111/").content.decode()
    card = html[
        html.index(f"/111/messages/{message.pk}/") : html.index(
            "</li>", html.index(f"/111/messages/{message.pk}/")
        )
    ]
    assert "Overdue" in card
    assert "12 April 1961" in _page(client_for(gp), message)


def test_message_text_is_escaped_never_run(receive, gp, client_for):
    bundle = pem_stu3()
    composition = next(
        e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Composition"
    )
    composition["section"][0]["section"][0]["text"]["div"] = (
        '<div xmlns="http://www.w3.org/1999/xhtml">&lt;script&gt;alert(1)&lt;/script&gt;Itchy scalp</div>'
    )
    message = receive(bundle).message
    html = _page(client_for(gp), message)
    assert "<script>alert(1)" not in html
    assert "Itchy scalp" in html
