"""The NHS directory: organisations from ODS, Places, services and the who's who of named roles."""

import functools

from django.db import models
from django.db.models import Q


class OrganisationType(models.TextChoices):
    GP_PRACTICE = "gp_practice", "GP practice"
    PCN = "pcn", "Primary care network"
    TRUST = "trust", "Acute trust"
    TRUST_SITE = "trust_site", "Trust site"
    COMMUNITY_PROVIDER = "community_provider", "Community provider"
    MENTAL_HEALTH_TRUST = "mental_health_trust", "Mental health trust"
    AMBULANCE_111 = "ambulance_111", "Ambulance / NHS 111 provider"
    EXTENDED_ACCESS_HUB = "extended_access_hub", "Extended access hub"
    ICB = "icb", "Integrated care board"
    SUB_ICB_LOCATION = "sub_icb_location", "Sub-ICB location"
    OTHER = "other", "Other organisation"


PROVIDER_TYPES = {
    OrganisationType.TRUST,
    OrganisationType.TRUST_SITE,
    OrganisationType.COMMUNITY_PROVIDER,
    OrganisationType.MENTAL_HEALTH_TRUST,
    OrganisationType.AMBULANCE_111,
}
PRIMARY_CARE_TYPES = {
    OrganisationType.GP_PRACTICE,
    OrganisationType.PCN,
    OrganisationType.EXTENDED_ACCESS_HUB,
}


class OrganisationQuerySet(models.QuerySet):
    def open_on(self, day):
        return self.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gte=day)
        )

    def active(self):
        return self.filter(closed_on__isnull=True)

    def in_icb(self, icb):
        return self.filter(Q(icb=icb) | Q(pk=icb.pk))

    def search(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(ods_code__iexact=text) | Q(name__icontains=text) | Q(postcode__iexact=text))


class Organisation(models.Model):
    """An NHS organisation identified by its ODS code."""

    ods_code = models.CharField("ODS code", max_length=12, unique=True)
    name = models.CharField(max_length=255)
    org_type = models.CharField("type", max_length=32, choices=OrganisationType.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="Practice → sub-ICB location, sub-ICB location → ICB, trust site → trust, PCN → sub-ICB.",
    )
    icb = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="icb_members",
        limit_choices_to={"org_type": OrganisationType.ICB},
        verbose_name="ICB",
    )
    pcn = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="pcn_practices",
        limit_choices_to={"org_type": OrganisationType.PCN},
        verbose_name="PCN",
    )
    place = models.ForeignKey(
        "directory.Place", null=True, blank=True, on_delete=models.SET_NULL, related_name="organisations"
    )
    successor = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="predecessors",
        help_text="The organisation that took this one over (for example an ICB merger).",
    )
    region_code = models.CharField("NHS England region", max_length=8, blank=True)
    address_lines = models.CharField(max_length=500, blank=True)
    town = models.CharField(max_length=100, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    list_size = models.PositiveIntegerField("registered patients", null=True, blank=True)
    ons_code = models.CharField("ONS code", max_length=12, blank=True)
    source = models.CharField(max_length=64, blank=True, help_text="The ODS file this row was loaded from.")
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["icb", "org_type"]), models.Index(fields=["place", "org_type"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.ods_code})"

    @property
    def display_name(self) -> str:
        """ODS names are upper case; show them as people write them."""
        return title_case_name(self.name)

    @property
    def display_address(self) -> list[str]:
        """The address as lines, in the case people write them, ending with the postcode."""
        lines = [title_case_name(line) for line in self.address_lines.split(", ") if line]
        if self.town:
            lines.append(title_case_name(self.town))
        if self.postcode:
            lines.append(self.postcode)
        return lines

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def is_provider(self) -> bool:
        return self.org_type in PROVIDER_TYPES


_SMALL_WORDS = {"and", "of", "the", "for", "on", "in", "upon", "at", "with"}
_KEEP_UPPER = {"NHS", "ICB", "PCN", "CCG", "GP", "UK", "ENT", "UTC", "PLC", "LLP", "CIC", "II", "III"}


@functools.lru_cache(maxsize=16384)
def title_case_name(name: str) -> str:
    words = []
    for index, word in enumerate(name.split()):
        upper = word.upper()
        # Codes such as "01T" or "A81001" stay as ODS writes them.
        if upper in _KEEP_UPPER or any(character.isdigit() for character in word):
            words.append(upper)
        elif index and word.lower() in _SMALL_WORDS:
            words.append(word.lower())
        else:
            words.append("-".join(part[:1].upper() + part[1:].lower() for part in word.split("-")))
    return " ".join(words)


class Place(models.Model):
    """A Place within an ICB: usually a local-authority footprint made of sub-ICB locations."""

    name = models.CharField(max_length=120)
    icb = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="places")
    sub_icb_locations = models.ManyToManyField(Organisation, blank=True, related_name="places_covered")

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["icb", "name"], name="place_unique_name_per_icb")]

    def __str__(self) -> str:
        return self.name


class Specialty(models.Model):
    """An NHS main specialty / treatment function code, for example 100 General Surgery."""

    code = models.CharField(max_length=8, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(
        max_length=20,
        choices=[
            ("treatment_function", "Treatment function"),
            ("main_specialty", "Main specialty"),
            ("service", "Local service"),
        ],
        default="treatment_function",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "specialties"

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class OrganisationService(models.Model):
    """A service or specialty that an organisation provides, with a local name if it has one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="services")
    specialty = models.ForeignKey(Specialty, on_delete=models.PROTECT, related_name="organisation_services")
    local_name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["specialty__name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "specialty"], name="one_service_per_specialty")
        ]

    def __str__(self) -> str:
        return self.local_name or self.specialty.name


class ContactRole(models.TextChoices):
    INTERFACE_LEAD = "interface_lead", "Interface lead"
    CLINICAL_DIRECTOR = "clinical_director", "Clinical director"
    MEDICAL_DIRECTOR = "medical_director", "Medical director"
    PLACE_COMMISSIONER = "place_commissioner", "Place commissioner"
    PRIMARY_CARE_LEAD = "primary_care_lead", "Primary care lead"
    SERVICE_LEAD = "service_lead", "Service lead"
    QUALITY_LEAD = "quality_lead", "Quality lead"
    PRACTICE_MANAGER = "practice_manager", "Practice manager"


class Contact(models.Model):
    """A named role in the who's who: who to talk to at an organisation, service or Place."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    service = models.ForeignKey(
        OrganisationService, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts"
    )
    place = models.ForeignKey(Place, null=True, blank=True, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(max_length=32, choices=ContactRole.choices, db_index=True)
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    contact_notes = models.CharField(
        "how to contact", max_length=500, blank=True, help_text="For example: bleep, switchboard, hours."
    )
    user = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="directory_roles"
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation__name", "role", "name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.get_role_display()} at {self.organisation.display_name}"
