"""The monthly report's outputs: PDF with its tables, safe CSV, the archive, sending, the command and the schedule."""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from liaison.accounts.models import Role
from liaison.notifications.models import Channel, Notification
from liaison.reports import selectors, services
from liaison.reports.models import (
    Audience,
    MonthlyReport,
    MonthlyReportRow,
    ReportSubscription,
    ReportVersion,
)
from liaison.reports.tasks import first_working_day, issue_monthly_reports, next_run_after

OCT = date(2026, 10, 1)
LONDON = ZoneInfo("Europe/London")


@pytest.fixture(autouse=True)
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


@pytest.fixture
def october(icb, trust, make_breach):
    for day in range(1, 4):
        make_breach(["S02"], date(2026, 10, day))
    for day in range(1, 9):
        make_breach(["S03"], date(2026, 10, day))
    make_breach(["S08"], date(2026, 9, 15))


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_pdf_is_a_real_pdf_with_the_tables_in_it(icb, october):
    data = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.ICB)
    content = services.report_pdf(data)
    assert content.startswith(b"%PDF-")
    text = _pdf_text(content)
    assert "Monthly breach report, October 2026" in text
    assert "Liverpool University Hospitals NHS Foundation Trust" in text
    assert "S02" in text and "S03" in text
    assert "Financial year to date" in text and "September 2026" in text
    assert "11" in text  # October's total


def test_the_newsletter_pdf_shows_no_small_number(icb, october):
    data = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    text = _pdf_text(services.report_pdf(data))
    assert "<5" in text
    rows = [line for line in text.splitlines() if "Liverpool University" in line]
    assert rows and all(" 3 " not in f" {line} " for line in rows)


def test_the_csv_is_safe_for_spreadsheets_and_suppressed_outside_the_icb(icb, trust, october):
    trust.name = "=HYPERLINK(1)"
    trust.save()
    data = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    text = services.report_csv(data)
    assert "'=Hyperlink(1)" in text or "'=HYPERLINK(1)" in text
    s02 = [line for line in text.splitlines() if ",month," in line and line.endswith(",S02,<5")]
    assert s02


def test_issuing_stores_rows_and_files_once_and_they_cannot_change(icb, october, var_dir):
    report, new = services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    assert new
    again, new_again = services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    assert (again.pk, new_again) == (report.pk, False)
    pdf = (var_dir / "reports" / report.pdf_path).read_bytes()
    assert "Monthly breach report" in _pdf_text(pdf)
    rows = MonthlyReportRow.objects.filter(report=report, period="month", provider_ods="REM")
    by_code = {row.standard_code: row for row in rows}
    # The newsletter's suppressed cells keep no exact number at all.
    assert (by_code["S02"].shown, by_code["S02"].count) == ("<5", None)
    with pytest.raises(PermissionError):
        report.save()
    with pytest.raises(PermissionError):
        by_code["S02"].delete()
    with pytest.raises(PermissionError):
        report.delete()


def test_issue_and_send_reaches_subscribed_practices_and_cqrg_contacts_with_links_only(
    icb, trust, practice, october
):
    ReportSubscription.objects.create(
        icb=icb, organisation=practice, audience=Audience.NEWSLETTER, email="practice.manager@example.nhs.net"
    )
    ReportSubscription.objects.create(
        icb=icb, organisation=trust, audience=Audience.CQRG, email="cqrg@example.nhs.net"
    )
    result = services.monthly_reports_issue_and_send(icb=icb, month=OCT)
    versions = sorted((r.version, r.provider.ods_code if r.provider else "") for r in result.issued)
    assert versions == [("icb", ""), ("newsletter", ""), ("provider", "REM")]
    emails = Notification.objects.filter(channel=Channel.EMAIL, kind="monthly_report_issued")
    by_address = {n.recipient_email: n.link_path for n in emails}
    newsletter = MonthlyReport.objects.get(version=ReportVersion.NEWSLETTER)
    provider = MonthlyReport.objects.get(version=ReportVersion.PROVIDER)
    assert by_address == {
        "practice.manager@example.nhs.net": f"/reports/archive/{newsletter.pk}/",
        "cqrg@example.nhs.net": f"/reports/archive/{provider.pk}/",
    }
    # Running again issues nothing and sends nothing more.
    again = services.monthly_reports_issue_and_send(icb=icb, month=OCT)
    assert again.issued == [] and emails.count() == 2
    from liaison.notifications.emails import email_for

    body = email_for(emails.first()).body
    assert "S02" not in body and "<5" not in body and "11" not in body.replace("/reports/archive/", "")


def test_issuing_every_version_of_a_month_counts_once(icb, trust, october, october_111):
    """The ICB's version, the newsletter and each provider's come from one count of the month's
    breach events and one of its 111 messages, not one per version."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = services.monthly_reports_issue_and_send(icb=icb, month=OCT)
    assert len(result.issued) >= 3
    # Every statement that reads (on PostgreSQL an iterated read is a DECLARE … CURSOR FOR SELECT).
    selects = [q["sql"] for q in captured.captured_queries if "SELECT" in q["sql"].upper()]
    assert sum('FROM "concerns_occurrence"' in sql for sql in selects) == 1
    assert sum('FROM "nhs111_receivedmessage"' in sql for sql in selects) == 1


def test_the_command_issues_a_month(icb, october, capsys):
    call_command("monthly_report", "--month", "2026-10", "--icb", "QYG")
    assert "QYG 2026-10: 3 issued" in capsys.readouterr().out
    with pytest.raises(CommandError, match="not an ICB"):
        call_command("monthly_report", "--month", "2026-10", "--icb", "REM")
    with pytest.raises(CommandError, match="year and month"):
        call_command("monthly_report", "--month", "October")


def test_the_monthly_job_runs_on_the_first_working_day_and_reschedules(icb, october):
    # 1 January 2027 is a bank holiday (a Friday): the first working day is Monday 4 January.
    assert first_working_day(date(2027, 1, 1)) == date(2027, 1, 4)
    assert first_working_day(date(2026, 11, 1)) == date(2026, 11, 2)  # 1 November 2026 is a Sunday
    assert next_run_after(datetime(2026, 11, 2, 8, 0, tzinfo=LONDON)) == datetime(
        2026, 12, 1, 7, 0, tzinfo=LONDON
    )
    assert next_run_after(datetime(2026, 12, 20, 8, 0, tzinfo=LONDON)) == datetime(
        2027, 1, 4, 7, 0, tzinfo=LONDON
    )
    result = issue_monthly_reports.call(today="2026-11-02")
    assert result == {"month": "2026-10", "issued": 3}


def test_activity_import_loads_everything_or_nothing(icb, trust, practice):
    good = 'provider_ods,month,measure,count\nREM,2026-10,outpatient attendances,"12,400"\n'
    result = services.activity_import(text=good)
    assert (result.ok, result.created) == (True, 1)
    bad = (
        "provider_ods,month,measure,count\n"
        "REM,2026-11,outpatient attendances,13000\n"
        "N82001,2026-11,outpatient attendances,10\n"
        "XXX,October,,ten\n"
        "REM,2026-11,Outpatient attendances,5\n"
    )
    result = services.activity_import(text=bad)
    assert [(e.line, e.message) for e in result.errors] == [
        (3, "N82001 is not a provider trust: give the trust's ODS code"),
        (4, "“XXX” is not an ODS code in the directory"),
        (4, "Enter the month as year and month, for example 2026-10"),
        (4, "Enter the activity measure, for example outpatient attendances"),
        (4, "Enter the count as a whole number, 0 or more"),
        (5, "Repeats line 2 (same provider, month and measure)"),
    ]
    from liaison.reports.models import ActivityFigure

    assert list(ActivityFigure.objects.values_list("month", flat=True)) == [OCT]  # nothing half-imported


def test_import_activity_command_reports_row_errors(icb, trust, tmp_path, capsys):
    path = tmp_path / "activity.csv"
    path.write_text("provider_ods,month,measure,count\nREM,2026-13,attendances,1\n")
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("import_activity", str(path))
    assert "line 2: Enter the month" in capsys.readouterr().err
    path.write_text("provider_ods,month,measure,count\nREM,2026-10,attendances,1\n")
    call_command("import_activity", str(path))
    assert "Loaded 1 new" in capsys.readouterr().out


def test_the_archive_shows_each_person_only_what_they_may_read(
    icb, trust, october, icb_analyst, responder, reporter, make_member
):
    from liaison.core.factories import TrustFactory

    other = TrustFactory(ods_code="RBS", icb=icb)
    services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.ICB)
    services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.PROVIDER, provider=trust)
    services.monthly_report_issue(icb=icb, month=OCT, version=ReportVersion.PROVIDER, provider=other)

    def seen(membership):
        return sorted(
            (r.version, r.provider.ods_code if r.provider else "") for r in selectors.archive_for(membership)
        )

    assert len(seen(icb_analyst)) == 4
    assert seen(responder) == [("newsletter", ""), ("provider", "REM")]
    assert seen(reporter) == [("newsletter", "")]
    assert seen(make_member(Role.ADMINISTRATOR, icb)) == [("newsletter", "")]


def test_the_report_carries_themes_and_you_said_we_did(icb, trust, october, icb_analyst, make_breach):
    from django.utils import timezone

    from liaison.themes.models import Theme, ThemeAction, ThemeActionProgress, ThemeMembership

    theme = Theme.objects.create(icb=icb, label="Late discharge summaries", rising=True)
    for day in range(1, 7):
        ThemeMembership.objects.create(theme=theme, concern=make_breach(["S02"], date(2026, 10, day)))
    action = ThemeAction.objects.create(
        theme=theme,
        action="Discharge summaries sent before the patient leaves",
        owner_organisation=trust,
        created_by=icb_analyst.user,
        updated_at=timezone.now(),
    )
    # Agreed in October (created_at is set on save; the report covers what was open in the month).
    ThemeAction.objects.filter(pk=action.pk).update(created_at=datetime(2026, 10, 10, 9, tzinfo=LONDON))
    ThemeActionProgress.objects.create(
        action=action,
        note="Ward 4 pilot started",
        recorded_on=date(2026, 10, 20),
        recorded_by=icb_analyst.user,
    )
    data = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.NEWSLETTER)
    assert [(t.label, t.concern_count, t.rising) for t in data.themes] == [
        ("Late discharge summaries", 6, True)
    ]
    assert [a.action for a in data.actions] == ["Discharge summaries sent before the patient leaves"]
    text = _pdf_text(services.report_pdf(data))
    assert "Late discharge summaries" in text and "Ward 4 pilot started" in text


def test_the_monthly_job_issues_for_each_icb_with_concerns_and_no_other(icb, other_icb, trust, october):
    """Only ICBs that have concerns about their providers get a report."""
    from liaison.core.factories import ICBFactory
    from liaison.reports.selectors import icbs_with_concerns

    assert list(icbs_with_concerns()) == [icb]
    ICBFactory(ods_code="QAA", name="NHS EARLIER ICB")  # no concerns: no report
    assert list(icbs_with_concerns()) == [icb]
