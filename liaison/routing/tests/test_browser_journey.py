"""A GP reports; the trust's service lead acknowledges and replies; the GP reads the reply and
reopens; the ICB analyst reads the timeline. Chromium, with axe on every page."""

import re

import pytest
from django.utils import timezone

from liaison.concerns.models import Concern, ConcernStatus
from liaison.standards.tests.conftest import baseline, published_code  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REPLY = (
    "We found the summary: it was sent to the wrong practice. Ward staff now check the registered practice."
)


def _sign_out(page):
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/**")


def test_gp_reports_service_lead_replies_gp_reopens_icb_reads_timeline(
    page,
    sign_in,
    assert_accessible,
    reporter,
    responder,
    icb_analyst,
    trust,
    published_code,  # noqa: F811
):
    day = timezone.localdate() - timezone.timedelta(days=2)

    # The GP reports a breach through the One Click form.
    sign_in(reporter)
    page.get_by_role("link", name="Report a concern").first.click()
    page.get_by_label("No, it is an interface concern").check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Part B: a breach of a standard").check()
    page.get_by_label("Name or ODS code").fill("REM")
    page.get_by_label("Liverpool University Hospitals NHS Foundation Trust (REM)").check()
    page.get_by_label("Aspect of care").select_option("discharge")
    page.get_by_label("Day").fill(str(day.day))
    page.get_by_label("Month").fill(str(day.month))
    page.get_by_label("Year").fill(str(day.year))
    page.get_by_label("Year").blur()
    page.get_by_text(re.compile(r"Time limit on .*: 24 hours")).first.wait_for()
    page.get_by_label("S02 Discharge summaries").check()
    page.get_by_label("What happened?").fill(
        "No discharge summary five days after discharge from the acute medical unit."
    )
    page.get_by_role("button", name="Submit concern").click()
    page.wait_for_url(re.compile(r"/concerns/LIA-\d{6}/submitted/$"))
    concern = Concern.objects.get()
    _sign_out(page)

    # The trust's service lead finds it in the inbox, sees why it came to them, acknowledges and replies.
    sign_in(responder)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Inbox").click()
    assert_accessible(page)
    page.get_by_role("link", name=concern.reference).click()
    assert (
        "went to Liverpool University Hospitals NHS Foundation Trust's default"
        in page.get_by_test_id("why-routed").inner_text()
    )
    assert_accessible(page)
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Status changed to acknowledged").wait_for()
    page.get_by_label("Reply").fill(REPLY)
    page.get_by_role("button", name="Send").click()
    page.get_by_text("Message sent").wait_for()
    page.get_by_label("Responded").check()
    page.get_by_label("What has happened (optional)").fill("Process changed on the ward")
    page.get_by_role("button", name="Change status").click()
    page.get_by_text("Status changed to responded").wait_for()
    assert_accessible(page)
    _sign_out(page)

    # The GP reads the reply and reopens: it happened again.
    sign_in(reporter)
    page.goto(f"/routing/concerns/{concern.reference}/")
    assert REPLY in page.locator("#thread ~ .nhsuk-card").first.inner_text()
    assert_accessible(page)
    page.get_by_label("Why are you reopening it?").fill(
        "Another summary went to the wrong practice this week"
    )
    page.get_by_role("button", name="Reopen concern").click()
    page.get_by_text("Concern reopened").wait_for()
    assert_accessible(page)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.INVESTIGATING
    _sign_out(page)

    # The ICB analyst sees it across the ICB and reads the whole timeline.
    sign_in(icb_analyst)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Across the ICB").click()
    assert_accessible(page)
    page.get_by_role("link", name=concern.reference).click()
    timeline = page.locator(".liaison-timeline").inner_text()
    for step in (
        "Sent to responders",
        "Status changed: new to acknowledged",
        "Message in the thread",
        "Status changed: acknowledged to responded",
        "Reopened by the reporter",
    ):
        assert step in timeline, step
    assert "Another summary went to the wrong practice this week" in timeline
    assert_accessible(page)
