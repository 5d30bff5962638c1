"""The standards registry: national standards, their time limits over time, and each ICB's Code of Conduct."""

from django.db import models
from django.db.models import Q


class Area(models.TextChoices):
    ONWARD_REFERRALS = "onward_referrals", "Onward referrals"
    COMPLETE_CARE = "complete_care", "Complete care"
    CALL_AND_RECALL = "call_and_recall", "Call and recall"
    CLEAR_POINTS_OF_CONTACT = "clear_points_of_contact", "Clear points of contact"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    SECONDARY_TO_PRIMARY = "secondary_to_primary", "What providers owe general practice"
    PRIMARY_TO_SECONDARY = "primary_to_secondary", "What general practice owes providers"
    ANY = "any", "Any direction"


class Setting(models.TextChoices):
    INPATIENT = "inpatient", "Inpatient"
    DAY_CASE = "day_case", "Day case"
    A_AND_E = "a_and_e", "A&E"
    OUTPATIENT = "outpatient", "Outpatient"
    COMMUNITY = "community", "Community"


class Standard(models.Model):
    """A standard an organisation can breach, such as S02 "Discharge summaries"."""

    code = models.CharField(max_length=16, unique=True, help_text="Registry code, for example S02.")
    slug = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    requirement = models.TextField()
    source = models.CharField(max_length=200, help_text="For example: NHS Standard Contract.")
    contract_year = models.CharField(max_length=16, blank=True, help_text="For example 2025/26.")
    clause = models.CharField(max_length=64, blank=True)
    clause_verified = models.BooleanField(default=True)
    area = models.CharField(max_length=32, choices=Area.choices, default=Area.OTHER)
    direction = models.CharField(
        max_length=32, choices=Direction.choices, default=Direction.SECONDARY_TO_PRIMARY
    )
    applies_to_provider_types = models.JSONField(
        default=list, blank=True, help_text="Organisation types (directory) this applies to; empty means all."
    )
    applies_to_settings = models.JSONField(
        default=list, blank=True, help_text="Settings: inpatient, day_case, a_and_e, outpatient, community."
    )
    owner_icb = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for the national baseline; set for a standard an ICB added locally.",
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def is_local(self) -> bool:
        return self.owner_icb_id is not None

    def provider_type_labels(self) -> list[str]:
        """The organisation types this applies to, as people read them (empty: every provider)."""
        from liaison.directory.models import OrganisationType

        labels = dict(OrganisationType.choices)
        return [str(labels.get(value, value)) for value in self.applies_to_provider_types]

    def setting_labels(self) -> list[str]:
        labels = dict(Setting.choices)
        return [str(labels.get(value, value)) for value in self.applies_to_settings]


class TimeLimitUnit(models.TextChoices):
    HOURS = "hours", "hours"
    CALENDAR_DAYS = "days", "calendar days"
    WORKING_DAYS = "working_days", "working days"
    DAYS_SUPPLY = "days_supply", "days' supply"


class TimeLimitQuerySet(models.QuerySet):
    def in_force_on(self, day):
        return self.filter(in_force_from__lte=day).filter(
            Q(in_force_to__isnull=True) | Q(in_force_to__gte=day)
        )


class StandardTimeLimit(models.Model):
    """A time limit with the dates it was in force (clinic letters went 14 → 10 → 7 days)."""

    standard = models.ForeignKey(Standard, on_delete=models.CASCADE, related_name="time_limits")
    amount = models.PositiveIntegerField()
    unit = models.CharField(max_length=16, choices=TimeLimitUnit.choices)
    applies_to = models.CharField(max_length=100, blank=True, help_text="For example: Advice & Guidance.")
    in_force_from = models.DateField()
    in_force_to = models.DateField(null=True, blank=True, help_text="Last day in force; empty if current.")
    note = models.CharField(max_length=300, blank=True)

    objects = TimeLimitQuerySet.as_manager()

    class Meta:
        ordering = ["standard__code", "in_force_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_to__isnull=True) | Q(in_force_to__gte=models.F("in_force_from")),
                name="time_limit_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return self.describe()

    def describe(self) -> str:
        unit = self.get_unit_display()
        if self.amount == 1 and unit.endswith("s"):
            unit = unit[:-1]
        text = f"{self.amount} {unit}"
        return f"{text} ({self.applies_to})" if self.applies_to else text


class CodeOfConduct(models.Model):
    """An ICB's own Code of Conduct for the primary–secondary care interface (one per ICB)."""

    icb = models.ForeignKey(
        "directory.Organisation", on_delete=models.PROTECT, related_name="codes_of_conduct"
    )
    title = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["icb__name", "title"]
        constraints = [models.UniqueConstraint(fields=["icb"], name="one_code_of_conduct_per_icb")]

    def __str__(self) -> str:
        return self.title


class CodeOfConductVersion(models.Model):
    """One version of a Code of Conduct: the standards it selects, re-words or adds.

    A version is a draft until it is published; from then on it never changes (a change is a new
    version). The version in force on a day is the published one with the latest ``effective_from``
    on or before that day.
    """

    code_of_conduct = models.ForeignKey(CodeOfConduct, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=16)
    effective_from = models.DateField()
    published_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True)
    based_on = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The version this one was copied from.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    published_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["code_of_conduct", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["code_of_conduct", "version"], name="unique_code_version"),
            models.UniqueConstraint(
                fields=["code_of_conduct"],
                condition=Q(published_at__isnull=True),
                name="one_draft_per_code_of_conduct",
            ),
            models.UniqueConstraint(
                fields=["code_of_conduct", "effective_from"],
                condition=Q(published_at__isnull=False),
                name="one_published_version_per_effective_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code_of_conduct} version {self.version}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CodeStandard(models.Model):
    """A standard as one Code of Conduct version words it."""

    version = models.ForeignKey(CodeOfConductVersion, on_delete=models.CASCADE, related_name="standards")
    standard = models.ForeignKey(Standard, on_delete=models.PROTECT, related_name="code_entries")
    local_reference = models.CharField(max_length=32, blank=True, help_text="The Code's own numbering.")
    local_title = models.CharField(max_length=200, blank=True)
    local_wording = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    # Filled when the version is published, so a later change to the national text cannot alter
    # what a published Code said.
    published_title = models.CharField(max_length=200, blank=True)
    published_wording = models.TextField(blank=True)

    class Meta:
        ordering = ["version", "position", "standard__code"]
        constraints = [
            models.UniqueConstraint(fields=["version", "standard"], name="standard_once_per_code_version")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.local_title or self.published_title or self.standard.title

    @property
    def wording(self) -> str:
        return self.local_wording or self.published_wording or self.standard.requirement
