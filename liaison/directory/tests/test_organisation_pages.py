"""The organisation list and page."""

from datetime import date

import pytest

from liaison.core.factories import ICBFactory
from liaison.directory import selectors
from liaison.directory.models import OrganisationType
from liaison.directory.tests.factories import (
    PracticeFactory,
    TrustFactory,
    contact_for,
    place_for,
    sub_icb_for,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def liverpool(icb, practice, trust):
    sub_icb = sub_icb_for(icb, "99A", "NHS CHESHIRE AND MERSEYSIDE ICB - 99A")
    place = place_for(icb, "Liverpool", sub_icb)
    pcn = PracticeFactory(
        ods_code="U12345", name="CENTRAL LIVERPOOL PCN", icb=icb, org_type=OrganisationType.PCN
    )
    practice.parent, practice.place, practice.pcn = sub_icb, place, pcn
    practice.postcode, practice.address_lines, practice.town = "L7 8XP", "1 TEST STREET", "LIVERPOOL"
    practice.list_size = 8123
    practice.save()
    return place


def _codes(queryset) -> list[str]:
    return [organisation.ods_code for organisation in queryset]


class TestSearch:
    def test_by_name_words_code_and_postcode(self, liverpool, practice, trust):
        assert _codes(selectors.organisation_search("mersey practice")) == ["N82001"]
        assert _codes(selectors.organisation_search("n82001")) == ["N82001"]
        assert _codes(selectors.organisation_search("l78xp")) == ["N82001"]
        assert _codes(selectors.organisation_search("L7")) == ["N82001"]
        assert _codes(selectors.organisation_search("liverpool", org_type=OrganisationType.TRUST)) == ["REM"]

    def test_by_icb_and_place(self, liverpool, practice, other_icb_trust, icb):
        in_icb = _codes(selectors.organisation_search(icb=icb))
        assert "N82001" in in_icb and "QYG" in in_icb and "RXH" not in in_icb
        assert _codes(selectors.organisation_search(place=liverpool)) == ["99A", "N82001"]

    def test_closed_ones_only_when_asked(self, icb):
        PracticeFactory(ods_code="N82999", name="CLOSED SURGERY", icb=icb, closed_on=date(2020, 1, 1))
        assert _codes(selectors.organisation_search("closed surgery")) == []
        assert _codes(selectors.organisation_search("closed surgery", include_closed=True)) == ["N82999"]


class TestListPage:
    def test_defaults_to_the_users_icb(self, liverpool, reporter, other_icb_trust, client_for):
        page = client_for(reporter).get("/directory/").content.decode()
        assert 'href="/directory/organisations/N82001/"' in page
        assert "RXH" not in page
        assert '<option value="QYG" selected' in page

    def test_shows_code_type_icb_and_place(self, liverpool, reporter, client_for):
        page = client_for(reporter).get("/directory/", {"q": "N82001"}).content.decode()
        assert "Test Mersey Practice" in page
        assert "GP practice" in page
        assert "NHS Cheshire and Merseyside Integrated Care Board" in page
        assert 'aria-hidden="true">Place </span>Liverpool' in page
        assert '<th class="nhsuk-table__header" scope="col"' in " ".join(page.split())
        assert "1 organisation" in page

    def test_type_filter_and_search_all_icbs(self, liverpool, reporter, other_icb_trust, client_for):
        page = client_for(reporter).get("/directory/", {"q": "", "type": "trust", "icb": ""}).content.decode()
        assert "/directory/organisations/RXH/" in page and "/directory/organisations/REM/" in page
        assert "/directory/organisations/N82001/" not in page

    def test_fifty_a_page_in_a_fixed_number_of_queries(
        self, icb, reporter, client_for, django_assert_max_num_queries
    ):
        for number in range(60):
            PracticeFactory(ods_code=f"N9{number:04d}", name=f"PAGED SURGERY {number:02d}", icb=icb)
        client = client_for(reporter)
        with django_assert_max_num_queries(12):
            first = client.get("/directory/", {"q": "paged surgery", "icb": "QYG"}).content.decode()
        assert first.count('href="/directory/organisations/N9') == 50
        assert "60 organisations, page 1 of 2" in first
        assert 'rel="next"' in first
        second = client.get("/directory/", {"q": "paged surgery", "icb": "QYG", "page": 2}).content.decode()
        assert second.count('href="/directory/organisations/N9') == 10


class TestOrganisationPage:
    def test_shows_the_ods_facts_and_links(self, liverpool, practice, reporter, client_for):
        page = client_for(reporter).get("/directory/organisations/n82001/").content.decode()
        assert "<h1>Test Mersey Practice</h1>" in page
        assert "1 Test Street<br>Liverpool<br>L7 8XP" in page
        assert 'href="/directory/organisations/99A/"' in page
        assert 'href="/directory/organisations/QYG/"' in page
        assert 'href="/directory/organisations/U12345/"' in page
        assert f"place={liverpool.pk}" in page
        assert "8,123" in page

    def test_shows_the_trusts_contacts(self, trust, reporter, client_for):
        contact_for(trust, name="Mark Jennings")
        page = client_for(reporter).get("/directory/organisations/REM/").content.decode()
        assert 'id="whos-who"' in page and "Mark Jennings" in page

    def test_a_pcn_lists_its_practices(self, liverpool, reporter, client_for):
        page = client_for(reporter).get("/directory/organisations/U12345/").content.decode()
        assert "Practices in this primary care network" in page
        assert 'href="/directory/organisations/N82001/"' in page

    def test_a_closed_icb_points_to_its_successor(self, reporter, client_for):
        successor = ICBFactory(ods_code="S9B9J", name="NHS Surrey and Sussex ICB")
        ICBFactory(ods_code="QNX", name="NHS SUSSEX ICB", closed_on=date(2026, 3, 31), successor=successor)
        page = client_for(reporter).get("/directory/organisations/QNX/").content.decode()
        assert "This organisation closed on 31 March 2026" in page
        assert 'href="/directory/organisations/S9B9J/"' in page
        successor_page = client_for(reporter).get("/directory/organisations/S9B9J/").content.decode()
        assert "Took over from" in successor_page

    def test_unknown_code_is_404(self, reporter, client_for):
        assert client_for(reporter).get("/directory/organisations/ZZZ99/").status_code == 404

    def test_sign_in_is_required(self, client, trust):
        response = client.get("/directory/organisations/REM/")
        assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]

    def test_a_user_without_a_membership_is_refused(self, client, trust):
        from liaison.core.factories import UserFactory

        client.force_login(UserFactory())
        assert client.get("/directory/whos-who/").status_code == 403
        assert client.get("/directory/").status_code == 403


def test_trust_kinds_show_their_labels(reporter, client_for, icb):
    TrustFactory(
        ods_code="RX7", name="NORTH WEST AMBULANCE SERVICE NHS TRUST", icb=icb, org_type="ambulance_111"
    )
    page = client_for(reporter).get("/directory/organisations/RX7/").content.decode()
    assert "Ambulance / NHS 111 provider" in page
