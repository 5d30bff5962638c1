"""The primary navigation, by role: people see only the places they can use."""

from dataclasses import dataclass

from django.urls import reverse

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
    NavItem("Who's who", "directory:whos_who"),
    NavItem("Organisations", "directory:organisation_list"),
    NavItem("Standards", "standards:standard_list"),
    NavItem("People", "accounts:people", permission="accounts.manage_memberships"),
    NavItem("Audit log", "audit:event_list", permission="audit.view"),
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
    return items
