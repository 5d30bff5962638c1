"""Directory test data built through the services, as the application builds it."""

from liaison.core.factories import PracticeFactory, TrustFactory
from liaison.directory import services
from liaison.directory.models import ContactRole, OrganisationType, Place


def place_for(icb, name: str, *sub_icbs) -> Place:
    place = Place.objects.create(icb=icb, name=name)
    place.sub_icb_locations.set(sub_icbs)
    return place


def sub_icb_for(icb, code: str, name: str):
    return PracticeFactory(
        ods_code=code, name=name, icb=icb, parent=icb, org_type=OrganisationType.SUB_ICB_LOCATION
    )


def contact_for(organisation, role=ContactRole.INTERFACE_LEAD, name="Pat Example", **fields):
    fields.setdefault("email", f"{name.lower().replace(' ', '.')}@example.nhs.uk")
    return services.contact_create(organisation=organisation, role=role, name=name, **fields)


__all__ = ["PracticeFactory", "TrustFactory", "contact_for", "place_for", "sub_icb_for"]
