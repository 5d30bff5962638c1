"""Reads for the themes app: the standards suggestions are drawn from, the themes a membership may
see, and the summaries the reports and dashboards read (counts and actions, never concern text)."""

from dataclasses import dataclass
from datetime import date, datetime

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


def _member_filter(*, provider_ids: list[int] | None, start: date, end: date) -> Q:
    condition = Q(
        memberships__concern__event_date__gte=start,
        memberships__concern__event_date__lte=end,
    ) & ~Q(memberships__concern__outcome=ConcernOutcome.DUPLICATE)
    if provider_ids is not None:
        condition &= Q(memberships__concern__about_organisation_id__in=provider_ids)
    return condition


def themes_summary(
    *,
    icb_id: int | None,
    provider_ids: list[int] | None,
    start: date,
    end: date,
    limit: int = 10,
) -> list[ThemeSummary]:
    """The themes with most concerns whose event date is in [start, end], restricted to concerns about
    ``provider_ids`` (when given) and to themes of the ICB ``icb_id`` (when given); most first."""
    condition = _member_filter(provider_ids=provider_ids, start=start, end=end)
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
