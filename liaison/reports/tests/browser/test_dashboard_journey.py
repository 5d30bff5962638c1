"""An ICB analyst opens the dashboard, drills from a heat-map cell to its concerns, opens the monthly
report and downloads its PDF. Chromium, with axe on every page."""

import io
import re
from datetime import date

import pytest
from django.utils import timezone
from pypdf import PdfReader

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


def test_analyst_drills_from_a_heat_map_cell_and_downloads_the_monthly_pdf(
    page, sign_in, assert_accessible, icb_analyst, make_breach, me_too, second_reporter, trust
):
    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    counted = make_breach(["S02"], last_month.replace(day=3))
    me_too(counted, second_reporter, last_month.replace(day=4))
    other = make_breach(["S03"], last_month.replace(day=5))
    make_breach(["S02"], date(2020, 1, 6))  # outside the dashboard's last 12 months

    sign_in(icb_analyst)
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Dashboard").click()
    page.get_by_role("heading", name="Breaches by provider and standard").wait_for()
    assert_accessible(page)

    page.get_by_role(
        "link", name="2 breach events of S02 by Liverpool University Hospitals NHS Foundation Trust"
    ).click()
    page.wait_for_url(re.compile(r"/reports/concerns/\?"))
    assert "2 breach events in 1 concern" in page.get_by_role("main").inner_text()
    assert page.get_by_role("link", name=counted.reference).is_visible()
    assert page.get_by_role("link", name=other.reference).count() == 0
    assert_accessible(page)

    page.goto(f"/reports/monthly/?month={last_month:%Y-%m}&version=icb")
    page.get_by_role("heading", name=f"Monthly breach report, {last_month:%B %Y}").wait_for()
    assert_accessible(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download this report as PDF").click()
    path = download_info.value.path()
    with open(path, "rb") as handle:
        content = handle.read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Liverpool University Hospitals NHS Foundation Trust" in text and "S02" in text


def test_analyst_adds_changes_and_removes_who_is_sent_the_report(
    page, sign_in, assert_accessible, icb_analyst, trust
):
    from liaison.reports.models import ReportSubscription

    sign_in(icb_analyst)
    page.goto("/reports/monthly/")
    page.get_by_role("link", name="Who is sent the monthly report").click()
    page.get_by_role("heading", name="Who is sent the monthly report").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Add a CQRG contact").click()
    assert page.get_by_label("A provider's CQRG contact").is_checked()
    page.get_by_label("ODS code of the practice or provider").fill("rem")
    page.get_by_label("Email address").fill("cqrg.chair@nhs")
    page.get_by_label("Name or role (optional)").fill("CQRG chair")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_label("Email address").input_value() == "cqrg.chair@nhs"
    assert page.get_by_label("Name or role (optional)").input_value() == "CQRG chair"
    assert page.get_by_label("ODS code of the practice or provider").input_value() == "rem"
    assert_accessible(page)

    page.get_by_label("Email address").fill("cqrg.chair@nhs.net")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Who is sent the monthly report").wait_for()
    assert page.get_by_role("cell", name="cqrg.chair@nhs.net", exact=True).is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Change cqrg.chair@nhs.net").click()
    page.get_by_label("Name or role (optional)").fill("Chair of the CQRG")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("cell", name="Chair of the CQRG", exact=True).wait_for()

    page.get_by_role("link", name="Remove cqrg.chair@nhs.net").click()
    assert_accessible(page)
    page.get_by_role("button", name="Stop sending").click()
    page.get_by_text("No provider has a CQRG contact yet.").wait_for()
    assert not ReportSubscription.objects.exists()


def test_analyst_drills_from_a_111_number_to_the_messages_it_counts(
    page, sign_in, assert_accessible, icb_analyst, senders
):
    from liaison.nhs111.models import ReceivedMessage
    from liaison.reports.tests.conftest import _send

    last_month = (timezone.localdate().replace(day=1) - timezone.timedelta(days=1)).replace(day=1)
    organisation, secret = senders["RX7"]
    for day, drop in ((3, ()), (4, ("allergy",)), (5, ())):
        received = timezone.make_aware(timezone.datetime(last_month.year, last_month.month, day, 9))
        _, message, _ = _send(organisation, secret, received=received, drop=drop)
        ReceivedMessage.objects.filter(pk=message.pk).update(received_at=received)

    sign_in(icb_analyst)
    page.goto(f"/reports/?from={last_month:%Y-%m}&to={last_month:%Y-%m}")
    page.get_by_role("heading", name=f"NHS 111 message quality, {last_month:%B %Y}").wait_for()
    page.get_by_role(
        "link", name="1 messages with Required sections missing from North West Ambulance Service NHS Trust"
    ).click()
    page.wait_for_url(re.compile(r"/reports/nhs111/\?"))
    main = page.get_by_role("main").inner_text()
    assert "1 message accepted with Required sections missing" in main and "Allergies" in main
    assert "Jane Example" not in main
    assert_accessible(page)
