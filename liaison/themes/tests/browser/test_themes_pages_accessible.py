"""The text model status page and the suggestion fragment, in a real browser with axe-core checks."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_sees_the_fallback_plainly_and_the_page_is_accessible(
    page, assert_accessible, sign_in, icb_analyst, no_text_model
):
    sign_in(icb_analyst)
    page.goto("/themes/text-model/")
    assert page.locator("h1").inner_text() == "Text understanding"
    assert page.get_by_text("Keyword matching is in use").is_visible()
    assert_accessible(page)


def test_the_suggestion_fragment_is_accessible_inside_a_page(
    page, assert_accessible, sign_in, reporter, static_model
):
    sign_in(reporter)
    page.goto("/")
    page.evaluate(
        """async text => {
            const body = new FormData();
            body.append("text", text);
            body.append("csrfmiddlewaretoken", document.querySelector("[name=csrfmiddlewaretoken]").value);
            const response = await fetch("/themes/suggest/", {method: "POST", body, headers: {"HX-Request": "true"}});
            document.querySelector("main").insertAdjacentHTML("beforeend", await response.text());
        }""",
        "No discharge summary received a week after the patient left the ward.",
    )
    suggestion = page.locator(".liaison-standard-suggestion")
    assert "Suggested standard: S02 Discharge summaries" in suggestion.inner_text()
    assert "never applied for you" in suggestion.inner_text()
    assert_accessible(page)
