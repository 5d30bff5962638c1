"""The NHS 111 conformance scorecard in the monthly report: per sending 111 / 999 provider, for the
report's month and ICB, the messages received, rejected, accepted with PRSB Required sections missing
(and which), and the time from the start of the 111 contact to receipt.

The counts are the 111 team's own scorecard (``liaison.nhs111.selectors.scorecard_of``, without the
membership check: the report is issued with no one signed in), so the report and the scorecard page
count the same messages. Counts only: no patient details, no message text.

Versions that leave the ICB apply the breach tables' suppression (``liaison.reports.suppression``) to
every measure: each is a one-column table of senders with an "all senders" total, so a count from 1
to 4 is shown as "<5" and the total over it is withheld. A provider version shows that provider's own
line, hidden exactly as the newsletter hides it.
"""

import statistics
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from django.utils import timezone

from liaison.directory.models import Organisation
from liaison.reports.models import ReportVersion
from liaison.reports.suppression import Cell, Table, suppress_table

if TYPE_CHECKING:
    from liaison.reports.selectors import ReportInputs

ALL_SENDERS = "All senders"


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """Midnight at the start of the month and of the next, in Liaison's time zone."""
    following = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    return (
        timezone.make_aware(datetime.combine(month, time.min)),
        timezone.make_aware(datetime.combine(following, time.min)),
    )


@dataclass
class SenderCounts:
    """The exact numbers for one sender (or all senders) in the month."""

    ods_code: str
    name: str
    received: int = 0
    rejected: int = 0
    with_required_missing: int = 0
    sections_missing: Counter = field(default_factory=Counter)
    minutes: list[float] = field(default_factory=list)


@dataclass
class ScorecardLine:
    """One sender's line as a version shows it."""

    name: str
    ods_code: str
    received: Cell
    rejected: Cell
    with_required_missing: Cell
    sections_missing: list[tuple[str, Cell]]
    median_minutes: str

    @property
    def rejected_percent(self) -> str:
        """Rejected as a share of everything sent; withheld where either count is hidden, since the
        share with one count shown would give the other back."""
        if self.rejected.hidden or self.received.hidden:
            return ""
        sent = self.received.value + self.rejected.value
        return f"{round(100 * self.rejected.value / sent)}%" if sent else ""


@dataclass
class ReportScorecard:
    month: date
    version: str
    lines: list[ScorecardLine]
    total: ScorecardLine | None

    @property
    def suppressed(self) -> bool:
        return self.version != ReportVersion.ICB


def sender_counts(*, icb: Organisation, month: date) -> list[SenderCounts]:
    """Exact counts per sender for messages received for ``icb`` in ``month`` and messages rejected:
    the 111 team's own scorecard (``nhs111.selectors.scorecard_of``), so the report and the
    scorecard page can never count differently."""
    from liaison.nhs111.selectors import scorecard_of

    senders = [
        SenderCounts(
            ods_code=score.sender.ods_code,
            name=score.sender.display_name,
            received=score.received,
            rejected=score.rejected,
            with_required_missing=score.with_required_missing,
            sections_missing=Counter(score.sections_missing),
            minutes=list(score.contact_to_receipt_minutes),
        )
        for score in scorecard_of(icb=icb, month=month).scores
    ]
    return sorted(senders, key=lambda counts: (counts.name, counts.ods_code))


def _all_senders(senders: list[SenderCounts]) -> SenderCounts:
    total = SenderCounts(ods_code="", name=ALL_SENDERS)
    for counts in senders:
        total.received += counts.received
        total.rejected += counts.rejected
        total.with_required_missing += counts.with_required_missing
        total.sections_missing.update(counts.sections_missing)
        total.minutes.extend(counts.minutes)
    return total


def _measure_cells(senders: list[SenderCounts], values: list[int], *, suppressed: bool) -> list[Cell]:
    """One measure down the senders, then its all-senders total, suppressed as a one-column table."""
    table = Table(
        row_labels=[counts.name for counts in senders],
        row_keys=[counts.ods_code for counts in senders],
        column_labels=["count"],
        values=[[value] for value in values],
    )
    if suppressed:
        suppress_table(table)
    return [table.cell(row, 0) for row in range(len(senders) + 1)]


def _median(minutes: list[float], received: Cell) -> str:
    if received.hidden:
        return "<5 messages" if received.value < 5 else "withheld"
    if not minutes:
        return "–"
    return f"{statistics.median(minutes):.1f}"


def report_scorecard(
    *,
    icb: Organisation,
    month: date,
    version: str,
    provider: Organisation | None = None,
    senders: list[SenderCounts] | None = None,
) -> ReportScorecard:
    """The scorecard as ``version`` shows it (see the module docstring). ``senders``, from
    ``sender_counts``, saves counting again for another version of the same month."""
    if senders is None:
        senders = sender_counts(icb=icb, month=month)
    suppressed = version != ReportVersion.ICB
    measures = {
        name: _measure_cells(senders, [getattr(c, name) for c in senders], suppressed=suppressed)
        for name in ("received", "rejected", "with_required_missing")
    }
    sections = sorted({section for counts in senders for section in counts.sections_missing})
    section_cells = {
        section: _measure_cells(
            senders, [c.sections_missing.get(section, 0) for c in senders], suppressed=suppressed
        )
        for section in sections
    }
    everyone = [*senders, _all_senders(senders)]
    lines = []
    for index, counts in enumerate(everyone):
        received = measures["received"][index]
        missing = [
            (section, section_cells[section][index])
            for section in sections
            if counts.sections_missing.get(section, 0)
        ]
        missing.sort(key=lambda item: (-counts.sections_missing[item[0]], item[0]))
        lines.append(
            ScorecardLine(
                name=counts.name,
                ods_code=counts.ods_code,
                received=received,
                rejected=measures["rejected"][index],
                with_required_missing=measures["with_required_missing"][index],
                sections_missing=missing,
                median_minutes=_median(counts.minutes, received),
            )
        )
    total = lines.pop() if senders else None
    if provider is not None:
        lines = [line for line in lines if line.ods_code == provider.ods_code]
        total = None
    return ReportScorecard(month=month, version=version, lines=lines, total=total)


def scorecard_summary(scorecard: ReportScorecard) -> list[dict]:
    """The scorecard as issued, for the archive: the figures as shown, never a hidden exact number."""
    lines = [*scorecard.lines, *([scorecard.total] if scorecard.total else [])]
    return [
        {
            "sender": line.name,
            "ods_code": line.ods_code,
            "received": line.received.shown,
            "rejected": line.rejected.shown,
            "with_required_missing": line.with_required_missing.shown,
            "sections_missing": {section: cell.shown for section, cell in line.sections_missing},
            "median_minutes": line.median_minutes,
        }
        for line in lines
    ]


@dataclass
class MonthCounts:
    """Everything one ICB-month's report counts, read once for all its versions."""

    breaches: "ReportInputs"
    senders: list[SenderCounts]


def month_counts(*, icb: Organisation, month: date) -> MonthCounts:
    from liaison.reports import selectors

    return MonthCounts(
        breaches=selectors.report_inputs(icb=icb, month=month), senders=sender_counts(icb=icb, month=month)
    )


def month_counts_for(*, icbs: list[Organisation], month: date) -> dict[int, MonthCounts]:
    """``month_counts`` for every ICB in ``icbs``, keyed by ICB id, with one pass over the breach
    events for all of them (the national month, as the scheduled issue makes it)."""
    from liaison.reports import selectors

    breaches = selectors.report_inputs_for_month(icbs=icbs, month=month)
    return {
        icb.pk: MonthCounts(breaches=breaches[icb.pk], senders=sender_counts(icb=icb, month=month))
        for icb in icbs
    }


def monthly_report_with_scorecard(
    *,
    icb: Organisation,
    month: date,
    version: str,
    provider: Organisation | None = None,
    counts: MonthCounts | None = None,
):
    """The monthly breach report (``selectors.monthly_report``) with the 111 scorecard as ``nhs111``;
    ``counts``, from ``month_counts``, makes another version of the same month without counting again."""
    from liaison.reports import selectors

    data = selectors.monthly_report(
        icb=icb, month=month, version=version, provider=provider, inputs=counts.breaches if counts else None
    )
    data.nhs111 = report_scorecard(
        icb=icb, month=month, version=version, provider=provider, senders=counts.senders if counts else None
    )
    return data
