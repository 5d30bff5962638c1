"""The directory API: organisations from ODS, the who's who and specialties, read-only."""

from datetime import date

from django.http import Http404
from django.urls import reverse
from ninja import Field, Query, Router, Schema

from liaison.accounts.permissions import has_permission
from liaison.directory import selectors
from liaison.directory.models import ContactRole, OrganisationType

router = Router(tags=["directory"])


class ServiceOut(Schema):
    specialty_code: str
    specialty_name: str
    local_name: str


class ContactOut(Schema):
    id: int
    role: ContactRole
    role_label: str
    name: str
    job_title: str
    email: str
    phone: str
    how_to_contact: str
    organisation_ods_code: str
    organisation_name: str
    place: str | None
    service: str | None


class OrganisationSummaryOut(Schema):
    ods_code: str
    name: str
    ods_name: str
    org_type: OrganisationType
    org_type_label: str
    icb_ods_code: str | None
    icb_name: str | None
    parent_ods_code: str | None
    place: str | None
    postcode: str
    closed_on: date | None
    url: str


class OrganisationOut(OrganisationSummaryOut):
    address: list[str]
    phone: str
    opened_on: date | None
    list_size: int | None
    ons_code: str
    region_code: str
    pcn_ods_code: str | None
    successor_ods_code: str | None
    services: list[ServiceOut]
    contacts: list[ContactOut]


class OrganisationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[OrganisationSummaryOut]


class ContactPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ContactOut]


class SpecialtyOut(Schema):
    code: str
    name: str
    kind: str


class OrganisationFilters(Schema):
    q: str = Field("", max_length=200, description="Name words, an ODS code or a postcode")
    type: OrganisationType | None = Field(None, description="Organisation type")
    icb: str = Field("", max_length=12, description="An ICB's ODS code, for example QYG")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)  # beyond this, the database cannot hold the number


class ContactFilters(Schema):
    q: str = Field("", max_length=200, description="Organisation name or ODS code, person, job title or role")
    role: ContactRole | None = None
    organisation: str = Field("", max_length=12, description="The organisation's ODS code")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)  # beyond this, the database cannot hold the number


def _require_view(request) -> None:
    if not has_permission(getattr(request, "membership", None), "directory.view"):
        raise PermissionError("You need a current organisation membership to read the directory.")


def _code(organisation) -> str | None:
    return organisation.ods_code if organisation else None


def _summary(organisation) -> dict:
    return {
        "ods_code": organisation.ods_code,
        "name": organisation.display_name,
        "ods_name": organisation.name,
        "org_type": organisation.org_type,
        "org_type_label": organisation.get_org_type_display(),
        "icb_ods_code": _code(organisation.icb),
        "icb_name": organisation.icb.display_name if organisation.icb else None,
        "parent_ods_code": _code(organisation.parent),
        "place": organisation.place.name if organisation.place else None,
        "postcode": organisation.postcode,
        "closed_on": organisation.closed_on,
        "url": reverse("directory:organisation_detail", args=[organisation.ods_code]),
    }


def _contact(contact) -> dict:
    return {
        "id": contact.pk,
        "role": contact.role,
        "role_label": contact.get_role_display(),
        "name": contact.name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "how_to_contact": contact.contact_notes,
        "organisation_ods_code": contact.organisation.ods_code,
        "organisation_name": contact.organisation.display_name,
        "place": contact.place.name if contact.place_id else None,
        "service": str(contact.service) if contact.service_id else None,
    }


@router.get(
    "/organisations",
    response=OrganisationPage,
    summary="Search organisations",
    description="Open organisations matching a name, ODS code or postcode, optionally by type and ICB "
    "(an ICB's ODS code). Exact ODS code matches come first.",
)
def organisation_list(request, filters: Query[OrganisationFilters]):
    _require_view(request)
    organisations = selectors.organisation_search(filters.q, org_type=filters.type, icb=filters.icb or None)
    window = organisations[filters.offset : filters.offset + filters.limit]
    return {
        "count": organisations.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_summary(item) for item in window],
    }


@router.get(
    "/organisations/{ods_code}",
    response=OrganisationOut,
    summary="One organisation, with its services and who's who contacts",
)
def organisation_detail(request, ods_code: str):
    _require_view(request)
    profile = selectors.organisation_profile(ods_code)
    if profile is None:
        raise Http404(f"No organisation has the ODS code {ods_code.upper()}.")
    organisation = profile.organisation
    return {
        **_summary(organisation),
        "address": organisation.display_address,
        "phone": organisation.phone,
        "opened_on": organisation.opened_on,
        "list_size": organisation.list_size,
        "ons_code": organisation.ons_code,
        "region_code": organisation.region_code,
        "pcn_ods_code": _code(organisation.pcn),
        "successor_ods_code": _code(organisation.successor),
        "services": [
            {
                "specialty_code": service.specialty.code,
                "specialty_name": service.specialty.name,
                "local_name": service.local_name,
            }
            for service in profile.services
        ],
        "contacts": [_contact(contact) for contact in profile.contacts],
    }


@router.get(
    "/contacts",
    response=ContactPage,
    summary="Search the who's who",
    description="Named contacts matching an organisation name or ODS code, a person, a job title or a "
    "role; filter by role and by organisation (ODS code).",
)
def contact_list(request, filters: Query[ContactFilters]):
    _require_view(request)
    contacts = selectors.contacts_search(
        filters.q, role=filters.role, organisation=filters.organisation or None
    )
    window = contacts[filters.offset : filters.offset + filters.limit]
    return {
        "count": contacts.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_contact(contact) for contact in window],
    }


@router.get("/specialties", response=list[SpecialtyOut], summary="NHS treatment function codes")
def specialty_list(request):
    _require_view(request)
    return list(selectors.specialties_all())
