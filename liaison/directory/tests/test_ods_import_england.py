"""The import against the real ODS files for all of England: loaded once for this module.

The module fixture imports inside a transaction that is rolled back when the module ends; each
test runs in a savepoint within it, so tests may change data freely.
"""

import csv
import filecmp
from datetime import date

import pytest
from django.db import transaction

from liaison.audit.models import AuditAction, AuditEvent
from liaison.directory import services
from liaison.directory.models import Organisation, OrganisationType, Place, Specialty
from liaison.directory.ods import ODS_DIR, SPECIALTIES_FILE
from liaison.directory.tests.conftest import REAL_ODS, SHARED_ODS

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 22)
CHESHIRE_AND_MERSEYSIDE_PLACES = {
    "Halton",
    "Knowsley",
    "Liverpool",
    "Sefton",
    "St Helens",
    "Warrington",
    "Wirral",
    "Cheshire East",
    "Cheshire West and Chester",
}


@pytest.fixture(scope="module")
def england(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        report = services.ods_import(directory=REAL_ODS, today=TODAY)
        yield report
        transaction.set_rollback(True)


def _epraccur_rows():
    path = sorted(REAL_ODS.glob("epraccur*.csv"))[-1]
    with path.open(encoding="latin-1", newline="") as handle:
        return list(csv.reader(handle))


def _organisation(code: str) -> Organisation:
    return Organisation.objects.select_related("icb", "parent", "pcn", "place", "successor").get(
        ods_code=code
    )


def test_all_icbs_and_their_successors_are_loaded(england):
    icbs = Organisation.objects.filter(org_type=OrganisationType.ICB)
    assert icbs.count() == 42 + 6  # the 42 ICBs of 2024 and the six new ICBs of April 2026
    # Twelve ICBs closed on 31 March 2026; Hampshire and Isle of Wight (QRL) took part of Frimley and stays.
    assert icbs.filter(closed_on=date(2026, 3, 31)).count() == 12
    assert icbs.filter(closed_on__isnull=True).count() == 36
    assert _organisation("QYG").closed_on is None
    assert _organisation("QYG").ons_code == "E54000008"
    assert _organisation("QRL").closed_on is None


def test_sussex_became_part_of_surrey_and_sussex(england):
    sussex = _organisation("QNX")
    assert sussex.closed_on == date(2026, 3, 31)
    assert sussex.successor.ods_code == "S9B9J"
    assert sussex.successor.display_name == "NHS Surrey and Sussex ICB"
    sussex_practices = {row[0] for row in _epraccur_rows() if row[3] == "QNX" and "RO76" in row[25]}
    assert len(sussex_practices) > 150
    icbs = set(
        Organisation.objects.filter(ods_code__in=sussex_practices).values_list("icb__ods_code", flat=True)
    )
    assert icbs == {"S9B9J"}
    assert not Organisation.objects.filter(icb=sussex).exists()
    assert _organisation("09D").icb.ods_code == "S9B9J"


def test_a_split_icb_is_placed_by_sub_icb_location(england):
    hertfordshire, west_essex = _organisation("06K"), _organisation("07H")
    assert hertfordshire.icb.ods_code == "S1Y5D"
    assert west_essex.icb.ods_code == "D7T5G"
    assert _organisation("QM7").successor is None  # a split has no single successor
    # Frimley's one sub-ICB location spans all three parts, so its practices stay with Frimley.
    assert _organisation("D4U1Y").icb.ods_code == "QNQ"
    assert any("closed ICB QNQ" in message for message in england.warnings)


def test_cheshire_and_merseyside_practices(england):
    expected_open = {
        row[0] for row in _epraccur_rows() if row[3] == "QYG" and "RO76" in row[25] and not row[11]
    }
    assert 330 <= len(expected_open) <= 345  # 338 active and one dormant practice in Feb 2026
    open_practices = Organisation.objects.filter(
        icb__ods_code="QYG", org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True
    )
    assert set(open_practices.values_list("ods_code", flat=True)) == expected_open
    # Every open practice has its sub-ICB location, PCN (mostly), Place and list size.
    assert not open_practices.filter(parent__isnull=True).exists()
    assert not open_practices.filter(place__isnull=True).exists()
    assert open_practices.filter(pcn__isnull=False).count() > 320
    assert open_practices.filter(list_size__isnull=False).count() > 320


def test_practice_fields_come_from_the_right_columns(england):
    practice = _organisation("A81002")
    assert practice.name == "QUEENS PARK MEDICAL CENTRE"
    assert practice.display_name == "Queens Park Medical Centre"
    assert practice.org_type == OrganisationType.GP_PRACTICE
    assert practice.address_lines == "FARRER STREET"
    assert practice.town == "STOCKTON ON TEES"
    assert practice.postcode == "TS18 2AW"
    assert practice.phone == "01642 618170"
    assert practice.opened_on == date(1974, 4, 1)
    assert practice.parent.ods_code == "16C"
    assert practice.icb.ods_code == "QHM"
    assert practice.list_size == 18738
    assert practice.source == "epraccur"
    closed = _organisation("A81003")
    assert closed.closed_on == date(2017, 10, 31)


def test_extended_access_hubs_and_skipped_roles(england):
    hub = _organisation("Y04105")
    assert hub.org_type == OrganisationType.EXTENDED_ACCESS_HUB
    assert hub.icb.ods_code == "QMF"
    skipped = england.sections["practices"].skipped
    assert skipped["role RO72: not a GP practice or hub"] == 1913
    assert not Organisation.objects.filter(ods_code="A99883").exists()  # an inpatient unit, no role


def test_sub_icb_locations(england):
    sub_icbs = Organisation.objects.filter(org_type=OrganisationType.SUB_ICB_LOCATION)
    assert sub_icbs.count() == 106
    liverpool = _organisation("99A")
    assert liverpool.parent.ods_code == "QYG" and liverpool.icb.ods_code == "QYG"
    skipped = england.sections["sub_icbs"].skipped
    assert skipped["closed before July 2022 (a CCG, not a sub-ICB location)"] == 142
    assert not Organisation.objects.filter(ods_code__in=["00C", "13Q", "C7X7P"]).exists()


def test_trust_types(england):
    expected = {
        "REM": OrganisationType.TRUST,
        "RBS": OrganisationType.TRUST,
        "RBT": OrganisationType.TRUST,
        "RW4": OrganisationType.MENTAL_HEALTH_TRUST,
        "RXA": OrganisationType.MENTAL_HEALTH_TRUST,
        "RY7": OrganisationType.COMMUNITY_PROVIDER,
        "RX7": OrganisationType.AMBULANCE_111,
        "RMP": OrganisationType.TRUST,  # "Integrated Care NHS" but an acute trust
        "RDR": OrganisationType.COMMUNITY_PROVIDER,
        "RX2": OrganisationType.MENTAL_HEALTH_TRUST,
    }
    actual = dict(Organisation.objects.filter(ods_code__in=expected).values_list("ods_code", "org_type"))
    assert actual == expected
    assert _organisation("RYR").icb.ods_code == "S9B9J"
    assert _organisation("RQ6").closed_on == date(2019, 9, 30)


def test_pcns(england):
    with (sorted(REAL_ODS.glob("gp_practice_pcn*.csv"))[-1]).open(newline="") as handle:
        row = next(r for r in csv.DictReader(handle) if r["ICB22"] == "QYG" and r["PCN_CODE"] != "U")
    practice = _organisation(row["PRACTICE_CODE"])
    assert practice.pcn.ods_code == row["PCN_CODE"]
    pcn = practice.pcn
    assert pcn.org_type == OrganisationType.PCN
    assert pcn.parent.org_type == OrganisationType.SUB_ICB_LOCATION
    assert pcn.icb.ods_code == "QYG"
    assert pcn.place is not None


def test_the_nine_cheshire_and_merseyside_places(england):
    places = Place.objects.filter(icb__ods_code="QYG").prefetch_related("sub_icb_locations")
    assert {place.name for place in places} == CHESHIRE_AND_MERSEYSIDE_PLACES
    sub_icbs = {place.name: {o.ods_code for o in place.sub_icb_locations.all()} for place in places}
    assert sub_icbs["Sefton"] == {"01T", "01V"}
    assert sub_icbs["Cheshire East"] == sub_icbs["Cheshire West and Chester"] == {"27D"}
    assert sub_icbs["Liverpool"] == {"99A"}
    # 27D is split by the practice's former CCG, so both Cheshire Places have practices.
    for name in ("Cheshire East", "Cheshire West and Chester", "Sefton"):
        assert Organisation.objects.filter(place__icb__ods_code="QYG", place__name=name).count() > 10


def test_sussex_places_belong_to_the_successor_icb(england):
    names = set(Place.objects.filter(icb__ods_code="S9B9J").values_list("name", flat=True))
    assert {"Brighton and Hove", "East Sussex", "West Sussex"} <= names
    assert not Place.objects.filter(icb__ods_code="QNX").exists()


def test_other_sub_icb_locations_are_places_of_their_own(england):
    place = Place.objects.get(sub_icb_locations__ods_code="16C")
    assert place.name == "NHS North East and North Cumbria ICB - 16C"
    assert _organisation("A81002").place == place


def test_specialties_loaded(england):
    with SPECIALTIES_FILE.open() as handle:
        expected = {row["code"]: row["name"] for row in csv.DictReader(handle)}
    assert dict(Specialty.objects.values_list("code", "name")) == expected
    assert expected["110"] == "Trauma and Orthopaedics"


def test_one_audit_event_with_the_counts(england):
    events = AuditEvent.objects.filter(action=AuditAction.IMPORT)
    assert events.count() == 1
    changes = events.get().changes
    assert changes["sections"]["practices"]["created"] == england.sections["practices"].created > 8000
    assert changes["created"] == england.created


def test_a_second_run_from_the_shipped_copies_changes_nothing(england):
    def snapshot():
        return list(Organisation.objects.order_by("id").values()), list(
            Place.objects.order_by("id").values("id", "name", "icb_id", "sub_icb_locations")
        )

    before = snapshot()
    report = services.ods_import(today=TODAY)  # the files shipped in liaison/directory/data/ods
    assert report.created == 0
    assert report.updated == 0
    for section in report.sections.values():
        assert (section.created, section.updated) == (0, 0), section.summary()
    assert report.sections["practices"].unchanged == england.sections["practices"].created
    assert snapshot() == before


@pytest.mark.skipif(not SHARED_ODS.is_dir(), reason="the project's reference copy is not on this machine")
def test_the_shipped_files_are_unchanged_copies():
    names = sorted(path.name for path in SHARED_ODS.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(SHARED_ODS, ODS_DIR, names, shallow=False)
    assert (mismatch, errors) == ([], [])
    assert len(match) == 8
