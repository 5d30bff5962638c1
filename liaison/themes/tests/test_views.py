"""The htmx suggestion fragment and the text model status page: sign-in, permissions, PID refusal."""

from datetime import date

import pytest

from liaison.accounts.models import Role
from liaison.standards import selectors as standards_selectors
from liaison.standards import services as standards_services

pytestmark = pytest.mark.django_db

DISCHARGE = "No discharge summary received a week after the patient left the ward."
SUGGEST = "/themes/suggest/"


def _page(response) -> str:
    return response.content.decode()


def test_the_fragment_suggests_a_standard_with_its_confidence_and_never_applies_it(
    static_model, client_for, reporter
):
    response = client_for(reporter).post(SUGGEST, {"text": DISCHARGE})
    page = _page(response)
    assert response.status_code == 200
    assert "Suggested standard: <strong>S02 Discharge summaries</strong> (confidence 0." in page
    assert "never applied for you" in page
    assert "keyword matching" not in page
    assert DISCHARGE not in page  # the typed text is not echoed
    assert "<html" not in page  # a fragment, not a page


def test_the_fragment_says_when_keyword_matching_answers(no_text_model, client_for, reporter):
    page = _page(client_for(reporter).post(SUGGEST, {"text": DISCHARGE}))
    assert "Suggested standard: <strong>S02" in page
    assert "Suggested by keyword matching." in page


@pytest.mark.parametrize(
    "text",
    [
        "Discharge summary for NHS number 999 000 0018 not received",
        "Discharge summary not received, patient lives at L7 8XP",
    ],
)
def test_text_the_pid_guard_blocks_is_refused_and_not_shown_back(no_text_model, client_for, reporter, text):
    response = client_for(reporter).post(SUGGEST, {"text": text})
    page = _page(response)
    assert response.status_code == 200
    assert "could identify a patient" in page
    assert "Suggested standard" not in page
    for detail in ("999 000 0018", "0018", "L7 8XP", "8XP", "Discharge summary"):
        assert detail not in page


def test_empty_text_gives_an_empty_fragment(no_text_model, client_for, reporter):
    page = _page(client_for(reporter).post(SUGGEST, {"text": "  "}))
    assert "Suggested standard" not in page and "could identify" not in page


def test_text_with_no_clear_match_says_so(static_model, client_for, reporter):
    page = _page(client_for(reporter).post(SUGGEST, {"text": "The car park is full."}))
    assert "No standard is a clear match" in page
    assert "Suggested standard" not in page


def test_overlong_text_is_not_processed(no_text_model, client_for, reporter):
    page = _page(client_for(reporter).post(SUGGEST, {"text": "discharge summary " * 400}))
    assert "too long for a suggestion" in page


def test_signed_out_people_are_sent_to_sign_in(client):
    response = client.post(SUGGEST, {"text": DISCHARGE})
    assert response.status_code == 302
    assert "/accounts/" in response["Location"]


def test_administrators_who_do_not_report_concerns_get_no_suggestions(
    no_text_model, client_for, administrator
):
    assert client_for(administrator).post(SUGGEST, {"text": DISCHARGE}).status_code == 403


def test_typed_text_is_taken_only_by_post_never_in_a_url(no_text_model, client_for, reporter):
    """Hazard H-09: free text must not travel in a query string, where servers log it."""
    assert client_for(reporter).get(SUGGEST, {"text": DISCHARGE}).status_code == 405


def test_the_concern_forms_own_fields_are_read(static_model, client_for, reporter):
    page = _page(client_for(reporter).post(SUGGEST, {"what_happened": DISCHARGE, "impact": ""}))
    assert "Suggested standard: <strong>S02 Discharge summaries</strong>" in page


def test_the_icbs_own_wording_of_a_standard_is_shown(static_model, client_for, reporter, icb, icb_analyst):
    standards_services.standards_baseline_load()
    version = standards_services.code_of_conduct_create(
        actor=icb_analyst.user,
        membership=icb_analyst,
        icb=icb,
        title="Cheshire and Merseyside Interface Code of Conduct",
        effective_from=date(2024, 4, 1),
    )
    entry = standards_selectors.version_entry(version=version, code="S02")
    standards_services.code_standard_reword(
        actor=icb_analyst.user,
        membership=icb_analyst,
        entry=entry,
        local_reference="3.1",
        local_title="Discharge letters to GPs",
        local_wording=entry.wording,
    )
    standards_services.code_of_conduct_version_publish(
        actor=icb_analyst.user, membership=icb_analyst, version=version
    )
    page = _page(client_for(reporter).post(SUGGEST, {"text": DISCHARGE}))
    assert "Suggested standard: <strong>S02 Discharge letters to GPs</strong>" in page


def test_analysts_see_that_keyword_matching_is_in_use(no_text_model, client_for, icb_analyst):
    response = client_for(icb_analyst).get("/themes/text-model/")
    page = _page(response)
    assert response.status_code == 200
    assert "Keyword matching is in use" in page and "has not been built" in page


def test_analysts_see_the_sentence_model_when_built(static_model, client_for, icb_analyst):
    page = _page(client_for(icb_analyst).get("/themes/text-model/"))
    assert "Keyword matching is in use" not in page
    assert "all-MiniLM-L6-v2" in page and "256" in page


@pytest.mark.parametrize("role", [Role.REPORTER, Role.RESPONDER])
def test_people_outside_the_icb_team_cannot_see_the_model_status(
    no_text_model, client_for, make_member, practice, role
):
    member = make_member(role, practice)
    assert client_for(member).get("/themes/text-model/").status_code == 403


def test_the_report_form_posts_the_typed_text_for_a_suggestion_and_offers_use_this(
    static_model, client_for, reporter
):
    client = client_for(reporter)
    form = _page(client.get("/concerns/report/new/"))
    assert 'hx-post="/themes/suggest/"' in form
    assert 'hx-get="/themes/suggest/' not in form
    fragment = _page(
        client.post(SUGGEST, {"what_happened": DISCHARGE, "impact": "", "csrfmiddlewaretoken": "x"})
    )
    assert 'data-use-standard="S02"' in fragment
    # The fragment on its own (not from the form) offers no button.
    assert "data-use-standard=" not in _page(client.post(SUGGEST, {"text": DISCHARGE}))
