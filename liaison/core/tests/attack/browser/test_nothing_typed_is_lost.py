"""Nothing typed is lost: a session that expires while the report form is open, and a failed submission.

The idle sign-out is set to a few seconds. The reporter fills in the form, waits past it and submits:
Liaison signs them out and asks them to sign in again; afterwards they are back on the form with
everything they typed (kept in the tab's sessionStorage only, never on the server), and it submits.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from liaison.concerns.models import Concern
from liaison.core.factories import TEST_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WHAT = "The discharge letter arrived nine days after discharge and listed no medication changes."
IMPACT = "The practice had to phone the ward twice to find out which tablets were stopped."


def settle(page) -> None:
    """Let the as-you-type helpers (suggestions after 700 ms) finish before the next step."""
    page.wait_for_timeout(900)
    page.wait_for_load_state("networkidle")


def test_the_form_comes_back_intact_after_the_session_expires(
    page, assert_accessible, reporter, trust, published_code, settings
):
    day = timezone.localdate() - timedelta(days=2)
    page.goto("/accounts/sign-in/")
    page.get_by_label("Username").fill(reporter.user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")
    page.goto("/concerns/report/new/")
    page.get_by_label("Part A: an emerging theme").check()
    page.get_by_label("Name or ODS code").fill("REM")
    page.get_by_label("Aspect of care").select_option("discharge")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("What happened?").fill(WHAT)
    page.get_by_label("Impact").fill(IMPACT)
    settle(page)

    # The person goes away; the session runs out while the form is open.
    settings.SESSION_IDLE_TIMEOUT = timedelta(seconds=1)
    page.wait_for_timeout(3000)
    page.get_by_role("button", name="Submit concern").click()
    page.wait_for_load_state("networkidle")
    page.wait_for_url(re.compile(r"/accounts/sign-in/"))
    assert "signed out because you were inactive" in page.locator("main").inner_text()
    assert Concern.objects.count() == 0
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)

    page.get_by_label("Username").fill(reporter.user.username)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/concerns/report/new/")
    page.locator("[data-typed-restored]").wait_for()
    page.wait_for_load_state("networkidle")
    assert "put back what you typed" in page.locator("[data-typed-restored]").inner_text()
    assert page.get_by_label("Part A: an emerging theme").is_checked()
    assert page.get_by_label("Name or ODS code").input_value() == "REM"
    assert page.get_by_label("Aspect of care").input_value() == "discharge"
    assert page.get_by_label("Day").input_value() == str(day.day)
    assert page.get_by_label("Month").input_value() == str(day.month)
    assert page.get_by_label("Year").input_value() == str(day.year)
    assert page.get_by_label("What happened?").input_value() == WHAT
    assert page.get_by_label("Impact").input_value() == IMPACT
    assert_accessible(page)

    # A failed submission returns the form with every value too.
    page.get_by_label("What happened?").fill("")
    settle(page)
    page.get_by_role("button", name="Submit concern").click()
    assert page.title().startswith("Error: ")
    assert page.get_by_label("Impact").input_value() == IMPACT
    assert page.get_by_label("Name or ODS code").input_value() == "REM"
    assert page.get_by_label("Day").input_value() == str(day.day)
    assert page.locator("[data-typed-restored]").count() == 0  # the server's values, not the tab's

    page.get_by_label("What happened?").fill(WHAT)
    settle(page)
    page.get_by_role("button", name="Submit concern").click()
    page.wait_for_url(re.compile(r"/concerns/LIA-\d{6}/submitted/$"))
    concern = Concern.objects.get()
    assert (concern.what_happened, concern.impact) == (WHAT, IMPACT)
    # Once saved, nothing typed is kept in the tab.
    kept = page.evaluate("Object.keys(sessionStorage).filter(key => key.startsWith('liaison:typed:'))")
    assert kept == []
