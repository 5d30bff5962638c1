"""The primary navigation, by role: people see only the places they can use."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.html import format_html

from liaison.accounts.permissions import has_permission


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str | None = None

    @property
    def href(self) -> str:
        return reverse(self.url_name)


NAVIGATION = [
    NavItem("Home", "core:home"),
    NavItem("Report a concern", "concerns:report_start", permission="concerns.report"),
    NavItem("Concerns", "concerns:concern_list", permission="concerns.view"),
    NavItem("Inbox", "routing:inbox", permission="routing.view_inbox"),
    NavItem("Across the ICB", "routing:icb_queue", permission="routing.view_icb_queue"),
    NavItem("Dashboard", "reports:dashboard", permission="reports.view_dashboard"),
    NavItem("Themes", "themes:list", permission="themes.view"),
    NavItem("Who's who", "directory:whos_who"),
    NavItem("Organisations", "directory:organisation_list"),
    NavItem("Standards", "standards:standard_list"),
    NavItem("111 messages", "nhs111:inbox", permission="nhs111.view_inbox"),
    NavItem("111 messages", "nhs111:unregistered", permission="nhs111.view_unregistered"),
    NavItem("111 quality", "nhs111:scorecard", permission="nhs111.view_scorecard"),
    NavItem("People", "accounts:people", permission="accounts.manage_memberships"),
    NavItem("Routing rules", "routing:rule_list", permission="routing.manage_rules"),
    NavItem("Audit log", "audit:event_list", permission="audit.view"),
    NavItem("Email deliveries", "notifications:deliveries", permission="notifications.view_deliveries"),
]


def navigation_for(request) -> list[dict]:
    membership = getattr(request, "membership", None)
    items = []
    for item in NAVIGATION:
        if item.permission and not has_permission(membership, item.permission):
            continue
        href = item.href
        current = request.path == href or (href != "/" and request.path.startswith(href))
        items.append({"text": item.label, "href": href, "current": current})
    # Only the most specific match is current: /concerns/report/ is "Report a concern", not "Concerns".
    matched = [entry for entry in items if entry["current"]]
    longest = max((len(entry["href"]) for entry in matched), default=0)
    for entry in matched:
        entry["current"] = len(entry["href"]) == longest
    return items


def notifications_link(request) -> dict:
    """The header's account-area link to my notifications: "Notifications (3)", read as "3 unread".

    It sits beside the user's name rather than in the menu, so the menu does not overflow.
    """
    from liaison.notifications.selectors import unread_count

    href = reverse("notifications:list")
    count = unread_count(user=request.user)
    if not count:
        return {"href": href, "text": "Notifications"}
    return {
        "href": href,
        # One span around it all: the header's account links are flex boxes with a gap, which would
        # otherwise open a space where the hidden words sit ("(3 )").
        "html": format_html(
            '<span>Notifications ({}<span class="nhsuk-u-visually-hidden"> unread</span>)</span>', count
        ),
    }
