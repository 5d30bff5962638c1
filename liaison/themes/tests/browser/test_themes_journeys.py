"""In chromium with axe on every page: an ICB analyst merges two themes and agrees an action; a GP sees a
suggested standard while typing and chooses to use it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liaison.standards import services as standards_services
from liaison.themes.models import Theme, ThemeAction, ThemeMembership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_analyst_merges_two_themes_and_agrees_an_action(
    page, assert_accessible, sign_in, icb_analyst, icb, trust, make_concern
):
    today = timezone.localdate()
    late = Theme.objects.create(icb=icb, label="Discharge summaries late", key_phrases=["discharge summary"])
    missing = Theme.objects.create(icb=icb, label="Discharge summaries missing")
    for days, theme in [(1, late), (3, late), (8, late), (2, missing), (20, missing)]:
        concern = make_concern(event_date=today - timedelta(days=days))
        ThemeMembership.objects.create(theme=theme, concern=concern)

    sign_in(icb_analyst)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Themes", exact=True).click()
    assert page.locator("h1").inner_text() == "Themes"
    assert_accessible(page)
    page.get_by_text("Weekly counts").first.click()  # the sparkline's numbers
    assert page.get_by_role("table", name="Concerns a week: Discharge summaries late").is_visible()

    page.get_by_role("link", name="Discharge summaries late").click()
    assert_accessible(page)
    page.get_by_role("link", name="Merge other themes into this one").click()
    assert_accessible(page)
    page.get_by_role("button", name="Merge into this theme").click()
    assert page.title().startswith("Error: ")
    assert "Select the themes to merge into this one" in page.locator(".nhsuk-error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Discharge summaries missing").check()
    page.get_by_role("button", name="Merge into this theme").click()
    page.get_by_text("Merged 1 theme into this one.").wait_for()
    assert_accessible(page)
    assert ThemeMembership.objects.filter(theme=late).count() == 5

    page.get_by_role("link", name="Agree an action").click()
    page.get_by_label("What has been agreed?").fill("Discharge summaries sent electronically within 24 hours")
    page.get_by_label("Organisation that owns it").select_option(label=trust.display_name)
    page.get_by_label("Due date (optional)").fill("31/13/2027")
    page.get_by_role("button", name="Add action").click()
    assert "Enter the due date as a real date" in page.locator(".nhsuk-error-summary").inner_text()
    assert page.get_by_label("What has been agreed?").input_value().startswith("Discharge summaries sent")
    assert_accessible(page)
    page.get_by_label("Due date (optional)").fill("31/01/2027")
    page.get_by_role("button", name="Add action").click()
    page.get_by_text("Action added.").wait_for()
    assert "Discharge summaries sent electronically within 24 hours" in page.locator("main").inner_text()
    assert_accessible(page)
    action = ThemeAction.objects.get()
    assert action.theme == late and action.owner_organisation == trust


def test_a_gp_sees_a_suggested_standard_while_typing_and_chooses_to_use_it(
    page, assert_accessible, sign_in, reporter, trust, static_model
):
    standards_services.standards_baseline_load()
    sign_in(reporter)
    page.goto("/concerns/report/new/")
    page.get_by_label("Name or ODS code").fill("REM")
    page.get_by_label("Liverpool University Hospitals NHS Foundation Trust (REM)").check()
    page.get_by_label("S02 Discharge summaries").wait_for()
    page.get_by_label("What happened?").press_sequentially(
        "No discharge summary received a week after the patient left the ward.", delay=5
    )
    suggestion = page.locator("#standard-suggestion .liaison-standard-suggestion")
    suggestion.get_by_text("Suggested standard: S02").wait_for()
    assert "never applied for you" in suggestion.inner_text()
    # Nothing is ticked until the GP chooses it.
    assert not page.get_by_label("S02 Discharge summaries").is_checked()
    assert_accessible(page)
    suggestion.get_by_role("button", name="Use S02 Discharge summaries").click()
    assert page.get_by_label("S02 Discharge summaries").is_checked()
    assert page.get_by_label("Part B: a breach of a standard").is_checked()
    assert "is now ticked" in suggestion.inner_text()
    assert_accessible(page)
