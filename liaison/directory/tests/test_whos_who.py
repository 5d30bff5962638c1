"""The who's who: a GP finds who to talk to by trust name, ODS code, role or Place."""

import re

import pytest

from liaison.directory import selectors
from liaison.directory.models import ContactRole, OrganisationType
from liaison.directory.tests.factories import TrustFactory, contact_for, place_for, sub_icb_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def directory(icb, other_icb, practice, trust, other_icb_trust):
    liverpool_sub_icb = sub_icb_for(icb, "99A", "NHS CHESHIRE AND MERSEYSIDE ICB - 99A")
    liverpool = place_for(icb, "Liverpool", liverpool_sub_icb)
    wirral = place_for(icb, "Wirral")
    practice.place = liverpool
    practice.save()
    alder_hey = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    mersey_care = TrustFactory(
        ods_code="RW4",
        name="MERSEY CARE NHS FOUNDATION TRUST",
        icb=icb,
        org_type=OrganisationType.MENTAL_HEALTH_TRUST,
    )
    return {
        "liverpool": liverpool,
        "wirral": wirral,
        "alder_hey": alder_hey,
        "mersey_care": mersey_care,
        "luhft_lead": contact_for(
            trust, name="Mark Jennings", job_title="Trust interface lead", phone="0151 706 2000"
        ),
        "luhft_md": contact_for(
            trust, ContactRole.MEDICAL_DIRECTOR, name="Fiona Blake", job_title="Medical director"
        ),
        "alder_hey_lead": contact_for(alder_hey, name="Sam Okafor", contact_notes="Email first"),
        "mersey_care_lead": contact_for(mersey_care, name="Karen Lloyd"),
        "liverpool_commissioner": contact_for(
            icb, ContactRole.PLACE_COMMISSIONER, name="Lee Commissioner", place=liverpool
        ),
        "wirral_commissioner": contact_for(
            icb, ContactRole.PLACE_COMMISSIONER, name="Wyn Commissioner", place=wirral
        ),
        "practice_manager": contact_for(practice, ContactRole.PRACTICE_MANAGER, name="Polly Manager"),
        "sussex_lead": contact_for(other_icb_trust, name="Sue Sussex"),
    }


def _names(result) -> set[str]:
    return {contact.name for group in result.groups for contact in group.contacts}


def test_by_trust_name(directory):
    result = selectors.whos_who(text="alder hey")
    assert _names(result) == {"Sam Okafor"}
    assert [group.organisation.ods_code for group in result.groups] == ["RBS"]


def test_by_words_of_the_name_in_any_order(directory):
    assert _names(selectors.whos_who(text="university liverpool")) == {"Mark Jennings", "Fiona Blake"}


def test_by_ods_code_in_any_case(directory):
    assert _names(selectors.whos_who(text="rem")) == {"Mark Jennings", "Fiona Blake"}
    assert _names(selectors.whos_who(text="RW4")) == {"Karen Lloyd"}


def test_by_role_typed_or_chosen(directory):
    typed = selectors.whos_who(text="interface lead")
    assert _names(typed) == {"Mark Jennings", "Sam Okafor", "Karen Lloyd", "Sue Sussex"}
    chosen = selectors.whos_who(role=ContactRole.MEDICAL_DIRECTOR)
    assert _names(chosen) == {"Fiona Blake"}
    both = selectors.whos_who(text="liverpool", role=ContactRole.INTERFACE_LEAD)
    assert _names(both) == {"Mark Jennings"}


def test_by_place(directory, icb):
    result = selectors.whos_who(place_id=directory["liverpool"].pk, icb=icb)
    # The Place's own commissioner and the contacts at organisations in the Place.
    assert _names(result) == {"Lee Commissioner", "Polly Manager"}
    assert [place.name for place in result.places] == ["Liverpool", "Wirral"]


def test_by_person_and_job_title(directory):
    assert _names(selectors.whos_who(text="okafor")) == {"Sam Okafor"}
    assert _names(selectors.whos_who(text="medical director")) == {"Fiona Blake"}


def test_without_a_search_shows_the_own_icb_only(directory, icb):
    result = selectors.whos_who(icb=icb)
    assert not result.searched
    assert "Sue Sussex" not in _names(result)
    assert "Mark Jennings" in _names(result)


def test_a_search_reaches_other_icbs(directory, icb):
    # A practice may need a trust hosted elsewhere, such as the ambulance service.
    assert _names(selectors.whos_who(text="sussex", icb=icb)) == {"Sue Sussex"}


def test_removed_contacts_are_not_found(directory):
    from liaison.directory import services

    services.contact_deactivate(contact=directory["alder_hey_lead"])
    assert _names(selectors.whos_who(text="alder hey")) == set()


def test_page_groups_results_by_organisation(directory, reporter, client_for):
    response = client_for(reporter).get("/directory/whos-who/", {"q": "liverpool university"})
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('href="/directory/organisations/REM/"') == 1
    assert "Mark Jennings" in page and "Fiona Blake" in page
    assert 'href="mailto:mark.jennings@example.nhs.uk"' in page
    assert 'href="tel:01517062000"' in page
    assert "2 contacts" in page
    assert re.search(
        r"<caption[^>]*>\s*Contacts at Liverpool University Hospitals NHS Foundation Trust", page
    )
    # A reporter at a practice may not change a trust's contacts.
    assert "/directory/contacts/" not in page


def test_page_offers_the_places_of_the_users_icb(directory, reporter, client_for):
    page = client_for(reporter).get("/directory/whos-who/").content.decode()
    assert '<select class="nhsuk-select" id="whos-who-place" name="place"' in page
    assert ">Liverpool</option>" in page and ">Wirral</option>" in page
    assert "Contacts in NHS Cheshire and Merseyside Integrated Care Board" in page


def test_page_shows_change_links_to_those_who_may_edit(directory, interface_lead, client_for):
    page = client_for(interface_lead).get("/directory/whos-who/", {"q": "interface lead"}).content.decode()
    luhft = directory["luhft_lead"]
    alder_hey = directory["alder_hey_lead"]
    assert f"/directory/contacts/{luhft.pk}/edit/" in page
    assert f"/directory/contacts/{alder_hey.pk}/edit/" not in page


def test_page_lists_matching_organisations_without_contacts(directory, reporter, client_for, icb):
    TrustFactory(ods_code="RBQ", name="LIVERPOOL HEART AND CHEST HOSPITAL NHS FOUNDATION TRUST", icb=icb)
    page = client_for(reporter).get("/directory/whos-who/", {"q": "liverpool"}).content.decode()
    assert "Matching organisations with no named contacts yet" in page
    assert 'href="/directory/organisations/RBQ/"' in page


def test_names_are_escaped(directory, reporter, client_for, trust):
    contact_for(trust, name="<script>alert(1)</script>", email="x@example.nhs.uk")
    page = client_for(reporter).get("/directory/whos-who/", {"q": "REM"}).content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_role_is_ignored_not_an_error(directory, reporter, client_for):
    response = client_for(reporter).get("/directory/whos-who/", {"q": "alder", "role": "nonsense"})
    assert response.status_code == 200
    assert "Sam Okafor" in response.content.decode()
