"""Notifications: a transactional outbox of emails and in-app messages, and each person's preference.

A ``Notification`` row is written in the same transaction as the change it tells people about
(``services.notify``) and delivered afterwards by the task worker. Rows carry only the concern, the
kind and a link: the email and the in-app text are built from fixed wording at delivery time, so no
patient reference and no free text can reach a mail server.
"""

from django.conf import settings
from django.db import models


class NotificationKind(models.TextChoices):
    CONCERN_ROUTED = "concern_routed", "A concern has been sent to your organisation"
    CONCERN_ASSIGNED = "concern_assigned", "A concern has been assigned to you"
    CONCERN_ACKNOWLEDGED = "concern_acknowledged", "Your concern has been acknowledged"
    CONCERN_STATUS_CHANGED = "concern_status_changed", "The status of a concern has changed"
    CONCERN_RESPONDED = "concern_responded", "A concern has a response"
    CONCERN_CLOSED = "concern_closed", "A concern has been closed"
    REPLY_POSTED = "reply_posted", "There is a new message about a concern"
    OCCURRENCE_ADDED = "occurrence_added", "Someone else has reported the same problem"
    CONCERN_OVERDUE = "concern_overdue", "A concern is overdue"
    CONCERN_ESCALATED = "concern_escalated", "A concern has been escalated to you"
    CONCERN_REDIRECTED = "concern_redirected", "A concern has been redirected to another organisation"
    CONCERN_REOPENED = "concern_reopened", "A concern has been reopened"
    CONCERN_MERGED = "concern_merged", "A concern has been merged with another"
    MONTHLY_REPORT_ISSUED = "monthly_report_issued", "The monthly breach report has been issued"
    THEME_RISING = "theme_rising", "A theme of concerns is rising in your ICB"
    DAILY_DIGEST = "daily_digest", "Your daily summary of Liaison notifications"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In Liaison"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    HELD = "held", "Held for the daily digest"
    DIGESTED = "digested", "Sent in a daily digest"


class EmailFrequency(models.TextChoices):
    IMMEDIATE = "immediate", "Email me straight away"
    DAILY_DIGEST = "daily_digest", "Email me once a day with a summary"
    IN_APP_ONLY = "in_app_only", "Do not email me: show notifications in Liaison only"


class NotificationQuerySet(models.QuerySet):
    def email(self):
        return self.filter(channel=Channel.EMAIL)

    def in_app(self):
        return self.filter(channel=Channel.IN_APP)

    def due(self, now):
        """Emails ready to be sent: waiting, and their next attempt time has come."""
        return self.filter(channel=Channel.EMAIL, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)

    def unread(self):
        return self.filter(channel=Channel.IN_APP, read_at__isnull=True)


class Notification(models.Model):
    """One notification to one recipient on one channel: an outbox row until it is delivered."""

    kind = models.CharField(max_length=32, choices=NotificationKind.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    # No index of its own: notification_inbox (recipient_user, channel, read_at) starts with it.
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        db_index=False,
    )
    recipient_email = models.EmailField(
        blank=True, help_text="The address the email goes to (a directory contact when there is no user)."
    )
    concern = models.ForeignKey(
        "concerns.Concern", null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    organisation = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The organisation the notification is about; its name appears in the email.",
    )
    link_path = models.CharField(max_length=300, help_text="A path inside Liaison, such as /concerns/…/.")
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(max_length=32, blank=True)
    last_error = models.CharField(
        max_length=300, blank=True, help_text="What went wrong, in words; never a password or message text."
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    digest = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="digest_items",
        help_text="The daily digest email this item was sent in.",
    )
    delivery_key = models.CharField(
        max_length=64, unique=True, help_text="Unique per delivery; the email's Message-ID is made from it."
    )
    created_at = models.DateTimeField(db_index=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["recipient_user", "channel", "read_at"], name="notification_inbox"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(recipient_user__isnull=False) | ~models.Q(recipient_email=""),
                name="notification_has_a_recipient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to {self.recipient_label} ({self.status})"

    @property
    def recipient_label(self) -> str:
        if self.recipient_user_id:
            return self.recipient_user.display_name
        return self.recipient_email

    @property
    def is_retrying(self) -> bool:
        return self.status == DeliveryStatus.PENDING and self.attempts > 0


class NotificationPreference(models.Model):
    """How a person wants to hear about concerns: every email at once, a daily digest, or in Liaison only."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_frequency = models.CharField(
        max_length=16, choices=EmailFrequency.choices, default=EmailFrequency.IMMEDIATE
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user} {self.email_frequency}"
