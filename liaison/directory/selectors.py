"""Every read of the directory: organisations, Places, specialties and the who's who.

Directory facts are public NHS reference data and named work contacts, so every signed-in member
may read them (``directory.view``); who may change contacts is decided by the caller.
"""

import re
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone

from liaison.core.reference import Kept
from liaison.directory.models import (
    Contact,
    ContactRole,
    Organisation,
    OrganisationService,
    OrganisationType,
    Place,
    Specialty,
)

_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})$")
_POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
_ODS_CODE = re.compile(r"^[A-Z0-9]{3,10}$")


def _normalised_postcode(text: str) -> str | None:
    """``l78xp`` → ``L7 8XP``; None when the text is not a full postcode."""
    match = _POSTCODE.match(text.upper().strip())
    return f"{match.group(1)} {match.group(2)}" if match else None


def _text_filter(text: str) -> Q | None:
    """Name words (all of them, in any order), an exact ODS code, or a postcode (full or district).

    When the text is exactly an ODS code in the directory, only that code matches: "REM" means
    Liverpool University Hospitals, not every name with "rem" in it.
    """
    text = (text or "").strip()
    if not text:
        return None
    upper = text.upper()
    if _ODS_CODE.match(upper) and Organisation.objects.filter(ods_code=upper).exists():
        return Q(ods_code=upper)
    words = re.findall(r"[\w'&]+", text)
    condition = Q()
    for word in words:
        condition &= Q(name__icontains=word)
    postcode = _normalised_postcode(text)
    if postcode:
        condition |= Q(postcode=postcode)
    elif _POSTCODE_DISTRICT.match(upper):
        condition |= Q(postcode__startswith=f"{upper} ")
    return condition


def organisation_search(
    text: str = "",
    org_type: str | None = None,
    icb: Organisation | str | None = None,
    place: Place | int | None = None,
    *,
    include_closed: bool = False,
) -> QuerySet[Organisation]:
    """Organisations matching ``text`` (name words, ODS code or postcode), optionally by type, ICB and Place.

    An exact ODS code match comes first, then open organisations by name. ``icb`` is an ICB or
    its ODS code and includes the ICB itself.
    """
    organisations = Organisation.objects.select_related("icb", "place", "parent")
    condition = _text_filter(text)
    if condition is not None:
        organisations = organisations.filter(condition)
    if org_type:
        organisations = organisations.filter(org_type=org_type)
    if icb:
        code = icb.ods_code if isinstance(icb, Organisation) else str(icb).upper()
        organisations = organisations.filter(Q(icb__ods_code=code) | Q(ods_code=code))
    if place:
        organisations = organisations.filter(Q(place=place) | Q(places_covered=place)).distinct()
    if not include_closed:
        organisations = organisations.filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=timezone.localdate())
        )
    exact = (text or "").strip().upper()
    return organisations.annotate(
        exact_code=Case(When(ods_code=exact, then=Value(0)), default=Value(1), output_field=IntegerField()),
        is_closed=Case(
            When(closed_on__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
        ),
    ).order_by("exact_code", "is_closed", "name", "ods_code")


def organisation_by_ods(code: str) -> Organisation | None:
    """The organisation with this ODS code (any case), with the organisations it belongs to."""
    return (
        Organisation.objects.select_related("parent", "icb", "pcn", "place", "place__icb", "successor")
        .filter(ods_code=(code or "").strip().upper())
        .first()
    )


def organisation_to_report_about(code: str, *, token: str | None = None) -> Organisation | None:
    """The organisation with this ODS code and its ICB: what submitting and routing a concern read.

    One query joining only the ICB and its clock policy (which starts the new concern's clocks), and
    its trust for a trust site (routing sends a site's concerns to its trust). With the reference
    generation ``token`` (``liaison.core.reference``) the answer is kept in this process while the
    token stands, so a submission reads it once per change to the directory, not once per concern.
    Callers share the kept organisation and must not change it.
    """
    code = (code or "").strip().upper()
    if not code:
        return None
    return _ABOUT.get(code, lambda: _organisation_to_report_about(code), token=token)


_ABOUT = Kept(limit=8192)


def _organisation_to_report_about(code: str) -> Organisation | None:
    try:
        return Organisation.objects.select_related("icb", "icb__clock_policy", "parent").get(ods_code=code)
    except Organisation.DoesNotExist:
        return None


def icbs_open() -> QuerySet[Organisation]:
    """The ICBs open today, by name."""
    return organisation_search(org_type=OrganisationType.ICB)


def icb_of(organisation: Organisation | None) -> Organisation | None:
    """The ICB an organisation is in: itself for an ICB."""
    if organisation is None:
        return None
    if organisation.org_type == OrganisationType.ICB:
        return organisation
    return organisation.icb


def places_in(icb: Organisation | str | None) -> QuerySet[Place]:
    """The Places of an ICB (or of every ICB when ``icb`` is None), by name."""
    places = Place.objects.select_related("icb")
    if icb is None:
        return places.order_by("name", "icb__name")
    code = icb.ods_code if isinstance(icb, Organisation) else str(icb).upper()
    return places.filter(icb__ods_code=code).order_by("name")


def place_by_id(place_id) -> Place | None:
    try:
        return Place.objects.select_related("icb").filter(pk=int(place_id)).first()
    except (TypeError, ValueError):
        return None


@dataclass
class OrganisationListOptions:
    """What the organisation list's filters offer, and the filters chosen."""

    icbs: list[Organisation]
    places: list[Place]
    icb: Organisation | None
    place: Place | None


def organisation_list_options(
    *, icb_code: str = "", place_id: str | int | None = None
) -> OrganisationListOptions:
    """The ICBs to filter by, the Places of the chosen ICB, and the chosen ICB and Place."""
    icbs = list(icbs_open())
    icb = next((item for item in icbs if item.ods_code == (icb_code or "").upper()), None)
    if icb is None and icb_code:
        icb = organisation_by_ods(icb_code)
    place = place_by_id(place_id) if place_id else None
    return OrganisationListOptions(
        icbs=icbs, places=list(places_in(icb)) if icb else [], icb=icb, place=place
    )


@dataclass
class OrganisationProfile:
    """Everything the organisation page shows."""

    organisation: Organisation
    services: list[OrganisationService]
    contacts: list[Contact]
    members: list[Organisation] = field(default_factory=list)
    member_counts: dict[str, int] = field(default_factory=dict)
    predecessors: list[Organisation] = field(default_factory=list)
    places_covered: list[Place] = field(default_factory=list)
    places: list[Place] = field(default_factory=list)


def organisation_profile(ods_code: str) -> OrganisationProfile | None:
    """An organisation with its services, who's who contacts and the organisations that belong to it."""
    organisation = organisation_by_ods(ods_code)
    if organisation is None:
        return None
    profile = OrganisationProfile(
        organisation=organisation,
        services=list(organisation.services.filter(is_active=True).select_related("specialty")),
        contacts=list(
            contacts_search(organisation=organisation).select_related("place", "service__specialty")
        ),
        predecessors=list(organisation.predecessors.order_by("name")),
        places_covered=list(organisation.places_covered.order_by("name")),
    )
    if organisation.org_type == OrganisationType.PCN:
        profile.members = list(organisation.pcn_practices.order_by("closed_on", "name"))
    elif organisation.org_type in (OrganisationType.ICB, OrganisationType.SUB_ICB_LOCATION):
        members = (
            organisation.icb_members
            if organisation.org_type == OrganisationType.ICB
            else organisation.children
        )
        counts = (
            members.filter(closed_on__isnull=True)
            .values("org_type")
            .annotate(count=Count("id"))
            .order_by("org_type")
        )
        labels = dict(OrganisationType.choices)
        profile.member_counts = {labels[row["org_type"]]: row["count"] for row in counts}
        if organisation.org_type == OrganisationType.ICB:
            profile.places = list(places_in(organisation))
    return profile


def specialties_all() -> QuerySet[Specialty]:
    """Every specialty, by name."""
    return Specialty.objects.order_by("name")


def specialty_by_code(code: str) -> Specialty | None:
    return Specialty.objects.filter(code=(code or "").strip()).first()


# --- The who's who -------------------------------------------------------------------------------


def roles_matching(text: str) -> list[str]:
    """Contact roles whose name contains the text, so people can type "interface lead"."""
    text = (text or "").strip().lower()
    if not text:
        return []
    return [value for value, label in ContactRole.choices if text in label.lower() or label.lower() in text]


def contacts_search(
    text: str = "",
    role: str | None = None,
    place: Place | int | None = None,
    organisation: Organisation | str | None = None,
    *,
    icb: Organisation | None = None,
) -> QuerySet[Contact]:
    """Active who's who contacts, matched on organisation name or ODS code, person, job title or role.

    ``place`` finds contacts for that Place and at organisations in it; ``organisation`` is an
    organisation or its ODS code; ``icb`` keeps contacts at organisations in that ICB.
    """
    contacts = Contact.objects.filter(is_active=True).select_related(
        "organisation", "organisation__icb", "place", "service__specialty"
    )
    text = (text or "").strip()
    if text:
        condition = Q(name__icontains=text) | Q(job_title__icontains=text)
        organisation_condition = _text_filter(text)
        if organisation_condition is not None:
            condition |= Q(organisation__in=Organisation.objects.filter(organisation_condition))
        roles = roles_matching(text)
        if roles:
            condition |= Q(role__in=roles)
        condition |= Q(service__specialty__name__icontains=text) | Q(service__local_name__icontains=text)
        condition |= Q(place__name__icontains=text)
        contacts = contacts.filter(condition)
    if role:
        contacts = contacts.filter(role=role)
    if place:
        contacts = contacts.filter(Q(place=place) | Q(organisation__place=place))
    if organisation:
        if isinstance(organisation, Organisation):
            contacts = contacts.filter(organisation=organisation)
        else:
            contacts = contacts.filter(organisation__ods_code=str(organisation).strip().upper())
    if icb is not None:
        contacts = contacts.filter(Q(organisation=icb) | Q(organisation__icb=icb))
    return contacts.order_by("organisation__name", "organisation__ods_code", "role", "name")


def contact_by_id(contact_id) -> Contact | None:
    """An active contact, with its organisation."""
    try:
        pk = int(contact_id)
    except (TypeError, ValueError):
        return None
    return (
        Contact.objects.select_related(
            "organisation", "organisation__icb", "place", "service__specialty", "user"
        )
        .filter(pk=pk, is_active=True)
        .first()
    )


@dataclass
class WhosWhoGroup:
    organisation: Organisation
    contacts: list[Contact]


@dataclass
class WhosWho:
    """The who's who page: contacts grouped by organisation, and what the filters offer."""

    groups: list[WhosWhoGroup]
    total: int
    shown: int
    places: list[Place]
    icb: Organisation | None
    searched: bool
    # Organisations that match the search but have no named contacts yet.
    without_contacts: list[Organisation] = field(default_factory=list)


WHOS_WHO_LIMIT = 200


def whos_who(
    *, text: str = "", role: str = "", place_id: str | int | None = None, icb: Organisation | None = None
) -> WhosWho:
    """Find who to talk to: contacts matching the search, grouped by organisation.

    With no search the page lists the contacts of the person's own ICB; a search looks across
    every ICB, since a practice may need a trust hosted elsewhere (the ambulance service, say).
    The Places offered are those of ``icb``.
    """
    place = place_by_id(place_id) if place_id else None
    searched = bool((text or "").strip() or role or place)
    contacts = contacts_search(text=text, role=role or None, place=place, icb=None if searched else icb)
    if not searched and icb is None:
        contacts = contacts.none()
    total = contacts.count()
    shown = list(contacts[:WHOS_WHO_LIMIT])
    groups: list[WhosWhoGroup] = []
    for contact in shown:
        if not groups or groups[-1].organisation.pk != contact.organisation_id:
            groups.append(WhosWhoGroup(organisation=contact.organisation, contacts=[]))
        groups[-1].contacts.append(contact)
    without = []
    if (text or "").strip():
        without = list(
            organisation_search(text)
            .exclude(contacts__is_active=True)
            .exclude(org_type=OrganisationType.GP_PRACTICE)[:10]
        )
    return WhosWho(
        groups=groups,
        total=total,
        shown=len(shown),
        places=list(places_in(icb)) if icb else [],
        icb=icb,
        searched=searched,
        without_contacts=without,
    )


@dataclass
class ContactFormChoices:
    places: list[Place]
    services: list[OrganisationService]


def contact_form_choices(organisation: Organisation) -> ContactFormChoices:
    """The Places (of the organisation's ICB) and services a contact at this organisation may be for."""
    icb = icb_of(organisation)
    return ContactFormChoices(
        places=list(places_in(icb)) if icb else [],
        services=list(organisation.services.filter(is_active=True).select_related("specialty")),
    )
