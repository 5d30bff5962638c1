"""Interface concerns: the One Click report, its standards, every occurrence ("me too") and its history.

A concern never holds patient-identifiable data: every free-text field passes the PID guard
(``liaison.privacy``) before it is saved, and the only patient link is a local clinical-system
reference in its own field, shown only to the people who follow the case up.
"""

import uuid

from django.conf import settings
from django.db import models


class ConcernPart(models.TextChoices):
    THEME = "A", "Part A: an emerging theme"
    BREACH = "B", "Part B: a breach of a standard"


class ConcernStatus(models.TextChoices):
    NEW = "new", "New"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    INVESTIGATING = "investigating", "Investigating"
    ACTION_AGREED = "action_agreed", "Action agreed"
    RESPONDED = "responded", "Responded"
    CLOSED = "closed", "Closed"


OPEN_STATUSES = [
    ConcernStatus.NEW,
    ConcernStatus.ACKNOWLEDGED,
    ConcernStatus.INVESTIGATING,
    ConcernStatus.ACTION_AGREED,
    ConcernStatus.RESPONDED,
]


class ConcernOutcome(models.TextChoices):
    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    REDIRECTED = "redirected", "Redirected"
    DUPLICATE = "duplicate", "Duplicate"
    WITHDRAWN = "withdrawn", "Withdrawn"


class StaffGroup(models.TextChoices):
    DOCTOR = "doctor", "Doctor"
    NURSE = "nurse", "Nurse or midwife"
    ALLIED_HEALTH = "allied_health", "Allied health professional"
    PHARMACY = "pharmacy", "Pharmacist or pharmacy technician"
    ADMIN = "admin", "Administrative or clerical staff"
    MANAGER = "manager", "Manager"
    OTHER = "other", "Other or not known"


class AspectOfCare(models.TextChoices):
    DISCHARGE = "discharge", "Discharge from hospital"
    OUTPATIENTS = "outpatients", "Outpatient clinic and clinic letters"
    REFERRAL = "referral", "Referral, rejection or Advice and Guidance"
    RESULTS = "results", "Tests and results"
    MEDICATION = "medication", "Medication and prescribing"
    SHARED_CARE = "shared_care", "Shared care and transfer of work"
    APPOINTMENTS = "appointments", "Appointments, follow-up and recall"
    COMMUNICATION = "communication", "Communication and points of contact"
    MESSAGE_111 = "message_111", "111 message quality"
    OTHER = "other", "Something else"


class PatientReferenceSystem(models.TextChoices):
    EMIS = "emis", "EMIS number"
    SYSTMONE = "systmone", "SystmOne number"
    VISION = "vision", "Vision number"
    HOSPITAL = "hospital", "Hospital number"
    OTHER = "other", "Other local reference"


class ConcernQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def with_occurrence_count(self):
        return self.annotate(occurrence_count=models.Count("occurrences", distinct=True))


class Concern(models.Model):
    """One interface concern, reported once and possibly joined by others ("me too")."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    part = models.CharField(max_length=1, choices=ConcernPart.choices)
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="concerns")
    # No index of its own: the (reporter_organisation, status) index answers the same lookups.
    reporter_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="concerns_reported", db_index=False
    )
    reporter_icb = models.ForeignKey(
        "directory.Organisation", null=True, on_delete=models.PROTECT, related_name="+", db_index=True
    )
    # No index of its own: the (about_organisation, status) index answers the same lookups.
    about_organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="concerns_about", db_index=False
    )
    # No index of its own: concern_icb_submitted and concern_icb_part_counts both start with it.
    about_icb = models.ForeignKey(
        "directory.Organisation", null=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    specialty = models.ForeignKey(
        "directory.Specialty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    service_description = models.CharField(
        "service or team", max_length=200, blank=True, help_text="When the specialty list does not fit."
    )
    staff_group = models.CharField(max_length=32, choices=StaffGroup.choices, blank=True)
    aspect_of_care = models.CharField(max_length=32, choices=AspectOfCare.choices, blank=True)
    event_date = models.DateField("date of the event")
    what_happened = models.TextField()
    impact = models.TextField("impact on the patient or practice", blank=True)
    patient_reference = models.CharField("local patient reference", max_length=40, blank=True)
    patient_reference_system = models.CharField(
        max_length=16, choices=PatientReferenceSystem.choices, blank=True
    )
    reporter_may_be_named = models.BooleanField("reporter agrees to be named to the provider", default=False)
    code_of_conduct_version = models.ForeignKey(
        "standards.CodeOfConductVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=32, choices=ConcernStatus.choices, default=ConcernStatus.NEW)
    outcome = models.CharField(max_length=32, choices=ConcernOutcome.choices, blank=True)
    source = models.CharField(max_length=16, default="web", choices=[("web", "Web form"), ("api", "API")])
    submitted_at = models.DateTimeField(db_index=True)

    objects = ConcernQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [
            models.Index(fields=["about_organisation", "status"]),
            models.Index(fields=["reporter_organisation", "status"]),
            # An ICB's concerns by date reported; the dashboard's trend and response times read their
            # provider and outcome from the index alone.
            models.Index(
                fields=["about_icb", "submitted_at"],
                include=["id", "about_organisation", "outcome"],
                name="concern_icb_submitted",
            ),
            # The dashboard and monthly report count an ICB's Part B concerns from the index alone.
            models.Index(
                fields=["about_icb", "part"],
                include=["id", "about_organisation", "outcome"],
                name="concern_icb_part_counts",
            ),
            # The queues (routing.selectors) order an organisation's concerns by id lists: each
            # concern's status and time reported come from the index, never the table.
            models.Index(fields=["id"], include=["status", "submitted_at"], name="concern_queue_columns"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The reference people quote: LIA-000123."""
        return f"LIA-{self.pk:06d}" if self.pk else "LIA-(unsaved)"

    @staticmethod
    def pk_from_reference(reference: str) -> int | None:
        digits = reference.upper().removeprefix("LIA-")
        return int(digits) if digits.isdigit() else None


class ConcernStandard(models.Model):
    """A standard a Part B concern says was breached, with the time limit in force on the event date."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="standards_breached")
    standard = models.ForeignKey("standards.Standard", on_delete=models.PROTECT, related_name="+")
    time_limit = models.ForeignKey(
        "standards.StandardTimeLimit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    time_limit_text = models.CharField(max_length=100, blank=True, help_text="As shown to the reporter.")

    class Meta:
        ordering = ["standard__code"]
        constraints = [
            models.UniqueConstraint(fields=["concern", "standard"], name="standard_once_per_concern")
        ]

    def __str__(self) -> str:
        return f"{self.concern.reference} {self.standard.code}"


class Occurrence(models.Model):
    """One time the problem happened to someone: the original report, or a "me too"."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="occurrences")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    event_date = models.DateField()
    note = models.CharField(max_length=500, blank=True)
    is_original = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "reported_by", "event_date"], name="one_occurrence_per_person_per_day"
            )
        ]
        # Breach counts by month of the event (liaison.reports) read occurrences in a date range.
        indexes = [models.Index(fields=["event_date"], include=["concern"], name="occurrence_event_date")]

    def __str__(self) -> str:
        return f"{self.concern.reference} at {self.organisation.ods_code} on {self.event_date}"


class ConcernEventKind(models.TextChoices):
    SUBMITTED = "submitted", "Submitted"
    OCCURRENCE_ADDED = "occurrence_added", "Happened again (me too)"
    ROUTED = "routed", "Sent to responders"
    ASSIGNED = "assigned", "Assigned"
    REDIRECTED = "redirected", "Redirected to another organisation"
    STATUS_CHANGED = "status_changed", "Status changed"
    OUTCOME_RECORDED = "outcome_recorded", "Outcome recorded"
    OVERDUE = "overdue", "Became overdue"
    ESCALATED = "escalated", "Escalated"
    MESSAGE_POSTED = "message_posted", "Message in the thread"
    NOTE_ADDED = "note_added", "Internal note added"
    REOPENED = "reopened", "Reopened by the reporter"
    RATED = "rated", "Response rated by the reporter"
    MERGED = "merged", "Merged as a duplicate"


class ConcernEvent(models.Model):
    """An append-only history row: who did what to the concern, when, from which state to which, and why."""

    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=32, choices=ConcernEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "directory.Organisation", null=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(max_length=32, blank=True)
    to_status = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    occurred_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"{self.concern.reference} {self.kind} at {self.occurred_at:%Y-%m-%d %H:%M}"


class ConcernDraft(models.Model):
    """An unfinished report kept for its author. Only text that passed the PID guard is kept."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concern_drafts"
    )
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]

    def __str__(self) -> str:
        return f"Draft {self.public_id} by {self.author_id}"


class IdempotencyRecord(models.Model):
    """An API request key already used: the same key never creates two concerns."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the request body.")
    concern = models.ForeignKey(Concern, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_once_per_user")]

    def __str__(self) -> str:
        return f"{self.key} → {self.concern_id}"
