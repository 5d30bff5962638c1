"""Every write for reports: activity figures, issuing (archiving) a monthly report, and sending it."""

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.directory.models import PROVIDER_TYPES, Organisation, OrganisationType
from liaison.reports import selectors
from liaison.reports.models import (
    ActivityFigure,
    Audience,
    MonthlyReport,
    MonthlyReportRow,
    ReportVersion,
)
from liaison.reports.scorecard import (
    MonthCounts,
    month_counts,
    monthly_report_with_scorecard,
    scorecard_summary,
)
from liaison.routing.exports import safe_cell

# --- Activity figures ---------------------------------------------------------------------------------

ACTIVITY_COLUMNS = ["provider_ods", "month", "measure", "count"]
MAX_ACTIVITY_ROWS = 50_000


@dataclass
class RowError:
    line: int
    message: str


@dataclass
class ActivityImport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _read_activity(text: str, *, icb: Organisation | None) -> tuple[list[tuple], list[RowError]]:
    errors: list[RowError] = []
    reader = csv.DictReader(io.StringIO(text))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [name for name in ACTIVITY_COLUMNS if name not in header]
    if missing:
        return [], [
            RowError(
                1,
                f"The first line must name the columns {', '.join(ACTIVITY_COLUMNS)}: missing {', '.join(missing)}",
            )
        ]
    reader.fieldnames = header
    rows, seen = [], {}
    codes = set()
    raw_rows = []
    for line, record in enumerate(reader, start=2):
        if line - 1 > MAX_ACTIVITY_ROWS:
            return [], [RowError(line, f"A file can hold at most {MAX_ACTIVITY_ROWS:,} rows: split it")]
        raw_rows.append((line, {key: (value or "").strip() for key, value in record.items() if key}))
        codes.add((record.get("provider_ods") or "").strip().upper())
    providers = {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=codes)}
    for line, record in raw_rows:
        if not any(record.values()):
            continue
        code = record.get("provider_ods", "").upper()
        provider = providers.get(code)
        if not code:
            errors.append(RowError(line, "Enter the provider's ODS code"))
        elif provider is None:
            errors.append(RowError(line, f"“{code[:12]}” is not an ODS code in the directory"))
        elif provider.org_type not in PROVIDER_TYPES or provider.org_type == OrganisationType.TRUST_SITE:
            errors.append(RowError(line, f"{code} is not a provider trust: give the trust's ODS code"))
        elif icb is not None and provider.icb_id != icb.pk:
            errors.append(RowError(line, f"{code} is not in {icb.display_name}"))
        month = selectors.parse_month(record.get("month"))
        if month is None:
            errors.append(RowError(line, "Enter the month as year and month, for example 2026-10"))
        measure = record.get("measure", "")
        if not measure:
            errors.append(RowError(line, "Enter the activity measure, for example outpatient attendances"))
        elif len(measure) > 80:
            errors.append(RowError(line, "The activity measure must be 80 characters or fewer"))
        count_text = record.get("count", "").replace(",", "")
        if not count_text.isdigit():
            errors.append(RowError(line, "Enter the count as a whole number, 0 or more"))
        if provider is None or month is None or not measure or not count_text.isdigit() or len(measure) > 80:
            continue
        key = (provider.pk, month, measure.lower())
        if key in seen:
            errors.append(RowError(line, f"Repeats line {seen[key]} (same provider, month and measure)"))
            continue
        seen[key] = line
        rows.append((provider, month, measure, int(count_text)))
    if not rows and not errors:
        errors.append(RowError(2, "The file has no rows of activity figures"))
    return rows, errors


def activity_import(
    *, text: str, actor=None, icb: Organisation | None = None, request=None
) -> ActivityImport:
    """Load activity figures from CSV text (``provider_ods, month, measure, count``). Every row is checked
    first; any error and nothing is loaded. A figure already loaded for the same provider, month and
    measure is replaced. ``icb`` limits the providers to one ICB (the upload page)."""
    result = ActivityImport()
    rows, result.errors = _read_activity(text, icb=icb)
    if result.errors:
        return result
    now = timezone.now()
    with transaction.atomic():
        for provider, month, measure, count in rows:
            _, created = ActivityFigure.objects.update_or_create(
                provider=provider,
                month=month,
                measure=measure,
                defaults={"count": count, "uploaded_at": now, "uploaded_by": actor},
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
        audit_record(
            action=AuditAction.IMPORT,
            actor=actor,
            request=request,
            organisation=icb,
            object_repr="Activity figures",
            changes={"created": result.created, "updated": result.updated},
        )
    return result


# --- Rendering --------------------------------------------------------------------------------------


def report_csv(data: selectors.MonthlyReportData) -> str:
    """One line per provider × standard × period, the numbers as the version shows them ("<5" where
    suppressed); no free text, and no cell a spreadsheet would run as a formula."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["ICB", "Month", "Version", "Period", "Provider", "Provider ODS code", "Standard", "Breaches"]
    )
    for period in selectors.PERIODS:
        table = data.tables[period]
        for label, key, cells, total in table.rows():
            for standard, cell in zip(table.column_labels, cells, strict=True):
                writer.writerow(
                    [
                        safe_cell(v)
                        for v in (
                            data.icb.ods_code,
                            f"{data.month:%Y-%m}",
                            data.version,
                            period,
                            label,
                            key,
                            standard,
                            cell.shown,
                        )
                    ]
                )
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        data.icb.ods_code,
                        f"{data.month:%Y-%m}",
                        data.version,
                        period,
                        label,
                        key,
                        "All",
                        total.shown,
                    )
                ]
            )
    scorecard = getattr(data, "nhs111", None)
    if scorecard is not None:
        _scorecard_csv(writer, data, scorecard)
    return out.getvalue()


SCORECARD_CSV_HEADER = [
    "ICB",
    "Month",
    "Version",
    "NHS 111 scorecard",
    "Sender",
    "Sender ODS code",
    "Measure",
    "Value",
]


def _scorecard_csv(writer, data: selectors.MonthlyReportData, scorecard) -> None:
    """The 111 scorecard after the breach lines: a blank line, its own header, then one line per
    sender and measure, as the version shows them."""
    writer.writerow([])
    writer.writerow(SCORECARD_CSV_HEADER)
    lines = [*scorecard.lines, *([scorecard.total] if scorecard.total else [])]
    for line in lines:
        measures = [
            ("Received", line.received.shown),
            ("Rejected", line.rejected.shown),
            ("Accepted with Required sections missing", line.with_required_missing.shown),
            *(
                (f"Required section missing: {section}", cell.shown)
                for section, cell in line.sections_missing
            ),
            ("Minutes from contact to receipt (median)", line.median_minutes),
        ]
        for measure, value in measures:
            writer.writerow(
                [
                    safe_cell(v)
                    for v in (
                        data.icb.ods_code,
                        f"{data.month:%Y-%m}",
                        data.version,
                        "month",
                        line.name,
                        line.ods_code,
                        measure,
                        value,
                    )
                ]
            )


def report_html(data: selectors.MonthlyReportData) -> str:
    """The report as a standalone HTML document (the PDF is printed from it)."""
    return render_to_string("reports/monthly_print.jinja", {"report": data})


def report_pdf(data: selectors.MonthlyReportData) -> bytes:
    """A real PDF (WeasyPrint), with the tables as text so it can be searched and read aloud."""
    from weasyprint import HTML

    return HTML(string=report_html(data)).write_pdf()


# --- Issuing and the archive --------------------------------------------------------------------------


def reports_dir() -> Path:
    return Path(settings.VAR_DIR) / "reports"


def _write(relative: str, content: bytes) -> str:
    path = reports_dir() / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    # Issued files are never overwritten: a new issue of the same month would be a new row anyway.
    with open(path, "xb") as handle:
        handle.write(content)
    return hashlib.sha256(content).hexdigest()


def _already_issued(*, icb, month, version, provider) -> MonthlyReport | None:
    return MonthlyReport.objects.filter(icb=icb, month=month, version=version, provider=provider).first()


@transaction.atomic
def monthly_report_issue(
    *,
    icb: Organisation,
    month: date,
    version: str,
    provider: Organisation | None = None,
    actor=None,
    counts: MonthCounts | None = None,
) -> tuple[MonthlyReport, bool]:
    """Issue one version of the report: store its rows and its PDF and CSV, once. Returns the report
    and whether it was issued now (False: it had been issued before, and is returned unchanged).
    ``counts`` (``scorecard.month_counts``) lets every version of one month share one count."""
    existing = _already_issued(icb=icb, month=month, version=version, provider=provider)
    if existing is not None:
        return existing, False
    data = monthly_report_with_scorecard(
        icb=icb, month=month, version=version, provider=provider, counts=counts
    )
    name = f"{icb.ods_code}/{month:%Y-%m}/{version}{'-' + provider.ods_code if provider else ''}"
    issued_at = timezone.now()
    stamp = issued_at.strftime("%Y%m%dT%H%M%S%f")
    pdf, text = report_pdf(data), report_csv(data).encode("utf-8")
    pdf_path, csv_path = f"{name}-{stamp}.pdf", f"{name}-{stamp}.csv"
    report = MonthlyReport.objects.create(
        icb=icb,
        month=month,
        version=version,
        provider=provider,
        financial_year_start=data.financial_year_start,
        issued_at=issued_at,
        issued_by=actor,
        pdf_path=pdf_path,
        csv_path=csv_path,
        pdf_sha256=_write(pdf_path, pdf),
        csv_sha256=_write(csv_path, text),
        summary={
            "totals": {period: data.tables[period].totals()[1].shown for period in selectors.PERIODS},
            "standards": [standard.code for standard in data.standards],
            "themes": [getattr(theme, "label", str(theme)) for theme in data.themes],
            "actions": [
                {
                    "theme": getattr(action, "theme_label", ""),
                    "action": getattr(action, "action", ""),
                    "owner": getattr(action, "owner_organisation_name", ""),
                    "status": str(getattr(action, "status", "")),
                }
                for action in data.actions
            ],
            "nhs111": scorecard_summary(data.nhs111),
        },
    )
    MonthlyReportRow.objects.bulk_create(
        MonthlyReportRow(
            report=report,
            period=period,
            provider_ods=key,
            provider_name=label,
            standard_code=standard,
            count=None if cell.hidden else cell.value,
            shown=cell.shown,
        )
        for period in selectors.PERIODS
        for label, key, cells, _ in data.tables[period].rows()
        for standard, cell in zip(data.tables[period].column_labels, cells, strict=True)
    )
    audit_record(
        action=AuditAction.CREATE,
        actor=actor,
        obj=report,
        organisation=icb,
        changes={
            "month": f"{month:%Y-%m}",
            "version": version,
            "provider": provider.ods_code if provider else None,
        },
    )
    return report, True


@dataclass
class IssueResult:
    issued: list[MonthlyReport] = field(default_factory=list)
    already: list[MonthlyReport] = field(default_factory=list)
    notified: int = 0


def monthly_reports_issue_and_send(
    *, icb: Organisation, month: date, actor=None, counts: MonthCounts | None = None
) -> IssueResult:
    """Issue every version for an ICB-month (the ICB's own, the newsletter, one per provider with
    breaches or with CQRG contacts) and send each to its audience: subscribed practices get a link
    to the newsletter, each provider's CQRG contacts a link to their provider version. Emails carry
    a link only. Running it again issues and sends nothing more. ``counts`` (``scorecard.month_counts``
    or ``month_counts_for``) is the month as already counted; by default it is counted here, once."""
    from liaison.notifications.services import notify

    result = IssueResult()
    counts = counts or month_counts(icb=icb, month=month)

    def issue(version, provider=None):
        report, new = monthly_report_issue(
            icb=icb, month=month, version=version, provider=provider, actor=actor, counts=counts
        )
        (result.issued if new else result.already).append(report)
        return report

    issue(ReportVersion.ICB)
    newsletter = issue(ReportVersion.NEWSLETTER)
    data = selectors.monthly_report(icb=icb, month=month, version=ReportVersion.ICB, inputs=counts.breaches)
    provider_codes = set(data.tables["ytd"].row_keys) | set(data.tables["month"].row_keys)
    cqrg = selectors.subscriptions_for(icb=icb, audience=Audience.CQRG)
    providers = {org.ods_code: org for org in Organisation.objects.filter(ods_code__in=provider_codes)}
    for subscription in cqrg:
        providers.setdefault(subscription.organisation.ods_code, subscription.organisation)
    provider_reports = {
        code: issue(ReportVersion.PROVIDER, provider) for code, provider in sorted(providers.items())
    }
    with transaction.atomic():
        practices = [s.email for s in selectors.subscriptions_for(icb=icb, audience=Audience.NEWSLETTER)]
        result.notified += len(
            notify(
                kind="monthly_report_issued",
                recipients=practices,
                link_path=f"/reports/archive/{newsletter.pk}/",
                organisation=icb,
                key=f"monthly-report-{newsletter.pk}",
            )
        )
        for subscription in cqrg:
            report = provider_reports[subscription.organisation.ods_code]
            result.notified += len(
                notify(
                    kind="monthly_report_issued",
                    recipients=[subscription.email],
                    link_path=f"/reports/archive/{report.pk}/",
                    organisation=subscription.organisation,
                    key=f"monthly-report-{report.pk}",
                )
            )
    return result
