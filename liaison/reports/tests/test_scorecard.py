"""The NHS 111 scorecard in the monthly report: numbers equal the messages behind them, suppression
outside the ICB, and the scorecard in the PDF, the CSV and the issued archive."""

import csv
import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from liaison.nhs111.models import IntakeRejection, ReceivedMessage
from liaison.nhs111.selectors import scorecard_for
from liaison.reports import services
from liaison.reports.models import MonthlyReport, ReportVersion
from liaison.reports.scorecard import monthly_report_with_scorecard, report_scorecard

OCT = date(2026, 10, 1)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def _line(scorecard, ods):
    return next(line for line in scorecard.lines if line.ods_code == ods)


def test_the_icb_version_counts_exactly_the_messages_behind_it(icb, october_111, icb_analyst):
    scorecard = report_scorecard(icb=icb, month=OCT, version=ReportVersion.ICB)
    start = datetime(2026, 10, 1, tzinfo=LONDON)
    end = datetime(2026, 11, 1, tzinfo=LONDON)
    for ods in ("RX7", "RYF"):
        messages = list(
            ReceivedMessage.objects.filter(
                icb=icb, sender__ods_code=ods, received_at__gte=start, received_at__lt=end
            )
        )
        rejections = IntakeRejection.objects.filter(
            icb=icb, sender__ods_code=ods, rejected_at__gte=start, rejected_at__lt=end
        ).count()
        line = _line(scorecard, ods)
        assert line.received.value == len(messages)
        assert line.rejected.value == rejections
        assert line.with_required_missing.value == sum(1 for m in messages if m.sections_missing)
        expected_sections = {}
        for message in messages:
            for section in message.sections_missing:
                expected_sections[section] = expected_sections.get(section, 0) + 1
        assert {section: cell.value for section, cell in line.sections_missing} == expected_sections
    rx7, ryf = _line(scorecard, "RX7"), _line(scorecard, "RYF")
    assert (rx7.received.value, rx7.rejected.value, rx7.with_required_missing.value) == (7, 2, 2)
    assert (ryf.received.value, ryf.rejected.value, ryf.with_required_missing.value) == (3, 0, 1)
    assert rx7.median_minutes == "50.0" and ryf.median_minutes == "25.0"
    assert rx7.rejected_percent == "22%"
    assert scorecard.total.received.value == 10 and scorecard.total.rejected.value == 2
    # The same numbers as the 111 scorecard page the ICB team reads.
    page = {score.sender.ods_code: score for score in scorecard_for(icb_analyst, OCT).scores}
    for ods in ("RX7", "RYF"):
        assert page[ods].received == _line(scorecard, ods).received.value
        assert page[ods].rejected == _line(scorecard, ods).rejected.value
        assert page[ods].with_required_missing == _line(scorecard, ods).with_required_missing.value
        assert dict(page[ods].sections_missing) == {
            section: cell.value for section, cell in _line(scorecard, ods).sections_missing
        }


def test_versions_that_leave_the_icb_suppress_small_numbers(icb, october_111, senders):
    newsletter = report_scorecard(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    rx7, ryf = _line(newsletter, "RX7"), _line(newsletter, "RYF")
    assert rx7.received.shown == "7"
    assert rx7.rejected.shown == "<5" and rx7.rejected_percent == ""
    assert rx7.with_required_missing.shown == "<5"
    assert ryf.received.shown == "<5" and ryf.median_minutes == "<5 messages"
    assert ryf.rejected.shown == "0"
    # Every total over a hidden count is withheld, so no small count can be worked out from it.
    assert newsletter.total.received.shown == "*"
    assert newsletter.total.rejected.shown == "<5"
    assert newsletter.total.with_required_missing.shown == "<5"
    shown = [
        cell.shown
        for line in [*newsletter.lines, newsletter.total]
        for cell in (line.received, line.rejected, line.with_required_missing)
        + tuple(cell for _, cell in line.sections_missing)
    ]
    assert not any(text in {"1", "2", "3", "4"} for text in shown)
    # A provider version shows its own line, hidden exactly as the newsletter hides it.
    provider = report_scorecard(
        icb=icb, month=OCT, version=ReportVersion.PROVIDER, provider=senders["RYF"][0]
    )
    assert [line.ods_code for line in provider.lines] == ["RYF"] and provider.total is None
    assert provider.lines[0] == ryf


def test_the_pdf_and_csv_contain_the_scorecard(icb, october_111):
    data = monthly_report_with_scorecard(icb=icb, month=OCT, version=ReportVersion.ICB)
    content = services.report_pdf(data)
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "NHS 111 message quality, October 2026" in text
    assert "North West Ambulance Service NHS Trust" in text or "NORTH WEST AMBULANCE" in text.upper()
    assert "Allergies" in text or "allerg" in text.lower()
    rows = list(csv.reader(io.StringIO(services.report_csv(data))))
    header = rows.index(services.SCORECARD_CSV_HEADER)
    scorecard_rows = {(row[5], row[6]): row[7] for row in rows[header + 1 :]}
    assert scorecard_rows[("RX7", "Received")] == "7"
    assert scorecard_rows[("RX7", "Rejected")] == "2"
    assert scorecard_rows[("RYF", "Accepted with Required sections missing")] == "1"
    assert scorecard_rows[("", "Received")] == "10"


def test_the_newsletter_pdf_and_csv_show_no_small_111_number(icb, october_111):
    data = monthly_report_with_scorecard(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    rows = list(csv.reader(io.StringIO(services.report_csv(data))))
    header = rows.index(services.SCORECARD_CSV_HEADER)
    values = [row[7] for row in rows[header + 1 :] if not row[6].startswith("Minutes")]
    assert values and not set(values) & {"1", "2", "3", "4"}
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(services.report_pdf(data))).pages)
    assert "NHS 111 message quality, October 2026" in text and "<5" in text


def test_an_issued_newsletter_keeps_the_scorecard_as_shown(icb, october_111):
    report, _ = services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    stored = MonthlyReport.objects.get(pk=report.pk).summary["nhs111"]
    ryf = next(line for line in stored if line["ods_code"] == "RYF")
    assert ryf["received"] == "<5" and ryf["with_required_missing"] == "<5"


def test_the_monthly_page_shows_the_scorecard(client_for, icb_analyst, october_111):
    body = client_for(icb_analyst).get("/reports/monthly/?month=2026-10&version=icb").content.decode()
    assert "NHS 111 message quality, October 2026" in body
    assert "(RX7)" in body and "(RYF)" in body


def test_the_archive_page_shows_the_scorecard_as_issued(client_for, icb_analyst, icb, october_111):
    report, _ = services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    body = client_for(icb_analyst).get(f"/reports/archive/{report.pk}/").content.decode()
    assert "NHS 111 message quality, October 2026" in body
    assert "(RYF)" in body and "&lt;5" in body
