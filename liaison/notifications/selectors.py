"""Every read of notifications: a person's own in-app list, and deliveries an administrator may see."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from liaison.accounts.models import Membership, User
from liaison.accounts.permissions import has_permission, organisation_scope
from liaison.notifications.models import (
    DeliveryStatus,
    EmailFrequency,
    Notification,
    NotificationPreference,
)


def notifications_for(*, user: User, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's own in-app notifications: unread first, then newest first."""
    mine = Notification.objects.unread() if unread_only else Notification.objects.in_app()
    return (
        mine.filter(recipient_user=user)
        .select_related("concern", "organisation")
        .annotate(
            is_read=Case(
                When(read_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("is_read", "-created_at", "-id")
    )


def notification_of(*, user: User, notification_id: int) -> Notification | None:
    """One of the user's own in-app notifications, or None."""
    return Notification.objects.in_app().filter(recipient_user=user, pk=notification_id).first()


def unread_count(*, user: User) -> int:
    """How many of the user's in-app notifications are unread (0 when signed out)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.unread().filter(recipient_user=user).count()


def email_frequency_for(*, user: User) -> str:
    """How the user asked to be emailed (straight away unless they chose otherwise)."""
    found = NotificationPreference.objects.filter(user=user).values_list("email_frequency", flat=True).first()
    return found or EmailFrequency.IMMEDIATE


def deliveries_visible_to(membership: Membership | None) -> QuerySet[Notification]:
    """Email deliveries an administrator may see: about, or to people at, organisations in their scope."""
    if not has_permission(membership, "notifications.view_deliveries"):
        return Notification.objects.none()
    scope = organisation_scope(membership)
    in_scope = Notification.objects.email().filter(
        Q(organisation__in=scope) | Q(recipient_user__memberships__organisation__in=scope)
    )
    return Notification.objects.filter(pk__in=in_scope.values("pk"))


@dataclass(frozen=True)
class DeliveryOverview:
    waiting: int
    retrying: int
    sending: int
    failed: int
    held: int
    sent_last_day: int


def delivery_overview(membership: Membership | None) -> DeliveryOverview:
    """Counts of email deliveries in the administrator's scope, by state."""
    since = timezone.now() - timedelta(days=1)
    pending = Q(status=DeliveryStatus.PENDING)
    counts = deliveries_visible_to(membership).aggregate(
        waiting=Count("pk", filter=pending & Q(attempts=0)),
        retrying=Count("pk", filter=pending & Q(attempts__gt=0)),
        sending=Count("pk", filter=Q(status=DeliveryStatus.SENDING)),
        failed=Count("pk", filter=Q(status=DeliveryStatus.FAILED)),
        held=Count("pk", filter=Q(status=DeliveryStatus.HELD)),
        sent_last_day=Count("pk", filter=Q(status=DeliveryStatus.SENT, delivered_at__gte=since)),
    )
    return DeliveryOverview(**counts)


def deliveries_needing_attention(membership: Membership | None) -> QuerySet[Notification]:
    """Failed emails, then those waiting to retry, newest first."""
    return (
        deliveries_visible_to(membership)
        .filter(Q(status=DeliveryStatus.FAILED) | Q(status=DeliveryStatus.PENDING, attempts__gt=0))
        .select_related("concern", "organisation", "recipient_user")
        .annotate(
            failed_first=Case(
                When(status=DeliveryStatus.FAILED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("failed_first", "-created_at", "-id")
    )


def delivery_for_administrator(membership: Membership | None, pk: int) -> Notification | None:
    """One email delivery in the administrator's scope, or None."""
    return deliveries_visible_to(membership).select_related("concern", "organisation").filter(pk=pk).first()
