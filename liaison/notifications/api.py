"""My notifications over the JSON API: the list, the unread count, and marking one read."""

from datetime import datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from liaison.notifications import selectors, services
from liaison.notifications.emails import absolute_url
from liaison.standards.api import PROBLEMS

router = Router(tags=["notifications"])


class NotificationOut(Schema):
    id: int
    kind: str = Field(examples=["concern_routed"])
    title: str = Field(examples=["A concern has been sent to your organisation"])
    concern_reference: str | None = Field(examples=["LIA-000123"])
    organisation_ods_code: str | None = Field(examples=["REM"])
    url: str = Field(description="Where to see it in Liaison (behind sign-in).")
    created_at: datetime
    read_at: datetime | None


class UnreadCountOut(Schema):
    unread: int


class ListFilter(Schema):
    unread_only: bool = False
    limit: int = Field(50, ge=1, le=200)


def _out(notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.get_kind_display(),
        "concern_reference": notification.concern.reference if notification.concern_id else None,
        "organisation_ods_code": notification.organisation.ods_code if notification.organisation_id else None,
        "url": absolute_url(notification.link_path),
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


@router.get("/notifications", response={200: list[NotificationOut]}, summary="My notifications, unread first")
def notification_list(request, filters: Query[ListFilter]):
    found = selectors.notifications_for(user=request.user, unread_only=filters.unread_only)
    return [_out(notification) for notification in found[: filters.limit]]


@router.get(
    "/notifications/unread-count", response=UnreadCountOut, summary="How many of my notifications are unread"
)
def notification_unread_count(request):
    return {"unread": selectors.unread_count(user=request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response={204: None, **PROBLEMS},
    summary="Mark one of my notifications read",
)
def notification_read(request, notification_id: int):
    if not services.notification_mark_read(user=request.user, notification_id=notification_id):
        raise Http404("You have no unread notification with that id.")
    return Status(204, None)
