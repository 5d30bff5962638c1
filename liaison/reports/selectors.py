"""Every read for the dashboards and the monthly breach report. The counting rules live here, once.

What a breach is (docs/reports.md says the same for readers):

- A **breach event** is one occurrence of a Part B concern (the original report or a "me too",
  ``concerns.Occurrence``) for one standard the concern says was not met. A concern citing two
  standards that happened to three practices is six breach events.
- It counts in the calendar month of **the occurrence's event date**, never the date it was reported.
- A concern closed as a **duplicate** counts nothing: merging moves its occurrences to the concern it
  was merged into, where they count once (an occurrence already there for the same person and day
  is not moved, and is not counted twice).
- It counts only if the standard was **in force on the event date**: in the ICB's Code of Conduct
  version in force that day (the national baseline before the ICB had a Code), and, for a standard
  with time limits, only while one of its time limits was in force.
- The provider is the organisation the concern is about; a trust site counts for its trust.

Every count is one ``GROUP BY`` in the database (no loop over concerns in Python), and every number on
the dashboard links to exactly the concerns it counted (``drilldown``).
"""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, When
from django.db.models.functions import TruncMonth
from django.utils import timezone

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission, is_icb_wide
from liaison.concerns.models import Concern, ConcernOutcome, ConcernPart, Occurrence
from liaison.concerns.selectors import concerns_visible_to
from liaison.directory.models import Organisation, OrganisationType, Place
from liaison.reports.models import (
    ActivityFigure,
    MonthlyReport,
    ReportSubscription,
    ReportVersion,
)
from liaison.reports.suppression import Table, suppress_table
from liaison.routing.models import ConcernClock
from liaison.standards.models import CodeOfConductVersion, Standard, StandardTimeLimit

# --- Months -----------------------------------------------------------------------------------------


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


def financial_year_start(month: date) -> date:
    """The NHS financial year runs from 1 April to 31 March."""
    return date(month.year if month.month >= 4 else month.year - 1, 4, 1)


def parse_month(text: str | None) -> date | None:
    """``2026-10`` → 1 October 2026; None for anything else."""
    try:
        year, month = (int(part) for part in (text or "").strip().split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError):
        return None


# --- Standards in force -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InForce:
    """A standard in force, for breach counting, from ``start`` to ``end`` inclusive."""

    standard_id: int
    start: date
    end: date


def in_force_windows(*, icb: Organisation | None, start: date, end: date) -> list[InForce]:
    """When each standard was in force in ``icb`` between ``start`` and ``end``: the Code of Conduct
    version in force (national baseline before the first), cut to the standard's time limits if it
    has any that apply to the whole standard. Three small queries, whatever the number of concerns."""
    return in_force_windows_for([icb], start=start, end=end)[icb.pk if icb is not None else None]


def in_force_windows_for(
    icbs: list[Organisation | None], *, start: date, end: date
) -> dict[int | None, list[InForce]]:
    """``in_force_windows`` for many ICBs at once, keyed by ICB id, in the same three queries: the
    national month report asks for every ICB and must not ask 42 times."""
    icb_ids = [icb.pk for icb in icbs if icb is not None]
    versions: dict[int, list] = defaultdict(list)
    if icb_ids:
        for version in (
            CodeOfConductVersion.objects.filter(
                code_of_conduct__icb_id__in=icb_ids, published_at__isnull=False
            )
            .annotate(icb_id=F("code_of_conduct__icb_id"))
            .order_by("effective_from", "pk")
            .prefetch_related("standards")
        ):
            versions[version.icb_id].append(version)
    segments = {
        key: _code_segments(versions.get(key, []), start=start, end=end, baseline=None)
        for key in {icb.pk if icb is not None else None for icb in icbs}
    }
    if any(needs_baseline for _, needs_baseline in segments.values()):
        baseline = set(
            Standard.objects.filter(owner_icb__isnull=True, is_active=True).values_list("pk", flat=True)
        )
        segments = {
            key: _code_segments(versions.get(key, []), start=start, end=end, baseline=baseline)
            for key in segments
        }
    standard_ids = {
        standard_id for found, _ in segments.values() for _, _, ids in found for standard_id in ids
    }
    limits: dict[int, list[tuple[date, date]]] = defaultdict(list)
    # A limit for one part of a standard ("Advice & Guidance") does not bound the rest of it.
    for standard_id, limit_from, limit_to in StandardTimeLimit.objects.filter(
        standard_id__in=standard_ids, applies_to=""
    ).values_list("standard_id", "in_force_from", "in_force_to"):
        limits[standard_id].append((limit_from, limit_to or date.max))
    return {key: _windows(found, limits) for key, (found, _) in segments.items()}


def _code_segments(
    versions: list, *, start: date, end: date, baseline: set[int] | None
) -> tuple[list[tuple[date, date, set[int]]], bool]:
    """The periods between ``start`` and ``end`` with the standards of the Code in force in each (the
    national ``baseline`` before the first Code), and whether the baseline was needed for it."""
    segments: list[tuple[date, date, set[int]]] = []
    first = versions[0].effective_from if versions else date.max
    needs_baseline = start < first
    if needs_baseline and baseline is not None:
        segments.append((start, min(end, first - timedelta(days=1)), baseline))
    for index, version in enumerate(versions):
        following = versions[index + 1].effective_from if index + 1 < len(versions) else date.max
        seg_start, seg_end = max(start, version.effective_from), min(end, following - timedelta(days=1))
        if seg_start <= seg_end:
            segments.append((seg_start, seg_end, {entry.standard_id for entry in version.standards.all()}))
    return segments, needs_baseline


def _windows(segments, limits: dict[int, list[tuple[date, date]]]) -> list[InForce]:
    windows = []
    for seg_start, seg_end, ids in segments:
        for standard_id in sorted(ids):
            if standard_id not in limits:
                windows.append(InForce(standard_id, seg_start, seg_end))
                continue
            for limit_from, limit_to in limits[standard_id]:
                window_start, window_end = max(seg_start, limit_from), min(seg_end, limit_to)
                if window_start <= window_end:
                    windows.append(InForce(standard_id, window_start, window_end))
    return windows


# --- Scope --------------------------------------------------------------------------------------------


def provider_of(prefix: str = "concern__") -> Case:
    """The provider a concern counts for: the organisation it is about, or a trust site's trust."""
    return Case(
        When(
            **{
                f"{prefix}about_organisation__org_type": OrganisationType.TRUST_SITE,
                f"{prefix}about_organisation__parent__isnull": False,
            },
            then=F(f"{prefix}about_organisation__parent_id"),
        ),
        default=F(f"{prefix}about_organisation_id"),
        output_field=IntegerField(),
    )


PROVIDER = provider_of()


def _provider_condition(provider_id: int, prefix: str = "concern__") -> Q:
    return Q(**{f"{prefix}about_organisation_id": provider_id}) | Q(
        **{
            f"{prefix}about_organisation__parent_id": provider_id,
            f"{prefix}about_organisation__org_type": OrganisationType.TRUST_SITE,
        }
    )


@dataclass(frozen=True)
class Scope:
    """Whose concerns a dashboard counts: the ICB's providers, or one provider (and its sites).

    Always a subset of what ``concerns_visible_to`` lets the membership see."""

    icb: Organisation | None
    provider: Organisation | None = None
    place: Place | None = None

    def condition(self, prefix: str = "concern__") -> Q:
        if self.provider is not None:
            condition = _provider_condition(self.provider.pk, prefix)
        else:
            condition = Q(**{f"{prefix}about_icb": self.icb})
        if self.place is not None:
            condition &= Q(**{f"{prefix}about_organisation__place": self.place}) | Q(
                **{f"{prefix}about_organisation__parent__place": self.place}
            )
        return condition


def may_view_dashboard(membership: Membership | None) -> bool:
    return has_permission(membership, "reports.view_dashboard")


def scope_for(membership: Membership | None, *, place_id=None) -> Scope | None:
    """ICB analysts see their ICB's providers (optionally one Place); responders and interface leads
    their own organisation only. None for anyone else."""
    if not may_view_dashboard(membership):
        return None
    if is_icb_wide(membership):
        icb = membership.organisation
        place = Place.objects.filter(icb=icb, pk=place_id).first() if str(place_id or "").isdigit() else None
        return Scope(icb=icb, place=place)
    return Scope(icb=membership.icb, provider=membership.organisation)


# --- Breach events --------------------------------------------------------------------------------


def breach_events(
    *,
    scope: Scope,
    start: date,
    end: date,
    standard: Standard | None = None,
    windows: list[InForce] | None = None,
) -> QuerySet[Occurrence]:
    """One row per occurrence × standard that counts as a breach event between ``start`` and ``end``
    (see the module docstring). Group it with ``.values(…).annotate(Count("*"))``; the standard is
    ``concern__standards_breached__standard_id`` (the join is shared by the in-force condition, so
    a condition on the standard must go through ``standard`` here, never a second ``filter``).
    ``windows``: the ICB's ``in_force_windows`` for the same dates, when the caller has them already."""
    if windows is None:
        windows = in_force_windows(icb=scope.icb, start=start, end=end)
    if standard is not None:
        windows = [window for window in windows if window.standard_id == standard.pk]
    if not windows:
        return Occurrence.objects.none()
    return _counted_occurrences(start=start, end=end).filter(scope.condition(), _in_force_condition(windows))


def _counted_occurrences(*, start: date, end: date) -> QuerySet[Occurrence]:
    """Occurrences of Part B concerns, not closed as duplicates, whose event date is in the period."""
    return (
        Occurrence.objects.filter(concern__part=ConcernPart.BREACH)
        .filter(event_date__gte=start, event_date__lte=end)
        .exclude(concern__outcome=ConcernOutcome.DUPLICATE)
    )


def _in_force_condition(windows: list[InForce]) -> Q:
    """The cited standard was in force on the occurrence's event date. Windows covering the same dates
    become one ``standard IN (…)`` test, so the usual case (every standard in force all period) is a
    single condition rather than one per standard."""
    by_dates: dict[tuple[date, date], list[int]] = defaultdict(list)
    for window in windows:
        by_dates[(window.start, window.end)].append(window.standard_id)
    condition = Q()
    for (window_start, window_end), standard_ids in sorted(by_dates.items()):
        condition |= Q(
            concern__standards_breached__standard_id__in=sorted(standard_ids),
            event_date__gte=window_start,
            event_date__lte=window_end,
        )
    return condition


STANDARD = F("concern__standards_breached__standard_id")
MONTH = TruncMonth("event_date")


def breach_counts_by_provider_standard_month(
    *, scope: Scope, start: date, end: date, windows: list[InForce] | None = None
) -> list[dict]:
    """``[{"provider": id, "standard": id, "month": date, "count": n}]`` in one GROUP BY query."""
    return list(
        breach_events(scope=scope, start=start, end=end, windows=windows)
        .values(provider=PROVIDER, standard=STANDARD, month=MONTH)
        .annotate(count=Count("*"))
        .order_by()
    )


def breach_counts_by_icb(
    *, icbs: list[Organisation], start: date, end: date, windows: dict[int | None, list[InForce]]
) -> dict[int, list[dict]]:
    """``breach_counts_by_provider_standard_month`` for every ICB in ``icbs`` in one pass over the
    period's occurrences (each ICB with the standards in force in its own Code), keyed by ICB id:
    the national month reads the occurrences once, not once per ICB."""
    icbs_by_windows: dict[tuple[InForce, ...], list[int]] = defaultdict(list)
    for icb in icbs:
        if windows.get(icb.pk):
            icbs_by_windows[tuple(windows[icb.pk])].append(icb.pk)
    result: dict[int, list[dict]] = {icb.pk: [] for icb in icbs}
    if not icbs_by_windows:
        return result
    condition = Q()
    for icb_windows, icb_ids in icbs_by_windows.items():
        condition |= Q(concern__about_icb__in=icb_ids) & _in_force_condition(list(icb_windows))
    rows = (
        _counted_occurrences(start=start, end=end)
        .filter(condition)
        .values(icb=F("concern__about_icb_id"), provider=PROVIDER, standard=STANDARD, month=MONTH)
        .annotate(count=Count("*"))
        .order_by()
    )
    for row in rows:
        result[row.pop("icb")].append(row)
    return result


# --- The dashboard --------------------------------------------------------------------------------


@dataclass
class HeatCell:
    count: int
    level: int  # 0 none, 1–4 bands of the largest count: shown as shade AND as the number
    href: str


@dataclass
class HeatRow:
    provider: Organisation
    cells: list[HeatCell]
    total: int
    total_href: str


@dataclass
class ClockRow:
    provider: Organisation
    concerns: int
    acknowledged_on_time: int
    acknowledged_late: int
    responded_on_time: int
    responded_late: int

    @staticmethod
    def _percent(on_time: int, late: int) -> int | None:
        return round(100 * on_time / (on_time + late)) if on_time + late else None

    @property
    def acknowledged_percent(self) -> int | None:
        return self._percent(self.acknowledged_on_time, self.acknowledged_late)

    @property
    def responded_percent(self) -> int | None:
        return self._percent(self.responded_on_time, self.responded_late)


@dataclass
class TrendRow:
    month: date
    breaches: int
    concerns: int


@dataclass
class Dashboard:
    scope: Scope
    start: date
    end: date
    standards: list[Standard]
    heat_rows: list[HeatRow]
    column_totals: list[int]
    total: int
    trend: list[TrendRow]
    clock_rows: list[ClockRow]
    places: list[Place] = field(default_factory=list)


def _level(count: int, top: int) -> int:
    if count <= 0 or top <= 0:
        return 0
    return min(4, 1 + (4 * (count - 1)) // top)


def drill_href(**params) -> str:
    """The drill-down link for one dashboard number (a heat map has hundreds of them)."""
    from urllib.parse import urlencode

    from django.urls import get_script_prefix, get_urlconf

    return (
        _drilldown_path(get_script_prefix(), get_urlconf())
        + "?"
        + urlencode({k: v for k, v in params.items() if v not in (None, "")})
    )


@lru_cache(maxsize=8)
def _drilldown_path(script_prefix: str, urlconf) -> str:
    """``reverse("reports:drilldown")``, worked out once per script prefix and URL configuration (the
    answer depends on both) rather than once per heat-map cell."""
    from django.urls import reverse

    return reverse("reports:drilldown")


def _providers(ids) -> dict[int, Organisation]:
    return Organisation.objects.in_bulk(list(ids))


def _day_start(day: date):
    """Midnight at the start of ``day`` in Liaison's time zone: a bound the submitted-at index can use
    (``submitted_at__date`` would convert every row first)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def _clock_conditions(today: date, prefix: str = "") -> dict[str, Q]:
    """The response-time measures of a clock; ``prefix`` reaches the clock from another model."""

    def q(**conditions) -> Q:
        return Q(**{f"{prefix}{name}": value for name, value in conditions.items()})

    acknowledge_due, respond_due = F(f"{prefix}acknowledge_due"), F(f"{prefix}respond_due")
    return {
        "ack_on_time": q(acknowledged_at__isnull=False, acknowledged_at__date__lte=acknowledge_due),
        "ack_late": q(acknowledged_at__isnull=False, acknowledged_at__date__gt=acknowledge_due),
        "ack_missed": q(acknowledged_at__isnull=True, acknowledge_due__lt=today),
        "resp_on_time": q(responded_at__isnull=False, responded_at__date__lte=respond_due),
        "resp_late": q(responded_at__isnull=False, responded_at__date__gt=respond_due),
        "resp_missed": q(responded_at__isnull=True, respond_due__lt=today),
    }


def _clock_rows_query(scope: Scope, start: date, end: date):
    return (
        ConcernClock.objects.filter(scope.condition())
        .filter(
            concern__submitted_at__gte=_day_start(start),
            concern__submitted_at__lt=_day_start(end + timedelta(days=1)),
        )
        .exclude(concern__outcome=ConcernOutcome.DUPLICATE)
    )


CLOCK_DRILL_MEASURES = {
    "acknowledged_on_time": ("ack_on_time",),
    "acknowledged_late": ("ack_late", "ack_missed"),
    "responded_on_time": ("resp_on_time",),
    "responded_late": ("resp_late", "resp_missed"),
    "clocks": (),
}


def dashboard_for(
    membership: Membership | None, *, start: date, end: date, place_id=None, today: date | None = None
) -> Dashboard | None:
    """The dashboard: provider × standard breach heat map, monthly trend and response times. Four queries
    (breach events; concerns reported with their clocks; standards; providers) plus three for the
    standards in force and one for the ICB's Places, however many concerns there are."""
    scope = scope_for(membership, place_id=place_id)
    if scope is None:
        return None
    today = today or timezone.localdate()
    counts = breach_counts_by_provider_standard_month(scope=scope, start=start, end=end)
    cells: dict[tuple[int, int], int] = defaultdict(int)
    by_month: dict[date, int] = defaultdict(int)
    for row in counts:
        cells[(row["provider"], row["standard"])] += row["count"]
        by_month[_as_date(row["month"])] += row["count"]
    reported = _reported_by_provider_month(scope=scope, start=start, end=end, today=today)
    standard_ids = sorted({standard for _, standard in cells})
    standards = list(Standard.objects.filter(pk__in=standard_ids).order_by("code"))
    every_provider = _providers({provider for provider, _ in cells} | _clock_providers(reported))
    providers = {pk: every_provider[pk] for pk in {provider for provider, _ in cells}}
    top = max(cells.values(), default=0)
    period = {
        "from": f"{start:%Y-%m}",
        "to": f"{end:%Y-%m}",
        "place": scope.place.pk if scope.place else None,
    }
    heat_rows = []
    for provider in sorted(providers.values(), key=lambda organisation: organisation.name):
        row_cells = []
        for standard in standards:
            count = cells.get((provider.pk, standard.pk), 0)
            href = drill_href(
                measure="breaches", provider=provider.ods_code, standard=standard.code, **period
            )
            row_cells.append(HeatCell(count=count, level=_level(count, top), href=href))
        heat_rows.append(
            HeatRow(
                provider=provider,
                cells=row_cells,
                total=sum(cell.count for cell in row_cells),
                total_href=drill_href(measure="breaches", provider=provider.ods_code, **period),
            )
        )
    column_totals = [sum(row.cells[index].count for row in heat_rows) for index in range(len(standards))]
    concerns_by_month = defaultdict(int)
    for row in reported:
        concerns_by_month[_as_date(row["month"])] += row["concerns"]
    trend = []
    month = month_start(start)
    while month <= end:
        trend.append(
            TrendRow(month=month, breaches=by_month.get(month, 0), concerns=concerns_by_month.get(month, 0))
        )
        month = add_months(month, 1)
    return Dashboard(
        scope=scope,
        start=start,
        end=end,
        standards=standards,
        heat_rows=heat_rows,
        column_totals=column_totals,
        total=sum(column_totals),
        trend=trend,
        clock_rows=_clock_rows(reported, providers=every_provider),
        places=list(Place.objects.filter(icb=scope.icb).order_by("name")) if scope.provider is None else [],
    )


def _reported_by_provider_month(*, scope: Scope, start: date, end: date, today: date) -> list[dict]:
    """Concerns reported between ``start`` and ``end`` (duplicates excluded) by provider and month
    reported, with their clocks' response-time measures, in one GROUP BY query: the dashboard's trend
    and its response times read the same concerns, so they read them once."""
    conditions = _clock_conditions(today, prefix="clock__")
    return list(
        Concern.objects.filter(scope.condition(prefix=""))
        .filter(submitted_at__gte=_day_start(start), submitted_at__lt=_day_start(end + timedelta(days=1)))
        .exclude(outcome=ConcernOutcome.DUPLICATE)
        .values(provider=provider_of(prefix=""), month=TruncMonth("submitted_at"))
        .annotate(
            concerns=Count("id"),
            clocks=Count("clock"),
            **{name: Count("clock", filter=q) for name, q in conditions.items()},
        )
        .order_by()
    )


def _clock_providers(reported: list[dict]) -> set[int]:
    return {row["provider"] for row in reported if row["clocks"]}


def _clock_rows(reported: list[dict], *, providers: dict[int, Organisation] | None = None) -> list[ClockRow]:
    """Response times by provider from ``_reported_by_provider_month``: the providers whose concerns
    have clocks, by name (``providers`` when the caller has read them already)."""
    totals: dict[int, dict[str, int]] = {}
    for row in reported:
        if not row["clocks"]:
            continue
        total = totals.setdefault(row["provider"], defaultdict(int))
        for name, value in row.items():
            if name not in ("provider", "month"):
                total[name] += value
    if providers is None:
        providers = _providers(totals)
    result = [
        ClockRow(
            provider=providers[provider_id],
            concerns=total["clocks"],
            acknowledged_on_time=total["ack_on_time"],
            acknowledged_late=total["ack_late"] + total["ack_missed"],
            responded_on_time=total["resp_on_time"],
            responded_late=total["resp_late"] + total["resp_missed"],
        )
        for provider_id, total in totals.items()
    ]
    return sorted(result, key=lambda row: row.provider.name)


def clock_performance(*, scope: Scope, start: date, end: date, today: date) -> list[ClockRow]:
    """Response times against the clocks for concerns reported between ``start`` and ``end``, by
    provider: acknowledged within the acknowledge clock (2 working days by default) and responded to
    within the respond clock (20). Late includes "not yet, and the due date has passed"; concerns whose
    clock is still running and not yet due count in neither."""
    return _clock_rows(_reported_by_provider_month(scope=scope, start=start, end=end, today=today))


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


# --- Drill-down -----------------------------------------------------------------------------------


@dataclass
class DrillDown:
    """The concerns one dashboard number counted, as the concerns selectors show them to this membership."""

    title: str
    concerns: QuerySet[Concern]
    counted: dict[int, int]  # concern id → breach events it contributed (breach drill-downs)
    total: int
    unit: str


def drilldown(
    membership: Membership | None,
    *,
    measure: str,
    start: date,
    end: date,
    provider_ods: str = "",
    standard_code: str = "",
    month: date | None = None,
    place_id=None,
    today: date | None = None,
) -> DrillDown | None:
    """Exactly the concerns behind a dashboard number: the same query, grouped by concern instead."""
    scope = scope_for(membership, place_id=place_id)
    if scope is None:
        return None
    today = today or timezone.localdate()
    if month is not None:
        start, end = max(start, month), min(end, month_end(month))
    provider = None
    if provider_ods:
        provider = Organisation.objects.filter(ods_code__iexact=provider_ods).first()
        if provider is None:
            return None
    words = []
    if measure == "breaches":
        standard = None
        if standard_code:
            standard = Standard.objects.filter(code__iexact=standard_code).first()
            if standard is None:
                return None
            words.append(f"{standard.code} {standard.title}")
        events = breach_events(scope=scope, start=start, end=end, standard=standard)
        if provider is not None:
            events = events.filter(PROVIDER_FILTER(provider))
        counted = dict(events.values_list("concern_id").annotate(count=Count("*")).order_by())
        unit = "breach events"
    elif measure in CLOCK_DRILL_MEASURES:
        clocks = _clock_rows_query(scope, start, end)
        names = CLOCK_DRILL_MEASURES[measure]
        if names:
            conditions = _clock_conditions(today)
            condition = Q()
            for name in names:
                condition |= conditions[name]
            clocks = clocks.filter(condition)
        if provider is not None:
            clocks = clocks.filter(PROVIDER_FILTER(provider))
        counted = {concern_id: 1 for concern_id in clocks.values_list("concern_id", flat=True)}
        unit = "concerns"
        words.append(measure.replace("_", " ").replace("clocks", "with clocks"))
    else:
        return None
    if provider is not None:
        words.insert(0, provider.display_name)
    concerns = concerns_visible_to(membership).filter(pk__in=list(counted))
    return DrillDown(
        title=", ".join(words) or "All providers",
        concerns=concerns,
        counted=counted,
        total=sum(counted.values()),
        unit=unit,
    )


def PROVIDER_FILTER(provider: Organisation) -> Q:  # noqa: N802 - reads as a constant-like helper
    return _provider_condition(provider.pk)


# --- The monthly breach report -----------------------------------------------------------------------


@dataclass
class RateRow:
    provider: Organisation
    measure: str
    activity: int
    breaches: str
    rate: str


@dataclass
class MonthlyReportData:
    """A monthly breach report ready to render: three tables (the month, the previous month, the
    financial year to date), rates, themes and actions. ``suppressed`` versions show "<5"."""

    icb: Organisation
    month: date
    version: str
    provider: Organisation | None
    financial_year_start: date
    standards: list[Standard]
    tables: dict[str, Table]
    rates: list[RateRow]
    themes: list = field(default_factory=list)
    actions: list = field(default_factory=list)
    themes_available: bool = False
    generated_at: object = None

    @property
    def suppressed(self) -> bool:
        return self.version != ReportVersion.ICB

    @property
    def version_label(self) -> str:
        return ReportVersion(self.version).label

    @property
    def previous_month(self) -> date:
        return add_months(self.month, -1)

    def period_label(self, period: str) -> str:
        if period == "month":
            return f"{self.month:%B %Y}"
        if period == "previous":
            return f"{self.previous_month:%B %Y}"
        return f"Financial year to date ({self.financial_year_start:%B %Y} to {self.month:%B %Y})"


PERIODS = ("month", "previous", "ytd")


def _report_period(month: date) -> tuple[date, date]:
    """The dates a monthly report reads: from the previous month or the financial year's start,
    whichever is earlier, to the end of the month."""
    return min(add_months(month, -1), financial_year_start(month)), month_end(month)


@dataclass
class ReportInputs:
    """What one ICB's report needs from the database, read once for one ICB or for every ICB."""

    counts: list[dict]
    windows: list[InForce]
    standards: dict[int, Standard]
    providers: dict[int, Organisation]


def report_inputs(*, icb: Organisation, month: date) -> ReportInputs:
    """What ``icb``'s report for ``month`` reads, in one count and five small queries. Read it once
    and pass it as ``inputs`` to make every version of the same report (the ICB's own, the newsletter,
    each provider's) without counting again; the inputs must be read after the concerns they count."""
    start, end = _report_period(month)
    windows = in_force_windows(icb=icb, start=start, end=end)
    counts = breach_counts_by_provider_standard_month(
        scope=Scope(icb=icb), start=start, end=end, windows=windows
    )
    standard_ids = {window.standard_id for window in windows} | {row["standard"] for row in counts}
    return ReportInputs(
        counts=counts,
        windows=windows,
        standards=Standard.objects.in_bulk(list(standard_ids)),
        providers=_providers({row["provider"] for row in counts}),
    )


def _report_counts(
    *, inputs: ReportInputs, month: date
) -> tuple[dict, list[Standard], dict[int, Organisation]]:
    """{period: {(provider id, standard id): count}} for the month, the previous month and the year to date."""
    fy_start = financial_year_start(month)
    previous = add_months(month, -1)
    periods: dict[str, dict] = {period: defaultdict(int) for period in PERIODS}
    for row in inputs.counts:
        key = (row["provider"], row["standard"])
        row_month = _as_date(row["month"])
        if row_month == month:
            periods["month"][key] += row["count"]
        if row_month == previous:
            periods["previous"][key] += row["count"]
        if fy_start <= row_month <= month:
            periods["ytd"][key] += row["count"]
    # Every standard in force at some time in the month has a column, whether or not it was breached.
    in_force_ids = {
        window.standard_id
        for window in inputs.windows
        if window.start <= month_end(month) and window.end >= month
    }
    counted_ids = {standard for table in periods.values() for _, standard in table}
    standards = sorted(
        (inputs.standards[pk] for pk in in_force_ids | counted_ids), key=lambda standard: standard.code
    )
    provider_ids = {provider for table in periods.values() for provider, _ in table}
    providers = {pk: inputs.providers[pk] for pk in provider_ids}
    return periods, standards, providers


def monthly_report(
    *,
    icb: Organisation,
    month: date,
    version: str,
    provider: Organisation | None = None,
    inputs: ReportInputs | None = None,
) -> MonthlyReportData:
    """The monthly breach report for ``icb`` and ``month`` in one version: ``icb`` (exact numbers, for
    the ICB only), ``newsletter`` (every provider, small numbers suppressed) or ``provider`` (one
    provider's rows beside the ICB totals, suppressed exactly as in the newsletter, so that reading
    two versions together reveals nothing either hides). ``inputs``, from ``report_inputs`` or
    ``monthly_reports_for_month``, save counting again for another version of the same report."""
    if inputs is None:
        inputs = report_inputs(icb=icb, month=month)
    periods, standards, providers = _report_counts(inputs=inputs, month=month)
    if provider is not None and provider.pk not in providers:
        providers[provider.pk] = provider
    ordered = sorted(providers.values(), key=lambda organisation: organisation.name)
    suppressed = version != ReportVersion.ICB
    tables: dict[str, Table] = {}
    for period in PERIODS:
        values = [[periods[period].get((p.pk, s.pk), 0) for s in standards] for p in ordered]
        forced = set()
        if suppressed and period == "ytd":
            # The year to date less the months shown would give back a hidden month: hide it too.
            for source in ("month", "previous"):
                forced |= tables[source].hidden_positions()
        table = Table(
            row_labels=[p.display_name for p in ordered],
            row_keys=[p.ods_code for p in ordered],
            column_labels=[s.code for s in standards],
            values=values,
        )
        tables[period] = suppress_table(table, forced=forced) if suppressed else table
    if provider is not None:
        tables = {period: table.only_row(provider.ods_code) for period, table in tables.items()}
    rates = _rates(icb=icb, month=month, providers=ordered, month_table=tables["month"], provider=provider)
    data = MonthlyReportData(
        icb=icb,
        month=month,
        version=version,
        provider=provider,
        financial_year_start=financial_year_start(month),
        standards=standards,
        tables=tables,
        rates=rates,
        generated_at=timezone.now(),
    )
    _add_themes(data, provider_ids=[provider.pk] if provider is not None else None)
    return data


def report_inputs_for_month(*, icbs: list[Organisation], month: date) -> dict[int, ReportInputs]:
    """``report_inputs`` for every ICB in ``icbs``, keyed by ICB id, from one pass over the period's
    breach events and one read of the standards in force, the standards and the providers for all."""
    start, end = _report_period(month)
    windows = in_force_windows_for(list(icbs), start=start, end=end)
    counts = breach_counts_by_icb(icbs=list(icbs), start=start, end=end, windows=windows)
    standard_ids = {window.standard_id for found in windows.values() for window in found}
    standard_ids |= {row["standard"] for rows in counts.values() for row in rows}
    standards = Standard.objects.in_bulk(list(standard_ids))
    providers = _providers({row["provider"] for rows in counts.values() for row in rows})
    return {
        icb.pk: ReportInputs(
            counts=counts[icb.pk], windows=windows[icb.pk], standards=standards, providers=providers
        )
        for icb in icbs
    }


def monthly_reports_for_month(
    *, icbs: list[Organisation], month: date, version: str
) -> Iterator[MonthlyReportData]:
    """Every ICB's report for ``month`` in one ``version`` (the national month), each exactly what
    ``monthly_report`` gives for that ICB alone, from ``report_inputs_for_month``."""
    inputs = report_inputs_for_month(icbs=icbs, month=month)
    for icb in icbs:
        yield monthly_report(icb=icb, month=month, version=version, inputs=inputs[icb.pk])


def _rates(*, icb, month, providers, month_table: Table, provider) -> list[RateRow]:
    figures = ActivityFigure.objects.filter(month=month, provider__in=[provider] if provider else providers)
    totals = {
        key: total for key, total in zip(month_table.row_keys, month_table.row_total_cells(), strict=True)
    }
    rows = []
    for figure in figures.select_related("provider").order_by("provider__name", "measure"):
        total = totals.get(figure.provider.ods_code)
        if total is None:
            total = Table.cell_for(0)
        if total.hidden or not figure.count:
            if total.hidden:
                rate = "<5 breaches" if total.value < 5 else "hidden (it would reveal a small number)"
            else:
                rate = "–"
        else:
            rate = f"{1000 * total.value / figure.count:.2f}"
        rows.append(
            RateRow(
                provider=figure.provider,
                measure=figure.measure,
                activity=figure.count,
                breaches=total.shown,
                rate=rate,
            )
        )
    return rows


def _add_themes(data: MonthlyReportData, *, provider_ids: list[int] | None) -> None:
    """Top themes and "you said, we did" actions from the themes app, when it provides them."""
    from liaison.themes import selectors as themes_selectors

    summary = getattr(themes_selectors, "themes_summary", None)
    actions = getattr(themes_selectors, "actions_for_report", None)
    start, end = data.month, month_end(data.month)
    if summary is not None:
        data.themes = list(
            summary(icb_id=data.icb.pk, provider_ids=provider_ids, start=start, end=end, limit=10)
        )
        data.themes_available = True
    if actions is not None:
        data.actions = list(actions(icb_id=data.icb.pk, provider_ids=provider_ids, start=start, end=end))


def themes_for_dashboard(*, scope: Scope, start: date, end: date) -> tuple[bool, list]:
    from liaison.themes import selectors as themes_selectors

    summary = getattr(themes_selectors, "themes_summary", None)
    if summary is None or scope.icb is None:
        return False, []
    return True, list(
        summary(
            icb_id=scope.icb.pk,
            provider_ids=None,
            concerns=theme_concerns_condition(scope, prefix="memberships__concern__"),
            start=start,
            end=end,
            limit=10,
        )
    )


def theme_concerns_condition(scope: Scope, *, prefix: str) -> Q | None:
    """Which of a theme's concerns a dashboard counts: with a provider (and its sites) or a Place
    chosen, the same concerns as the rest of the dashboard; for the whole ICB, all of its themes'."""
    if scope.provider is None and scope.place is None:
        return None
    return scope.condition(prefix=prefix)


# --- Who may read which report, the archive and subscriptions -----------------------------------


def report_versions_for(membership: Membership | None) -> list[str]:
    """ICB analysts read every version; anyone else in the ICB the newsletter; a provider's responders
    and interface leads their own provider version too."""
    if membership is None or membership.icb is None:
        return []
    if has_permission(membership, "reports.view_internal"):
        return [ReportVersion.ICB, ReportVersion.NEWSLETTER, ReportVersion.PROVIDER]
    if has_permission(membership, "reports.view_dashboard"):
        return [ReportVersion.NEWSLETTER, ReportVersion.PROVIDER]
    return [ReportVersion.NEWSLETTER]


def archive_for(membership: Membership | None) -> QuerySet[MonthlyReport]:
    """Issued reports this membership may open, newest month first."""
    versions = report_versions_for(membership)
    if not versions:
        return MonthlyReport.objects.none()
    reports = MonthlyReport.objects.filter(icb=membership.icb, version__in=versions)
    if not has_permission(membership, "reports.view_internal"):
        reports = reports.filter(Q(provider__isnull=True) | Q(provider=membership.organisation))
    return reports.select_related("icb", "provider").order_by("-month", "version", "provider__name")


def archived_report_for(membership: Membership | None, pk) -> MonthlyReport | None:
    if not str(pk).isdigit():
        return None
    return archive_for(membership).filter(pk=pk).prefetch_related("rows").first()


def subscriptions_for(*, icb: Organisation, audience: str, provider: Organisation | None = None):
    subscriptions = ReportSubscription.objects.filter(icb=icb, audience=audience, is_active=True)
    if provider is not None:
        subscriptions = subscriptions.filter(organisation=provider)
    return subscriptions.select_related("organisation")


def icbs_with_concerns() -> QuerySet[Organisation]:
    """ICBs that have concerns about their providers: the monthly job issues a report for each.

    One index probe per ICB (concern_icb_submitted starts with about_icb), rather than a DISTINCT
    over every concern: 42 probes, not a million rows."""
    has_concerns = Exists(Concern.objects.filter(about_icb=OuterRef("pk")))
    return Organisation.objects.filter(has_concerns, org_type=OrganisationType.ICB).order_by("ods_code")


def activity_for(membership: Membership | None) -> QuerySet[ActivityFigure]:
    if not has_permission(membership, "reports.manage_activity"):
        return ActivityFigure.objects.none()
    return (
        ActivityFigure.objects.filter(provider__icb=membership.organisation)
        .select_related("provider")
        .order_by("-month", "provider__name", "measure")
    )
