"""The home page's "needs you" list: for the signed-in role, what is waiting and where to act on it.

Each line is a count with a link to the page that lists exactly those items, built only from the
selectors those pages use, so the home page never shows more than the person may see. A line appears
only for a role that has the page's permission; counts of zero are shown too ("nothing overdue" is
worth knowing). Counts only: no patient reference, no free text.
"""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission, is_icb_wide


@dataclass(frozen=True)
class Waiting:
    """One line of the home page: ``count`` things, said as ``label``, listed at ``href``."""

    count: int
    plural: str  # what follows the count for any number but one ("concerns are ...")
    href: str
    urgent: bool = False  # overdue or past due: shown with a "Overdue" tag, never by colour alone
    singular: str = ""  # what follows a count of one ("concern is ..."), when it differs

    @property
    def label(self) -> str:
        return self.singular if self.count == 1 and self.singular else self.plural


OVERDUE, OVERDUE_ONE = "of them are overdue", "of them is overdue"


def _href(name: str, **query) -> str:
    return reverse(name) + (f"?{urlencode(query)}" if query else "")


def _concerns_reported(membership: Membership) -> list[Waiting]:
    from liaison.concerns import selectors
    from liaison.concerns.models import ConcernStatus

    responded = selectors.concern_list(membership, status=ConcernStatus.RESPONDED, direction="reported")
    open_ = selectors.concern_list(membership, status="open", direction="reported")
    drafts = selectors.drafts_for(membership)
    lines = [
        Waiting(
            responded.count(),
            "concerns your organisation reported have a response (read it, rate it, or reopen the concern)",
            _href("concerns:concern_list", direction="reported", status=ConcernStatus.RESPONDED),
            singular="concern your organisation reported has a response (read it, rate it, or reopen the concern)",
        ),
        Waiting(
            open_.count(),
            "concerns your organisation reported are still open",
            _href("concerns:concern_list", direction="reported", status="open"),
            singular="concern your organisation reported is still open",
        ),
    ]
    if has_permission(membership, "concerns.report"):
        lines.append(
            Waiting(
                drafts.count(),
                "of your reports are saved as drafts",
                _href("concerns:draft_list"),
                singular="of your reports is saved as a draft",
            )
        )
    return lines


def _inbox(membership: Membership) -> list[Waiting]:
    from liaison.routing import selectors

    open_ = selectors.inbox_for(membership, scope="organisation", state="open")
    overdue = selectors.overdue_only(open_).count()
    return [
        Waiting(
            open_.count(),
            "open concerns are in your organisation's inbox",
            _href("routing:inbox"),
            singular="open concern is in your organisation's inbox",
        ),
        Waiting(overdue, OVERDUE, _href("routing:inbox"), urgent=bool(overdue), singular=OVERDUE_ONE),
    ]


def _icb_queue(membership: Membership) -> list[Waiting]:
    from liaison.routing import selectors

    open_ = selectors.icb_queue(membership, selectors.IcbFilters())
    overdue = selectors.icb_queue(membership, selectors.IcbFilters(overdue=True)).count()
    return [
        Waiting(
            open_.count(),
            "concerns are open across the ICB",
            _href("routing:icb_queue"),
            singular="concern is open across the ICB",
        ),
        Waiting(
            overdue,
            OVERDUE,
            _href("routing:icb_queue", overdue="1"),
            urgent=bool(overdue),
            singular=OVERDUE_ONE,
        ),
    ]


def _messages_111(membership: Membership) -> list[Waiting]:
    from liaison.nhs111.models import MessageStatus, Purpose
    from liaison.nhs111.selectors import messages_visible_to

    waiting = messages_visible_to(membership).exclude(status=MessageStatus.COMPLETED)
    if has_permission(membership, "nhs111.view_inbox"):
        href = _href("nhs111:inbox")
    else:
        href = _href("nhs111:unregistered")
    actions = waiting.filter(purpose=Purpose.FOR_ACTION)
    past_due = actions.filter(due_by__lt=timezone.now()).count()
    return [
        Waiting(
            actions.count(),
            "NHS 111 messages are waiting FOR ACTION",
            href,
            singular="NHS 111 message is waiting FOR ACTION",
        ),
        Waiting(
            past_due,
            "of them are past their contact-by time",
            href,
            urgent=bool(past_due),
            singular="of them is past its contact-by time",
        ),
        Waiting(
            waiting.filter(purpose=Purpose.FOR_INFORMATION).count(),
            "NHS 111 messages are waiting FOR INFORMATION",
            href,
            singular="NHS 111 message is waiting FOR INFORMATION",
        ),
    ]


def _themes(membership: Membership) -> list[Waiting]:
    from liaison.themes.models import ThemeStatus
    from liaison.themes.selectors import themes_visible_to

    rising = themes_visible_to(membership).filter(status=ThemeStatus.ACTIVE, rising=True).count()
    return [
        Waiting(rising, "themes are rising", _href("themes:list", rising="yes"), singular="theme is rising")
    ]


def waiting_for(membership: Membership | None) -> list[tuple[str, list[Waiting]]]:
    """The home page's groups of lines for this membership, most pressing work first."""
    if membership is None:
        return []
    groups: list[tuple[str, list[Waiting]]] = []
    if has_permission(membership, "nhs111.view_inbox"):
        groups.append(("NHS 111 messages for your practice", _messages_111(membership)))
    elif has_permission(membership, "nhs111.view_unregistered"):
        groups.append(
            ("NHS 111 messages for patients with no registered practice", _messages_111(membership))
        )
    if has_permission(membership, "routing.view_inbox"):
        groups.append(("Concerns about your organisation", _inbox(membership)))
    if has_permission(membership, "routing.view_icb_queue"):
        groups.append(("Concerns across the ICB", _icb_queue(membership)))
    if has_permission(membership, "themes.view"):
        groups.append(("Themes", _themes(membership)))
    if has_permission(membership, "concerns.view") and not is_icb_wide(membership):
        groups.append(("Concerns your organisation reported", _concerns_reported(membership)))
    return groups
