"""Routing, response and clocks: who each concern goes to, why, by when, and what they said.

The concern itself (``liaison.concerns.models.Concern``) and its event history belong to the
concerns app; everything here points at it. Rules are data that administrators edit, and every
change to a rule is kept as a new ``RoutingRuleChange`` row.
"""

from django.conf import settings
from django.db import models

from liaison.accounts.models import Role
from liaison.concerns.models import AspectOfCare

# How much each matching criterion weighs when two rules match the same concern. See
# ``RoutingRule.specificity`` and docs/routing.md.
CRITERION_WEIGHTS = {
    "about_organisation": 16,
    "specialty": 8,
    "standard": 4,
    "aspect_of_care": 2,
    "place": 1,
}

RECIPIENT_ROLES = [
    (Role.RESPONDER.value, Role.RESPONDER.label),
    (Role.INTERFACE_LEAD.value, Role.INTERFACE_LEAD.label),
]


class RoutingRuleQuerySet(models.QuerySet):
    def active(self):
        return self.filter(retired_at__isnull=True)


class RoutingRule(models.Model):
    """When a concern matches every criterion that is filled in, send it to the recipient.

    Blank criteria match anything. A rule's recipient is either a role at an organisation (every
    active member with that role there) or one named contact from the who's who.
    """

    icb = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="routing_rules", verbose_name="ICB"
    )
    about_organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    specialty = models.ForeignKey(
        "directory.Specialty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    standard = models.ForeignKey(
        "standards.Standard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    aspect_of_care = models.CharField(
        "aspect of care", max_length=32, choices=AspectOfCare.choices, blank=True
    )
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_organisation = models.ForeignKey(
        "directory.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recipient_role = models.CharField(max_length=32, choices=RECIPIENT_ROLES, blank=True)
    recipient_contact = models.ForeignKey(
        "directory.Contact", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.CharField(max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    retired_at = models.DateTimeField(null=True, blank=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["icb__name", "id"]
        constraints = [
            models.CheckConstraint(
                name="routing_rule_one_kind_of_recipient",
                condition=(
                    models.Q(recipient_contact__isnull=False, recipient_organisation__isnull=True)
                    | models.Q(recipient_contact__isnull=True, recipient_organisation__isnull=False)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"Rule {self.pk}: {self.criteria_text()} → {self.recipient_text()}"

    @property
    def is_active(self) -> bool:
        return self.retired_at is None

    @property
    def criteria_set(self) -> list[str]:
        present = {
            "about_organisation": self.about_organisation_id,
            "specialty": self.specialty_id,
            "standard": self.standard_id,
            "aspect_of_care": self.aspect_of_care,
            "place": self.place_id,
        }
        return [name for name in CRITERION_WEIGHTS if present[name]]

    @property
    def specificity(self) -> tuple[int, int]:
        """(how many criteria are filled in, their weights added up): bigger wins."""
        names = self.criteria_set
        return (len(names), sum(CRITERION_WEIGHTS[name] for name in names))

    def criteria_text(self) -> str:
        parts = []
        if self.about_organisation_id:
            parts.append(f"about {self.about_organisation.display_name}")
        if self.specialty_id:
            parts.append(f"specialty {self.specialty.name}")
        if self.standard_id:
            parts.append(f"standard {self.standard.code}")
        if self.aspect_of_care:
            parts.append(f"aspect of care “{self.get_aspect_of_care_display()}”")
        if self.place_id:
            parts.append(f"Place {self.place.name}")
        return ", ".join(parts) or "every concern in the ICB"

    def recipient_text(self) -> str:
        if self.recipient_contact_id:
            contact = self.recipient_contact
            return f"{contact.name}, {contact.get_role_display()} at {contact.organisation.display_name}"
        return f"{self.get_recipient_role_display()}s at {self.recipient_organisation.display_name}"


class RuleChangeKind(models.TextChoices):
    CREATED = "created", "Created"
    CHANGED = "changed", "Changed"
    RETIRED = "retired", "Retired"


class RoutingRuleChange(models.Model):
    """One version of a routing rule: who changed it, when, and what it said afterwards. Append-only."""

    rule = models.ForeignKey(RoutingRule, on_delete=models.CASCADE, related_name="changes")
    version = models.PositiveIntegerField()
    kind = models.CharField(max_length=16, choices=RuleChangeKind.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    snapshot = models.JSONField(default=dict, help_text="The rule's fields after the change, as text.")
    changes = models.JSONField(default=dict, help_text="{field: [old, new]} for a change.")

    class Meta:
        ordering = ["rule", "version"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "version"], name="rule_change_once_per_version")
        ]

    def __str__(self) -> str:
        return f"Rule {self.rule_id} v{self.version} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("Routing rule history is append-only.")
        super().save(*args, **kwargs)


class RoutingDecision(models.Model):
    """One run of routing for a concern: the rules that won and the explanation people read."""

    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.CASCADE, related_name="routing_decisions"
    )
    decided_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    rules = models.ManyToManyField(RoutingRule, blank=True, related_name="decisions")
    rule_versions = models.JSONField(default=dict, help_text="{rule id: version} as they were when used.")
    fallback = models.CharField(
        max_length=32, blank=True, help_text="Which default was used, if no rule matched."
    )
    explanation = models.TextField(help_text="Why did this go to them? In plain English.")
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"Routing of concern {self.concern_id} at {self.decided_at:%Y-%m-%d %H:%M}"


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Assignment(models.Model):
    """A concern in someone's inbox: a role at an organisation, a named person, or both."""

    # No index of its own: the (concern, ended_at) index answers the same lookups.
    concern = models.ForeignKey(
        "concerns.Concern", on_delete=models.CASCADE, related_name="assignments", db_index=False
    )
    decision = models.ForeignKey(
        RoutingDecision, null=True, blank=True, on_delete=models.SET_NULL, related_name="assignments"
    )
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=32, blank=True, help_text="Every member with this role, if set.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    contact = models.ForeignKey(
        "directory.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    specialty = models.ForeignKey(
        "directory.Specialty", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # The concern's place in the queues, copied from the concern and its clock by database triggers
    # (liaison.routing.queue_keys) and never written by Liaison: whatever is saved here is replaced.
    queue_open = models.BooleanField(default=True, editable=False)
    queue_overdue = models.BooleanField(default=False, editable=False)
    queue_due_on = models.DateField(null=True, editable=False)
    queue_submitted_at = models.DateTimeField(null=True, editable=False)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The inboxes read only the active assignments of an organisation or of a person, and
            # need only the concern's id from them: these partial indexes answer without the table.
            models.Index(
                fields=["organisation", "concern"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_active_by_org",
            ),
            models.Index(
                fields=["user", "concern"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_active_by_user",
            ),
            models.Index(fields=["concern", "ended_at"]),
            # An organisation's inbox in list order: overdue first, then the soonest due, then the
            # oldest. A page is a short range of this index and a count an index-only scan.
            models.Index(
                fields=["organisation", "-queue_overdue", "queue_due_on", "queue_submitted_at", "concern"],
                include=["queue_open"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_queue_by_org",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern_id} → {self.describe()}"

    def describe(self) -> str:
        if self.contact_id:
            return (
                f"{self.contact.name} ({self.contact.get_role_display()}), {self.organisation.display_name}"
            )
        if self.user_id:
            return f"{self.user.display_name}, {self.organisation.display_name}"
        role = dict(Role.choices).get(self.role, "Everyone")
        return f"{role}s at {self.organisation.display_name}"


class ClockPolicy(models.Model):
    """An ICB's response times in England working days. Without a row, the defaults apply."""

    icb = models.OneToOneField(
        "directory.Organisation", on_delete=models.CASCADE, related_name="clock_policy", verbose_name="ICB"
    )
    acknowledge_days = models.PositiveSmallIntegerField("acknowledge within (working days)", default=2)
    respond_days = models.PositiveSmallIntegerField("respond within (working days)", default=20)
    escalation_step_days = models.PositiveSmallIntegerField(
        "working days between escalation steps", default=5
    )
    reopen_days = models.PositiveSmallIntegerField("reporter may reopen within (days)", default=28)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name_plural = "clock policies"

    def __str__(self) -> str:
        return f"{self.icb.ods_code}: acknowledge {self.acknowledge_days}, respond {self.respond_days}"


class ClockKind(models.TextChoices):
    ACKNOWLEDGE = "acknowledge", "Acknowledge"
    RESPOND = "respond", "Respond"


class ConcernClock(models.Model):
    """The running clocks of one concern. Restarted (``cycle`` + 1) when it is redirected or reopened."""

    concern = models.OneToOneField("concerns.Concern", on_delete=models.CASCADE, related_name="clock")
    cycle = models.PositiveSmallIntegerField(default=1)
    started_on = models.DateField()
    acknowledge_due = models.DateField(db_index=True)
    respond_due = models.DateField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    stopped_at = models.DateTimeField(null=True, blank=True, help_text="Closed: the clocks no longer run.")
    overdue_since = models.DateField(null=True, blank=True, db_index=True)
    # The queues' sort key, kept by the database from the columns above (never written by Liaison),
    # so the inbox orders thousands of concerns from a small index instead of the whole table.
    queue_overdue = models.GeneratedField(
        expression=models.Case(
            models.When(overdue_since__isnull=False, stopped_at__isnull=True, then=models.Value(True)),
            default=models.Value(False),
        ),
        output_field=models.BooleanField(),
        db_persist=True,
    )
    queue_due_on = models.GeneratedField(
        expression=models.Case(
            models.When(acknowledged_at__isnull=True, then=models.F("acknowledge_due")),
            models.When(responded_at__isnull=True, then=models.F("respond_due")),
            default=models.Value(None),
        ),
        output_field=models.DateField(null=True),
        db_persist=True,
    )

    class Meta:
        indexes = [
            models.Index(
                fields=["concern"], include=["queue_overdue", "queue_due_on"], name="clock_queue_order"
            )
        ]

    def __str__(self) -> str:
        return f"Clock for concern {self.concern_id} (cycle {self.cycle})"

    @property
    def is_overdue(self) -> bool:
        return self.overdue_since is not None and self.stopped_at is None


class EscalationRung(models.IntegerChoices):
    SERVICE_LEAD = 1, "Service lead"
    TRUST_INTERFACE_LEAD = 2, "Trust interface lead"
    MEDICAL_DIRECTOR = 3, "Medical director"
    ICB_QUALITY_LEAD = 4, "ICB quality lead"


class Escalation(models.Model):
    """One step up the escalation ladder. Unique per clock cycle, clock and rung, so running twice is safe."""

    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="escalations")
    cycle = models.PositiveSmallIntegerField()
    clock = models.CharField(max_length=16, choices=ClockKind.choices)
    rung = models.PositiveSmallIntegerField(choices=EscalationRung.choices)
    escalated_at = models.DateTimeField()
    recipients = models.JSONField(default=list, help_text="Who was told, as names and roles.")
    found_nobody = models.BooleanField(default=False)

    class Meta:
        ordering = ["escalated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "cycle", "clock", "rung"], name="escalate_each_rung_once"
            )
        ]

    def __str__(self) -> str:
        return f"Concern {self.concern_id} escalated to {self.get_rung_display()}"


class ThreadMessage(models.Model):
    """A message between the reporter's organisation and the responders, or an internal note.

    Internal notes are seen only by the responding organisation and the ICB team never sees them
    either: they are the responders' working notes.
    """

    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="thread_messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    is_internal = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        kind = "Note" if self.is_internal else "Message"
        return f"{kind} on concern {self.concern_id} at {self.created_at:%Y-%m-%d %H:%M}"


class ResponseTemplate(models.Model):
    """A reply an organisation's responders start from, such as a standard acknowledgement."""

    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="response_templates"
    )
    title = models.CharField(max_length=120)
    body = models.TextField()
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ResponseRating(models.IntegerChoices):
    VERY_POOR = 1, "Very poor"
    POOR = 2, "Poor"
    ADEQUATE = 3, "Adequate"
    GOOD = 4, "Good"
    VERY_GOOD = 5, "Very good"


class Rating(models.Model):
    """The reporter's rating of the response. One per concern per response cycle."""

    concern = models.ForeignKey("concerns.Concern", on_delete=models.CASCADE, related_name="ratings")
    cycle = models.PositiveSmallIntegerField(default=1)
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(choices=ResponseRating.choices)
    rated_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["concern", "cycle"], name="rate_each_response_once")]

    def __str__(self) -> str:
        return f"Concern {self.concern_id} rated {self.score}"
