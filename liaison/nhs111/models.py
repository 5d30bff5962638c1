"""NHS 111 referrals and Post Event Messages: what was received, what was wrong with it, who acted on it.

A message is stored whole (the JSON as sent) with the result of checking it, in one transaction, or
not at all. Its status changes only through ``liaison.nhs111.services``, each change kept as a
``MessageEvent`` row. Sending systems authenticate with a ``SenderCredential`` bound to their ODS code.
"""

import hashlib

from django.conf import settings
from django.db import models


class FhirVersion(models.TextChoices):
    R4 = "R4", "FHIR R4 (BaRS)"
    STU3 = "STU3", "FHIR STU3 (111 integration adaptor)"


class Purpose(models.TextChoices):
    FOR_ACTION = "for_action", "For action"
    FOR_INFORMATION = "for_information", "For information"


class Queue(models.TextChoices):
    PRACTICE = "practice", "Registered practice"
    UNREGISTERED = "unregistered", "ICB unregistered-patient queue"


class MessageStatus(models.TextChoices):
    RECEIVED = "received", "Received"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    COMPLETED = "completed", "Completed"


class SenderCredential(models.Model):
    """A secret a 111 / 999 sending system presents; it may send only as its own organisation.

    Only a SHA-256 digest is stored: the credential is shown once, when it is issued.
    """

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="sender_credentials"
    )
    name = models.CharField(max_length=100, help_text="Which system uses it, for example 'Adastra live'.")
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.organisation.ods_code}, {self.name})"

    @staticmethod
    def digest_of(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()


class ReceivedMessageQuerySet(models.QuerySet):
    def for_action(self):
        return self.filter(purpose=Purpose.FOR_ACTION)

    def for_information(self):
        return self.filter(purpose=Purpose.FOR_INFORMATION)

    def open(self):
        return self.exclude(status=MessageStatus.COMPLETED)


class ReceivedMessage(models.Model):
    """One 111 referral or Post Event Message, as received, with its checking result."""

    sender = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="nhs111_sent_messages"
    )
    sender_ods = models.CharField("sender ODS code", max_length=12, db_index=True)
    message_id = models.CharField(max_length=100, help_text="The Bundle id (or MessageHeader id) as sent.")
    request_id = models.CharField(max_length=36, help_text="X-Request-Id of the request that delivered it.")
    correlation_id = models.CharField(max_length=36)
    fhir_version = models.CharField(max_length=8, choices=FhirVersion.choices)
    message_type = models.CharField(
        max_length=100, help_text="The event code, for example servicerequest-request."
    )
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    due_by = models.DateTimeField(null=True, blank=True, help_text="Contact-by time for an action.")
    contact_started_at = models.DateTimeField(null=True, blank=True, help_text="When the 111 contact began.")
    raw = models.JSONField(help_text="The Bundle exactly as received.")
    summary = models.JSONField(default=dict, help_text="Patient and sender details for the inbox list.")
    validation = models.JSONField(help_text="The OperationOutcome returned to the sender.")
    sections_missing = models.JSONField(default=list, help_text="PRSB Required sections absent.")
    queue = models.CharField(max_length=16, choices=Queue.choices)
    practice = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="nhs111_messages",
        help_text="The patient's registered practice, when Liaison knows it.",
    )
    icb = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    registered_practice_ods = models.CharField(max_length=12, blank=True)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.RECEIVED)
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ReceivedMessageQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["sender_ods", "message_id"], name="nhs111_message_stored_once")
        ]
        indexes = [
            models.Index(fields=["practice", "status", "purpose"]),
            models.Index(fields=["icb", "queue", "status"]),
            models.Index(fields=["sender", "received_at"]),
        ]

    def __str__(self) -> str:
        return f"111 message {self.pk} from {self.sender_ods} ({self.get_purpose_display()})"

    @property
    def is_for_action(self) -> bool:
        return self.purpose == Purpose.FOR_ACTION


class MessageEvent(models.Model):
    """An append-only record of a message's status changing: who, when, from → to."""

    message = models.ForeignKey(ReceivedMessage, on_delete=models.CASCADE, related_name="events")
    occurred_at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or 'new'} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Message events are append-only.")
        super().save(*args, **kwargs)


class IntakeRejection(models.Model):
    """A message refused at intake. Holds who sent it and why, never the patient content."""

    sender = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="nhs111_rejections"
    )
    sender_ods = models.CharField(max_length=12, db_index=True)
    icb = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    request_id = models.CharField(max_length=36)
    correlation_id = models.CharField(max_length=36)
    fhir_version = models.CharField(max_length=8, blank=True)
    rejected_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.JSONField(help_text="The OperationOutcome returned to the sender.")

    class Meta:
        ordering = ["-rejected_at"]

    def __str__(self) -> str:
        return f"Rejected message from {self.sender_ods}"


class IssueSeverity(models.TextChoices):
    FATAL = "fatal", "Fatal"
    ERROR = "error", "Error"
    WARNING = "warning", "Warning"
    INFORMATION = "information", "Information"


class MessageIssue(models.Model):
    """One problem found in a message, kept for the sender's conformance scorecard."""

    message = models.ForeignKey(
        ReceivedMessage, null=True, blank=True, on_delete=models.CASCADE, related_name="issues"
    )
    rejection = models.ForeignKey(
        IntakeRejection, null=True, blank=True, on_delete=models.CASCADE, related_name="issues"
    )
    severity = models.CharField(max_length=16, choices=IssueSeverity.choices)
    code = models.CharField(max_length=32, help_text="The FHIR issue type, for example required.")
    section = models.CharField(max_length=64, blank=True, help_text="The PRSB section, where one applies.")
    expression = models.CharField(max_length=500, blank=True)
    diagnostics = models.CharField(max_length=1000)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(message__isnull=False) | models.Q(rejection__isnull=False),
                name="nhs111_issue_belongs_somewhere",
            )
        ]

    def __str__(self) -> str:
        return f"{self.severity}: {self.diagnostics[:80]}"
