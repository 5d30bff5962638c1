from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import render

from liaison.accounts.permissions import has_permission
from liaison.audit.selectors import audit_events_visible_to


def event_list(request):
    if not has_permission(request.membership, "audit.view"):
        raise PermissionDenied
    page = Paginator(audit_events_visible_to(request.membership), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "audit/event_list.jinja",
        {
            "page_title": "Audit log",
            "page": page,
            "column_width": "full",
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )
