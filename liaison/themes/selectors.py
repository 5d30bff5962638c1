"""Reads for the themes app: the standards suggestions are drawn from, the themes a membership may
see, and the summaries the reports and dashboards read (counts and actions, never concern text)."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.urls import reverse

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission, is_icb_wide, organisation_scope
from liaison.concerns.models import Concern, ConcernOutcome
from liaison.directory.models import OrganisationType
from liaison.standards import selectors as standards_selectors
from liaison.standards.baseline import BASELINE
from liaison.standards.selectors import CodeOfConductInForce
from liaison.themes.models import (
    ActionStatus,
    Theme,
    ThemeAction,
    ThemeActionProgress,
    ThemeBuild,
    ThemeMembership,
    ThemeStatus,
)

THEME_NOT_FOUND = "There is no theme with that number that you can see."


def code_of_conduct_for_membership(
    *, membership: Membership | None, day: date
) -> CodeOfConductInForce | None:
    """The Code in force for the membership's ICB on ``day``; None (the national baseline) without one."""
    if membership is None:
        return None
    organisation = membership.organisation
    icb = organisation if organisation.org_type == OrganisationType.ICB else organisation.icb
    if icb is None:
        return None
    in_force = standards_selectors.code_of_conduct_for(icb=icb, day=day)
    # Without a Code of its own the ICB uses the national baseline: the suggester's default.
    return None if in_force.is_national_baseline else in_force


def standard_titles(*, code_of_conduct: CodeOfConductInForce | None) -> dict[str, str]:
    """Each standard's title by code, as the Code words it (or the national baseline)."""
    if code_of_conduct is None:
        return {standard.code: standard.title for standard in BASELINE}
    return {item.code: item.title for item in code_of_conduct.standards}


# --- Themes: what the reports and dashboards read ----------------------------------------------
#
# These return counts, labels and actions only: never a concern's text or patient reference.


@dataclass(frozen=True)
class ThemeSummary:
    id: int
    label: str
    concern_count: int
    rising: bool
    url: str


@dataclass(frozen=True)
class ThemeActionSummary:
    theme_label: str
    action: str
    owner_organisation_name: str
    status: str
    latest_progress: str
    updated_at: datetime


def counted_concerns() -> QuerySet[Concern]:
    """Concerns that count towards a theme: a concern merged as a duplicate of another is counted once,
    through the concern it was merged into."""
    return Concern.objects.exclude(outcome=ConcernOutcome.DUPLICATE)


def _member_filter(*, provider_ids: list[int] | None, start: date, end: date, concerns: Q | None = None) -> Q:
    condition = Q(
        memberships__concern__event_date__gte=start,
        memberships__concern__event_date__lte=end,
    ) & ~Q(memberships__concern__outcome=ConcernOutcome.DUPLICATE)
    if provider_ids is not None:
        condition &= Q(memberships__concern__about_organisation_id__in=provider_ids)
    if concerns is not None:
        condition &= concerns
    return condition


def themes_summary(
    *,
    icb_id: int | None,
    provider_ids: list[int] | None,
    start: date,
    end: date,
    limit: int = 10,
    concerns: Q | None = None,
) -> list[ThemeSummary]:
    """The themes with most concerns whose event date is in [start, end], restricted to concerns about
    ``provider_ids`` (when given), to concerns meeting ``concerns`` (a condition on
    ``memberships__concern__``, when given) and to themes of the ICB ``icb_id`` (when given); most first."""
    condition = _member_filter(provider_ids=provider_ids, start=start, end=end, concerns=concerns)
    themes = Theme.objects.filter(status=ThemeStatus.ACTIVE)
    if icb_id is not None:
        themes = themes.filter(icb_id=icb_id)
    rows = (
        themes.annotate(concern_count=Count("memberships__concern", filter=condition, distinct=True))
        .filter(concern_count__gt=0)
        .order_by("-concern_count", "label", "id")
        .values("id", "label", "concern_count", "rising")[:limit]
    )
    return [
        ThemeSummary(
            id=row["id"],
            label=row["label"],
            concern_count=row["concern_count"],
            rising=row["rising"],
            url=reverse("themes:detail", args=[row["id"]]),
        )
        for row in rows
    ]


def actions_for_report(
    *, icb_id: int | None, provider_ids: list[int] | None, start: date, end: date
) -> list[ThemeActionSummary]:
    """ "You said, we did": actions on the themes that concerns about these providers (in this ICB)
    belong to, or owned by these providers, that were open at some time in [start, end]; with the
    latest progress recorded by ``end``."""
    actions = ThemeAction.objects.filter(theme__status=ThemeStatus.ACTIVE, created_at__date__lte=end)
    # Finished before the period began: not this period's news.
    actions = actions.exclude(
        Q(status__in=[ActionStatus.DONE, ActionStatus.STOPPED]) & Q(updated_at__date__lt=start)
    )
    if icb_id is not None:
        actions = actions.filter(theme__icb_id=icb_id)
    if provider_ids is not None:
        involved = ThemeMembership.objects.filter(
            theme=OuterRef("theme"), concern__about_organisation_id__in=provider_ids
        )
        actions = actions.filter(Q(owner_organisation_id__in=provider_ids) | Q(Exists(involved)))
    latest = (
        ThemeActionProgress.objects.filter(action=OuterRef("pk"), recorded_on__lte=end)
        .order_by("-recorded_on", "-id")
        .values("note")[:1]
    )
    rows = (
        actions.annotate(latest_progress=Subquery(latest))
        .select_related("theme", "owner_organisation")
        .order_by("theme__label", "created_at", "id")
    )
    return [
        ThemeActionSummary(
            theme_label=action.theme.label,
            action=action.action,
            owner_organisation_name=action.owner_organisation.display_name
            if action.owner_organisation
            else "",
            status=action.get_status_display(),
            latest_progress=action.latest_progress or "",
            updated_at=action.updated_at,
        )
        for action in rows
    ]


# --- Themes a membership may see ---------------------------------------------------------------


def concern_scope_for_themes(membership: Membership | None) -> Q | None:
    """The concerns whose numbers a membership sees on theme pages, as a condition on ``Concern``:
    ICB-wide roles every concern in their ICB, a provider the concerns about it (and its sites).
    None: nothing."""
    if membership is None or not has_permission(membership, "themes.view"):
        return None
    if is_icb_wide(membership) or membership.organisation.org_type == OrganisationType.ICB:
        return Q(about_icb=membership.organisation)
    return Q(about_organisation__in=organisation_scope(membership))


def themes_visible_to(membership: Membership | None) -> QuerySet[Theme]:
    """Themes this membership may see: its ICB's for the ICB team; for a provider, the active themes
    with a concern about it. Never another ICB's."""
    condition = concern_scope_for_themes(membership)
    if condition is None:
        return Theme.objects.none()
    icb = membership.organisation if membership.organisation.org_type == OrganisationType.ICB else None
    if icb is not None:
        return Theme.objects.filter(icb=icb)
    involved = ThemeMembership.objects.filter(
        theme=OuterRef("pk"), concern__in=Concern.objects.filter(condition)
    )
    return Theme.objects.filter(Exists(involved), status=ThemeStatus.ACTIVE, icb=membership.organisation.icb)


def theme_for(membership: Membership | None, theme_id) -> Theme:
    """One theme this membership may see, or 404. A merged theme is still found (it says where it went)."""
    try:
        pk = int(theme_id)
    except (TypeError, ValueError):
        raise Http404(THEME_NOT_FOUND) from None
    theme = themes_visible_to(membership).select_related("owner", "merged_into", "icb").filter(pk=pk).first()
    if theme is None:
        raise Http404(THEME_NOT_FOUND)
    return theme


# --- What the themes pages show -----------------------------------------------------------------

TREND_WEEKS = 16  # the rising test's four weeks and the twelve before


def _week_starts(today: date, weeks: int) -> list[date]:
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


@dataclass(frozen=True)
class TrendPoint:
    start: date
    count: int


@dataclass(frozen=True)
class ThemeRow:
    theme: Theme
    concern_count: int
    trend: list[TrendPoint]

    @property
    def trend_max(self) -> int:
        return max((point.count for point in self.trend), default=0)


def _scoped_members(membership: Membership | None, themes) -> QuerySet[ThemeMembership]:
    condition = concern_scope_for_themes(membership)
    if condition is None:
        return ThemeMembership.objects.none()
    concerns = counted_concerns().filter(condition)
    return ThemeMembership.objects.filter(theme__in=themes, concern__in=concerns)


def weekly_trend(members: QuerySet[ThemeMembership], *, today: date, weeks: int = TREND_WEEKS) -> dict:
    """Concerns per week (by event date), per theme: {theme_id: [TrendPoint…]}."""
    starts = _week_starts(today, weeks)
    counts: dict[int, Counter] = defaultdict(Counter)
    rows = members.filter(concern__event_date__gte=starts[0], concern__event_date__lte=today).values_list(
        "theme_id", "concern__event_date"
    )
    for theme_id, event_date in rows:
        counts[theme_id][event_date - timedelta(days=event_date.weekday())] += 1
    return {
        theme_id: [TrendPoint(start=start, count=found[start]) for start in starts]
        for theme_id, found in counts.items()
    }


def theme_rows(
    membership: Membership | None,
    *,
    today: date,
    status: str = ThemeStatus.ACTIVE,
    rising_only: bool = False,
    search: str = "",
    organisation_id: int | None = None,
) -> list[ThemeRow]:
    """The themes list: each visible theme with the concerns the viewer may count, and its weekly trend."""
    themes = themes_visible_to(membership).filter(status=status or ThemeStatus.ACTIVE).select_related("owner")
    if rising_only:
        themes = themes.filter(rising=True)
    if search.strip():
        themes = themes.filter(label__icontains=search.strip())
    members = _scoped_members(membership, themes)
    if organisation_id:
        members = members.filter(concern__about_organisation_id=organisation_id)
        themes = themes.filter(pk__in=members.values("theme_id"))
    counts = Counter(members.values_list("theme_id", flat=True))
    trends = weekly_trend(members, today=today)
    empty = [TrendPoint(start=start, count=0) for start in _week_starts(today, TREND_WEEKS)]
    rows = [
        ThemeRow(theme=theme, concern_count=counts[theme.pk], trend=trends.get(theme.pk, empty))
        for theme in themes
    ]
    rows.sort(
        key=lambda row: (not row.theme.pinned, not row.theme.rising, -row.concern_count, row.theme.label)
    )
    return rows


def organisations_in_themes(membership: Membership | None) -> list[tuple[int, str]]:
    """The organisations the viewer's visible themes are about, for the list's filter."""
    members = _scoped_members(membership, themes_visible_to(membership).filter(status=ThemeStatus.ACTIVE))
    ids = set(members.values_list("concern__about_organisation_id", flat=True))
    from liaison.directory.models import Organisation

    return sorted(
        ((org.pk, org.display_name) for org in Organisation.objects.filter(pk__in=ids)),
        key=lambda item: item[1],
    )


@dataclass(frozen=True)
class ThemeDetail:
    theme: Theme
    concern_count: int
    trend: list[TrendPoint]
    monthly: list[tuple[date, int]]
    organisations: list[tuple[str, int]]
    standards: list[tuple[str, str, int]]
    aspects: list[tuple[str, int]]
    concerns: list  # Concern objects the viewer may open, newest first
    actions: list
    events: list
    can_curate: bool

    @property
    def trend_max(self) -> int:
        return max((point.count for point in self.trend), default=0)


def theme_detail(
    membership: Membership | None, theme: Theme, *, today: date, concern_limit: int = 200
) -> ThemeDetail:
    """Everything the theme page shows, counted over the concerns the viewer may count; the concerns
    listed are only those ``liaison.concerns.selectors`` lets the viewer open."""
    from liaison.concerns.models import AspectOfCare, ConcernStandard
    from liaison.concerns.selectors import concerns_visible_to

    members = _scoped_members(membership, [theme])
    concern_ids = members.values("concern_id")
    trend = weekly_trend(members, today=today).get(
        theme.pk, [TrendPoint(start=start, count=0) for start in _week_starts(today, TREND_WEEKS)]
    )
    first_month = date(today.year - 1, today.month, 1)
    months = []
    cursor = first_month
    while cursor <= today:
        months.append(cursor)
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    monthly = Counter(
        date(d.year, d.month, 1)
        for d in members.filter(concern__event_date__gte=first_month).values_list(
            "concern__event_date", flat=True
        )
    )
    by_org = Counter(members.values_list("concern__about_organisation__name", flat=True))
    from liaison.directory.models import Organisation

    organisations = sorted(
        ((Organisation(name=name).display_name, count) for name, count in by_org.items()),
        key=lambda i: (-i[1], i[0]),
    )
    standards = Counter(
        ConcernStandard.objects.filter(concern_id__in=concern_ids).values_list(
            "standard__code", "standard__title"
        )
    )
    aspects = Counter(
        members.exclude(concern__aspect_of_care="").values_list("concern__aspect_of_care", flat=True)
    )
    aspect_labels = dict(AspectOfCare.choices)
    concerns = list(
        concerns_visible_to(membership)
        .filter(pk__in=concern_ids)
        .order_by("-event_date", "-id")[:concern_limit]
    )
    actions = list(
        theme.actions.select_related("owner_organisation")
        .prefetch_related("progress")
        .order_by("created_at", "id")
    )
    return ThemeDetail(
        theme=theme,
        concern_count=members.count(),
        trend=trend,
        monthly=[(month, monthly[month]) for month in months],
        organisations=organisations,
        standards=sorted(
            ((code, title, n) for (code, title), n in standards.items()), key=lambda i: (-i[2], i[0])
        ),
        aspects=sorted(
            ((aspect_labels.get(a, a), n) for a, n in aspects.items()), key=lambda i: (-i[1], i[0])
        ),
        concerns=concerns,
        actions=actions,
        events=list(theme.events.select_related("actor").order_by("-occurred_at", "-id")[:50]),
        can_curate=has_permission(membership, "themes.curate", theme),
    )


def themes_to_merge_with(membership: Membership | None, theme: Theme) -> QuerySet[Theme]:
    """Other active themes of the same ICB this membership may merge into ``theme``."""
    if not has_permission(membership, "themes.curate", theme):
        return Theme.objects.none()
    return themes_visible_to(membership).filter(status=ThemeStatus.ACTIVE, icb=theme.icb).exclude(pk=theme.pk)


def theme_members_for_split(membership: Membership | None, theme: Theme) -> list:
    """The theme's concerns an analyst may move out, as concerns they may open."""
    from liaison.concerns.selectors import concerns_visible_to

    if not has_permission(membership, "themes.curate", theme):
        return []
    ids = theme.memberships.values("concern_id")
    return list(concerns_visible_to(membership).filter(pk__in=ids).order_by("-event_date", "-id"))


def theme_action_for(membership: Membership | None, theme: Theme, action_id) -> ThemeAction:
    action = (
        theme.actions.filter(pk=action_id).select_related("theme").first()
        if str(action_id).isdigit()
        else None
    )
    if action is None:
        raise Http404("There is no such action on this theme.")
    return action


def latest_build(membership: Membership | None):
    """The latest rebuild of the viewer's ICB's themes, for the progress panel (ICB team only)."""
    if not has_permission(membership, "themes.curate"):
        return None
    return ThemeBuild.objects.filter(icb=membership.organisation).first()


def build_for(membership: Membership | None, build_id) -> ThemeBuild:
    build = None
    if has_permission(membership, "themes.curate") and str(build_id).isdigit():
        build = ThemeBuild.objects.filter(icb=membership.organisation, pk=int(build_id)).first()
    if build is None:
        raise Http404("There is no such rebuild.")
    return build


def organisations_for_actions(theme: Theme) -> list[tuple[int, str]]:
    """Organisations an action on ``theme`` can be owned by: the ICB and the organisations its concerns are about."""
    from liaison.directory.models import Organisation

    ids = set(theme.memberships.values_list("concern__about_organisation_id", flat=True)) | {theme.icb_id}
    return sorted(
        ((org.pk, org.display_name) for org in Organisation.objects.filter(pk__in=ids)),
        key=lambda item: item[1],
    )


def rising_rows(membership: Membership | None, theme: Theme) -> list[tuple[str, dict]]:
    """The rising test's evidence rows the viewer may see: the whole theme and every provider for the
    ICB team; a provider sees only its own row(s)."""
    evidence = theme.rising_evidence or {}
    if not evidence.get("theme") or concern_scope_for_themes(membership) is None:
        return []
    providers = evidence.get("providers", [])
    if membership.organisation.org_type == OrganisationType.ICB:
        return [("Whole theme", evidence["theme"])] + [(row["organisation"], row) for row in providers]
    own = set(organisation_scope(membership).values_list("pk", flat=True))
    return [(row["organisation"], row) for row in providers if row["organisation_id"] in own]


def theme_owner_candidates(*, icb):
    """People who may own a theme: the ICB's analysts and interface leads."""
    from liaison.accounts.models import Role

    return (
        Membership.objects.filter(
            organisation=icb,
            role__in=[Role.ICB_ANALYST, Role.INTERFACE_LEAD],
            is_active=True,
            user__is_active=True,
        )
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__username")
    )
