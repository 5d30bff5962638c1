"""Notification pages: my notifications, how I want to be emailed, and administrators' delivery view.

Views parse input, check permission, call one selector or service, and render.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from liaison.accounts.permissions import has_permission
from liaison.core.forms import error_list
from liaison.core.pagination import pagination_for
from liaison.notifications import selectors, services
from liaison.notifications.forms import PreferenceForm
from liaison.notifications.models import EmailFrequency

HOME = {"href": "/", "text": "Home"}
PAGE_SIZE = 25


def notification_list(request):
    page = Paginator(selectors.notifications_for(user=request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/notification_list.jinja",
        {
            "page_title": "Your notifications",
            "page": page,
            "pagination": pagination_for(request, page),
            "unread": selectors.unread_count(user=request.user),
            "frequency": EmailFrequency(selectors.email_frequency_for(user=request.user)).label,
            "breadcrumbs": [HOME],
        },
    )


def notification_open(request, notification_id):
    """Follow a notification: it counts as read, and the page it is about opens."""
    notification = selectors.notification_of(user=request.user, notification_id=notification_id)
    if notification is None:
        raise Http404("You have no notification with that id.")
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect(notification.link_path)


@require_POST
def notification_read(request, notification_id):
    services.notification_mark_read(user=request.user, notification_id=notification_id)
    return redirect("notifications:list")


@require_POST
def notification_read_all(request):
    changed = services.notifications_mark_all_read(user=request.user)
    messages.info(request, f"{changed} notification{'s' if changed != 1 else ''} marked as read.")
    return redirect("notifications:list")


def preferences(request):
    current = selectors.email_frequency_for(user=request.user)
    form = PreferenceForm(
        request.POST if request.method == "POST" else None, initial={"email_frequency": current}
    )
    if form.is_bound and form.is_valid():
        services.notification_preference_set(
            user=request.user, email_frequency=form.cleaned_data["email_frequency"], request=request
        )
        messages.info(request, "Your email preference has been saved.")
        return redirect("notifications:list")
    errors = error_list(form) if form.is_bound else []
    return render(
        request,
        "notifications/preferences.jinja",
        {
            "page_title": "How Liaison emails you",
            "form": form,
            "form_errors": errors,
            "choices": EmailFrequency.choices,
            "selected": form.data.get("email_frequency", "") if form.is_bound else current,
            "has_email": bool(request.user.email),
            "breadcrumbs": [HOME, {"href": "/notifications/", "text": "Your notifications"}],
        },
        status=422 if errors else 200,
    )


def _require_deliveries(request, permission="notifications.view_deliveries"):
    if not has_permission(request.membership, permission):
        raise PermissionDenied


def delivery_list(request):
    _require_deliveries(request)
    found = selectors.deliveries_needing_attention(request.membership)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "notifications/delivery_list.jinja",
        {
            "page_title": "Email deliveries",
            "overview": selectors.delivery_overview(request.membership),
            "page": page,
            "pagination": pagination_for(request, page),
            "column_width": "full",
            "breadcrumbs": [HOME],
        },
    )


@require_POST
def delivery_retry(request, notification_id):
    _require_deliveries(request, "notifications.retry_delivery")
    notification = selectors.delivery_for_administrator(request.membership, notification_id)
    if notification is None:
        raise Http404("There is no such email delivery that you can see.")
    try:
        services.notification_retry(actor=request.user, notification=notification, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.info(request, f"Email {notification.pk} will be sent again now.")
    return redirect("notifications:deliveries")
