"""The report pages: who may open them, what they show, downloads, uploads, and query counts."""

import io
import re
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from liaison.reports import services
from liaison.reports.models import ActivityFigure, ReportVersion

OCT = date(2026, 10, 1)
PERIOD = "from=2026-10&to=2026-10"


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def october(icb, trust, make_breach, me_too, second_reporter):
    concern = make_breach(["S02"], date(2026, 10, 3))
    me_too(concern, second_reporter, date(2026, 10, 4))
    for day in range(5, 12):
        make_breach(["S03"], date(2026, 10, day))
    return concern


def test_the_dashboard_shows_the_heat_map_with_numbers_and_links(client_for, icb_analyst, october):
    response = client_for(icb_analyst).get(f"/reports/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Breaches by provider and standard" in html
    link = re.search(
        r'href="(/reports/concerns/\?measure=breaches&amp;provider=REM&amp;standard=S02[^"]*)"', html
    )
    assert link
    assert (
        "liaison-heat--" in html and '>2<span class="nhsuk-u-visually-hidden"> breach events of S02' in html
    )
    drill = client_for(icb_analyst).get(link.group(1).replace("&amp;", "&"))
    assert drill.status_code == 200
    text = drill.content.decode()
    assert october.reference in text
    assert "2 breach events in 1 concern" in text


def test_the_dashboard_is_for_icb_analysts_and_providers_only(
    client_for, reporter, responder, administrator, october
):
    assert client_for(reporter).get("/reports/").status_code == 403
    assert client_for(administrator).get("/reports/").status_code == 403
    response = client_for(responder).get(f"/reports/?{PERIOD}")
    assert response.status_code == 200
    assert 'name="place"' not in response.content.decode()  # a provider sees itself, not the ICB's Places


def test_a_drilldown_for_a_number_that_does_not_exist_is_not_found(client_for, icb_analyst, october):
    client = client_for(icb_analyst)
    assert client.get("/reports/concerns/?measure=breaches&provider=NOPE").status_code == 404
    assert client.get("/reports/concerns/?measure=sideways").status_code == 404


def test_dashboard_and_drilldown_query_counts_are_pinned(
    client_for, icb_analyst, october, make_breach, django_assert_max_num_queries
):
    client = client_for(icb_analyst)
    client.get(f"/reports/?{PERIOD}")
    with django_assert_max_num_queries(24):
        client.get(f"/reports/?{PERIOD}")
    for day in range(1, 25):
        make_breach(["S02", "S08"], date(2026, 10, day))
    with django_assert_max_num_queries(24):
        client.get(f"/reports/?{PERIOD}")
    with django_assert_max_num_queries(20):
        client.get(f"/reports/concerns/?measure=breaches&{PERIOD}")


def test_the_monthly_report_page_and_downloads(client_for, icb_analyst, october):
    client = client_for(icb_analyst)
    page = client.get("/reports/monthly/?month=2026-10&version=icb")
    assert page.status_code == 200
    assert "Financial year to date (April 2026 to October 2026)" in page.content.decode()
    pdf = client.get("/reports/monthly/pdf/?month=2026-10&version=icb")
    assert pdf["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Liverpool University Hospitals" in text and "S03" in text
    csv = client.get("/reports/monthly/csv/?month=2026-10&version=newsletter")
    assert "attachment" in csv["Content-Disposition"]
    assert ",S02,<5" in csv.content.decode()


def test_people_outside_the_icb_team_get_only_suppressed_versions(client_for, reporter, responder, october):
    assert client_for(reporter).get("/reports/monthly/?month=2026-10&version=icb").status_code == 403
    assert client_for(responder).get("/reports/monthly/?month=2026-10&version=icb").status_code == 403
    page = client_for(reporter).get("/reports/monthly/?month=2026-10")
    assert page.status_code == 200 and "&lt;5" in page.content.decode()
    provider = client_for(responder).get("/reports/monthly/?month=2026-10&version=provider&provider=RBS")
    assert provider.status_code == 200
    assert "Liverpool University Hospitals" in provider.content.decode()  # always their own organisation


def test_issued_reports_are_listed_and_downloadable(client_for, icb_analyst, reporter, october):
    report, _ = services.monthly_report_issue(icb=october.about_icb, month=OCT, version=ReportVersion.ICB)
    newsletter, _ = services.monthly_report_issue(
        icb=october.about_icb, month=OCT, version=ReportVersion.NEWSLETTER
    )
    archive = client_for(icb_analyst).get("/reports/archive/").content.decode()
    assert f"/reports/archive/{report.pk}/" in archive
    pdf = client_for(icb_analyst).get(f"/reports/archive/{report.pk}/pdf/")
    assert b"".join(pdf.streaming_content).startswith(b"%PDF-")
    assert client_for(reporter).get(f"/reports/archive/{report.pk}/").status_code == 404
    page = client_for(reporter).get(f"/reports/archive/{newsletter.pk}/")
    assert page.status_code == 200 and "&lt;5" in page.content.decode()


def test_the_issue_button_issues_every_version(client_for, icb_analyst, october):
    response = client_for(icb_analyst).post("/reports/monthly/issue/", {"month": "2026-10"})
    assert response.status_code == 302
    from liaison.reports.models import MonthlyReport

    assert MonthlyReport.objects.count() == 3


def test_activity_upload_with_errors_keeps_the_text_and_loads_nothing(
    client_for, icb_analyst, trust, reporter
):
    client = client_for(icb_analyst)
    typed = "provider_ods,month,measure,count\nREM,2026-10,attendances,100\nREM,2026-99,attendances,1\n"
    response = client.post("/reports/activity/", {"pasted": typed})
    assert response.status_code == 422
    html = response.content.decode()
    assert "Line 3: Enter the month as year and month, for example 2026-10" in html
    assert "REM,2026-99,attendances,1" in html
    assert ActivityFigure.objects.count() == 0
    upload = SimpleUploadedFile(
        "activity.csv", b"provider_ods,month,measure,count\nREM,2026-10,attendances,100\n"
    )
    response = client.post("/reports/activity/", {"file": upload})
    assert response.status_code == 200 and ActivityFigure.objects.count() == 1
    assert client.post("/reports/activity/", {}).status_code == 422
    assert client_for(reporter).get("/reports/activity/").status_code == 403


def test_a_provider_from_another_icb_is_refused_on_upload(client_for, icb_analyst, other_icb_trust):
    response = client_for(icb_analyst).post(
        "/reports/activity/", {"pasted": "provider_ods,month,measure,count\nRXH,2026-10,attendances,100\n"}
    )
    assert response.status_code == 422
    assert "RXH is not in" in response.content.decode()


def test_the_navigation_offers_the_dashboard_to_analysts(client_for, icb_analyst, reporter):
    assert 'href="/reports/"' in client_for(icb_analyst).get("/").content.decode()
    assert 'href="/reports/"' not in client_for(reporter).get("/").content.decode()
