"""Drill-downs from the dashboard's theme counts and NHS 111 scorecard numbers to what they count.

A theme's count on the dashboard is ``liaison.themes.selectors.themes_summary``: the distinct concerns
placed in the theme whose event date is in the period, duplicates excluded, about the provider when
the dashboard is a provider's. ``theme_drilldown`` selects exactly those concerns, then lists them
through ``concerns_visible_to`` like every other drill-down.

The 111 scorecard counts messages received for the ICB in a month, rejections, and messages accepted
with Required sections missing (``liaison.nhs111.selectors.scorecard_for``). Who may see them follows
nhs111's own rules: the scorecard is for the ICB team (``nhs111.view_scorecard``), who never read a
practice's messages. So the list shows each counted message by when it arrived, where it went and
what it missed, never the patient; a message opens only where ``message_for`` lets this person open
it (the ICB's unregistered-patient queue).
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import QuerySet
from django.urls import reverse

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission
from liaison.concerns.models import ConcernOutcome
from liaison.concerns.selectors import concerns_visible_to
from liaison.directory.models import Organisation
from liaison.nhs111.models import IntakeRejection, MessageIssue, ReceivedMessage
from liaison.nhs111.selectors import messages_visible_to
from liaison.reports import selectors
from liaison.reports.scorecard import month_bounds
from liaison.themes.models import Theme, ThemeMembership, ThemeStatus

# --- Themes ---------------------------------------------------------------------------------------


def theme_drilldown(
    membership: Membership | None, *, theme_id, start: date, end: date, place_id=None
) -> selectors.DrillDown | None:
    """The concerns one theme's dashboard count counted (see the module docstring); None when this
    membership has no dashboard or the theme is not one its dashboard shows."""
    scope = selectors.scope_for(membership, place_id=place_id)
    if scope is None or scope.icb is None or not str(theme_id or "").isdigit():
        return None
    theme = Theme.objects.filter(pk=theme_id, icb=scope.icb, status=ThemeStatus.ACTIVE).first()
    if theme is None:
        return None
    members = ThemeMembership.objects.filter(
        theme=theme, concern__event_date__gte=start, concern__event_date__lte=end
    ).exclude(concern__outcome=ConcernOutcome.DUPLICATE)
    condition = selectors.theme_concerns_condition(scope, prefix="concern__")
    if condition is not None:
        members = members.filter(condition)
    counted = dict.fromkeys(members.values_list("concern_id", flat=True), 1)
    return selectors.DrillDown(
        title=f"Theme: {theme.label}",
        concerns=concerns_visible_to(membership).filter(pk__in=list(counted)),
        counted=counted,
        total=len(counted),
        unit="concerns",
    )


# --- NHS 111 messages -------------------------------------------------------------------------------

NHS111_MEASURES = {
    "received": "messages received",
    "required_missing": "messages accepted with Required sections missing",
    "rejected": "messages rejected",
}


@dataclass
class MessageRow:
    """One counted message, without its patient: when, from whom, where it went, what it missed."""

    at: datetime
    sender: str
    purpose: str
    destination: str
    sections: list[str]
    minutes: float | None
    href: str


@dataclass
class Nhs111DrillDown:
    title: str
    month: date
    measure: str
    unit: str
    rows: list[MessageRow]

    @property
    def total(self) -> int:
        return len(self.rows)


def may_drill_into_111(membership: Membership | None) -> bool:
    """The dashboard's readers who also read the 111 scorecard: the ICB's analysts."""
    return has_permission(membership, "reports.view_dashboard") and has_permission(
        membership, "nhs111.view_scorecard"
    )


def _received_rows(
    membership, messages: QuerySet[ReceivedMessage], *, only_missing: bool
) -> list[MessageRow]:
    """Each message, or only those missing a Required section (the scorecard's test: a non-empty list)."""
    openable = set(
        messages_visible_to(membership).filter(pk__in=messages.values("pk")).values_list("pk", flat=True)
    )
    rows = []
    for message in messages.select_related("sender", "practice").order_by("received_at", "pk"):
        if only_missing and not message.sections_missing:
            continue
        minutes = None
        if message.contact_started_at and message.received_at >= message.contact_started_at:
            minutes = round((message.received_at - message.contact_started_at).total_seconds() / 60, 1)
        rows.append(
            MessageRow(
                at=message.received_at,
                sender=message.sender.display_name if message.sender else message.sender_ods,
                purpose=message.get_purpose_display(),
                destination=message.practice.display_name
                if message.practice
                else message.get_queue_display(),
                sections=list(message.sections_missing),
                minutes=minutes,
                href=reverse("nhs111:message_detail", args=[message.pk]) if message.pk in openable else "",
            )
        )
    return rows


def _rejected_rows(rejections: QuerySet[IntakeRejection]) -> list[MessageRow]:
    rejections = list(rejections.select_related("sender").order_by("rejected_at", "pk"))
    problems: dict[int, list[str]] = {}
    for rejection_id, section, expression in (
        MessageIssue.objects.filter(rejection__in=rejections, severity="error")
        .order_by("pk")
        .values_list("rejection_id", "section", "expression")
    ):
        problems.setdefault(rejection_id, []).append(section or expression)
    return [
        MessageRow(
            at=rejection.rejected_at,
            sender=rejection.sender.display_name if rejection.sender else rejection.sender_ods,
            purpose="",
            destination="Rejected: not stored",
            sections=problems.get(rejection.pk, []),
            minutes=None,
            href="",
        )
        for rejection in rejections
    ]


def nhs111_drilldown(
    membership: Membership | None, *, measure: str, month: date, sender_ods: str = ""
) -> Nhs111DrillDown | None:
    """The messages one 111 scorecard number counted for the membership's ICB in ``month``: the same
    conditions as ``scorecard_for``, listed instead of counted. None when not allowed or not a number."""
    if not may_drill_into_111(membership) or measure not in NHS111_MEASURES:
        return None
    icb = membership.organisation
    start, end = month_bounds(month)
    sender = None
    if sender_ods:
        sender = Organisation.objects.filter(ods_code__iexact=sender_ods).first()
        if sender is None:
            return None
    if measure == "rejected":
        rejections = IntakeRejection.objects.filter(icb=icb, rejected_at__gte=start, rejected_at__lt=end)
        if sender is not None:
            rejections = rejections.filter(sender=sender)
        rows = _rejected_rows(rejections)
    else:
        messages = ReceivedMessage.objects.filter(icb=icb, received_at__gte=start, received_at__lt=end)
        if sender is not None:
            messages = messages.filter(sender=sender)
        rows = _received_rows(membership, messages, only_missing=measure == "required_missing")
    title = NHS111_MEASURES[measure].capitalize()
    if sender is not None:
        title += f" from {sender.display_name}"
    return Nhs111DrillDown(
        title=title, month=month, measure=measure, unit=NHS111_MEASURES[measure], rows=rows
    )
