"""NHS 111 pages: the practice inbox, a message, the ICB unregistered-patient queue and the scorecard.

Messages carry real patient data for the practice: every read goes through a scoped selector and
every opening of a message is audited.
"""

from urllib.parse import urlencode

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from liaison.accounts.permissions import has_permission
from liaison.nhs111 import selectors, services
from liaison.nhs111.export import PATIENT_REPORTED_WARNING, display_sections, message_as_text
from liaison.nhs111.models import Queue

HOME = {"href": "/", "text": "Home"}


def _membership(request):
    return getattr(request, "membership", None)


def _may_see_messages(membership) -> bool:
    return has_permission(membership, "nhs111.view_inbox") or has_permission(
        membership, "nhs111.view_unregistered"
    )


def _may_act(membership, message) -> bool:
    if message.queue == Queue.UNREGISTERED:
        return has_permission(membership, "nhs111.view_unregistered", message.icb)
    return has_permission(membership, "nhs111.act_on_message", message.practice)


def _message_or_404(request, pk):
    membership = _membership(request)
    if not _may_see_messages(membership):
        raise PermissionDenied
    message = selectors.message_for(membership, pk)
    if message is None:
        raise Http404("No message you can see has that number")
    return message


def inbox(request):
    membership = _membership(request)
    if not has_permission(membership, "nhs111.view_inbox"):
        if has_permission(membership, "nhs111.view_unregistered"):
            return redirect("nhs111:unregistered")
        raise PermissionDenied
    return render(
        request,
        "nhs111/inbox.jinja",
        {
            "page_title": "NHS 111 messages",
            "column_width": "full",
            "breadcrumbs": [HOME],
            "inbox": selectors.inbox_for(membership),
            "heading": f"NHS 111 messages for {membership.organisation.display_name}",
            "now": timezone.now(),
            "show_practice": False,
        },
    )


def unregistered(request):
    membership = _membership(request)
    if not has_permission(membership, "nhs111.view_unregistered"):
        raise PermissionDenied
    return render(
        request,
        "nhs111/inbox.jinja",
        {
            "page_title": "NHS 111 messages for unregistered patients",
            "column_width": "full",
            "breadcrumbs": [HOME],
            "inbox": selectors.inbox_for(membership),
            "heading": f"NHS 111 messages for patients with no registered practice in {membership.organisation.display_name}",
            "unregistered": True,
            "now": timezone.now(),
            "show_practice": True,
        },
    )


def concern_link(message) -> str:
    """The One Click form, pre-filled with the sending organisation and '111 message quality' (no patient data)."""
    base = reverse("concerns:report_start")
    return f"{base}?{urlencode({'about': message.sender_ods, 'aspect': 'message_111'})}"


def message_detail(request, pk):
    message = _message_or_404(request, pk)
    page = selectors.message_page(message)
    services.message_view_record(message=message, actor=request.user, request=request)
    back = reverse("nhs111:unregistered") if message.queue == Queue.UNREGISTERED else reverse("nhs111:inbox")
    return render(
        request,
        "nhs111/message_detail.jinja",
        {
            "page_title": f"111 message: {page.reading.patient_name or 'patient'}",
            "breadcrumbs": [HOME, {"href": back, "text": "NHS 111 messages"}],
            "column_width": "full",
            "page": page,
            "message": message,
            "reading": page.reading,
            "may_act": _may_act(_membership(request), message),
            "concern_url": concern_link(message),
            "now": timezone.now(),
            "sections": display_sections(page.reading),
            "patient_reported_warning": PATIENT_REPORTED_WARNING,
        },
    )


def message_text(request, pk):
    """The message as plain text for the GP record: suspected diagnoses always labelled as suspected."""
    message = _message_or_404(request, pk)
    services.message_view_record(message=message, actor=request.user, request=request)
    page = selectors.message_page(message)
    response = HttpResponse(message_as_text(page), content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="111-message-{message.pk}.txt"'
    response["Cache-Control"] = "no-store"
    return response


def _act(request, pk, action, done: str) -> HttpResponse:
    message = _message_or_404(request, pk)
    if not _may_act(_membership(request), message):
        raise PermissionDenied
    try:
        action(message=message, actor=request.user, request=request)
    except services.InvalidTransition as error:
        flash.info(request, str(error))
    else:
        flash.info(request, done)
    return redirect("nhs111:message_detail", pk=message.pk)


@require_POST
def message_acknowledge(request, pk):
    return _act(request, pk, services.message_acknowledge, "Acknowledged: the practice has this message.")


@require_POST
def message_complete(request, pk):
    return _act(request, pk, services.message_complete, "Completed: this message is done and filed.")


def scorecard(request):
    membership = _membership(request)
    if not has_permission(membership, "nhs111.view_scorecard"):
        raise PermissionDenied
    month = selectors.month_start(request.GET.get("month"))
    card = selectors.scorecard_for(membership, month)
    return render(
        request,
        "nhs111/scorecard.jinja",
        {
            "page_title": "NHS 111 message quality",
            "column_width": "full",
            "breadcrumbs": [HOME],
            "card": card,
            "rows": _scorecard_rows(card),
        },
    )


def _scorecard_rows(card) -> list[list[dict]]:
    return [
        [
            {"header": "Sender", "text": f"{score.sender.display_name} ({score.sender.ods_code})"},
            {"header": "Received", "text": str(score.received), "format": "numeric"},
            {
                "header": "Rejected",
                "text": f"{score.rejected} ({score.rejected_percent}%)",
                "format": "numeric",
            },
            {
                "header": "Accepted with Required sections missing",
                "text": str(score.with_required_missing),
                "format": "numeric",
            },
            {
                "header": "Median minutes from contact to receipt",
                "text": "No data" if score.median_minutes is None else str(score.median_minutes),
                "format": "numeric",
            },
        ]
        for score in card.scores
    ]
