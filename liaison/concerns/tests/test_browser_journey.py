"""A GP reports a discharge-summary breach about the Liverpool trust, in chromium, with axe on every page."""

import re

import pytest
from django.utils import timezone

from liaison.concerns.models import Concern

from .conftest import SYNTHETIC_NHS_NUMBER

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gp_reports_a_discharge_summary_breach_blocked_then_clean(
    page, sign_in, assert_accessible, reporter, trust, published_code
):
    day = timezone.localdate() - timezone.timedelta(days=2)
    sign_in(reporter)
    page.get_by_role("link", name="Report a concern").first.click()
    assert_accessible(page)

    page.get_by_label("No, it is an interface concern").check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/concerns/report/new/")
    assert_accessible(page)

    page.get_by_label("Part B: a breach of a standard").check()
    page.get_by_label("Name or ODS code").fill("REM")
    # htmx offers the matching organisations as choices; without JavaScript "Find organisation" does.
    page.get_by_label("Liverpool University Hospitals NHS Foundation Trust (REM)").check()
    page.get_by_label("Aspect of care").select_option("discharge")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Year").blur()
    # The standards refresh for the chosen organisation and date, with the time limit then in force.
    page.get_by_text(re.compile(r"Time limit on .*: 24 hours")).first.wait_for()
    page.get_by_label("S02 Discharge summaries").check()
    what = page.get_by_label("What happened?")
    what.fill(f"No discharge summary for {SYNTHETIC_NHS_NUMBER} five days after discharge.")
    # The browser guard warns as the user types; the server remains the authority.
    page.locator("#what_happened-pid-guard").wait_for(state="visible")
    page.get_by_role("button", name="Submit concern").click()

    assert page.title().startswith("Error: ")
    summary = page.locator(".nhsuk-error-summary")
    assert "What happened contains an NHS number (999 ••• ••18)" in summary.inner_text()
    assert SYNTHETIC_NHS_NUMBER in what.input_value()
    assert page.locator("#what_happened-preview mark").inner_text() == SYNTHETIC_NHS_NUMBER
    assert page.get_by_label("S02 Discharge summaries").is_checked()
    assert Concern.objects.count() == 0
    assert_accessible(page)

    what.fill("No discharge summary five days after discharge from the acute medical unit.")
    page.get_by_role("button", name="Submit concern").click()
    page.wait_for_url(re.compile(r"/concerns/LIA-\d{6}/submitted/$"))
    concern = Concern.objects.get()
    assert page.locator(".nhsuk-panel").inner_text().count(concern.reference) == 1
    assert "24 hours" in page.locator("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="View the concern").click()
    assert_accessible(page)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Concerns", exact=True).click()
    assert concern.reference in page.locator("table").inner_text()
    assert_accessible(page)
