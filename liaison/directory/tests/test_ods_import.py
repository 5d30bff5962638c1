"""The import limited to chosen ICBs, ICB successions by date, trust types and the command."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st

from liaison.audit.models import AuditAction, AuditEvent
from liaison.directory import services
from liaison.directory.models import Organisation, OrganisationType, Place, Specialty
from liaison.directory.ods import ODSImportError, SuccessionRow, _ods_date
from liaison.directory.ods_plan import OUTSIDE_SCOPE, Successions, icb_after_successions, trust_type_from_name
from liaison.directory.tests.conftest import REAL_ODS

TODAY = date(2026, 11, 22)


def _succession(old, new, on="2026-04-01") -> SuccessionRow:
    return SuccessionRow(
        line=2,
        predecessor=old,
        successor=new,
        successor_name=new,
        succession_date=date.fromisoformat(on),
        kind="",
    )


class TestIcbAfterSuccessions:
    successions = Successions(
        by_predecessor={
            "QNX": [_succession("QNX", "S9B9J")],
            "QM7": [_succession("QM7", "S1Y5D"), _succession("QM7", "D7T5G")],
            "OLD": [_succession("OLD", "MID", "2020-01-01")],
            "MID": [_succession("MID", "NEW", "2026-04-01")],
        },
        sub_icb_successor={"06K": "S1Y5D", "07H": "D7T5G"},
    )

    def test_a_merger_applies_from_its_date(self):
        assert icb_after_successions("QNX", on=date(2026, 4, 1), successions=self.successions) == (
            "S9B9J",
            True,
        )
        assert icb_after_successions("QNX", on=date(2026, 3, 31), successions=self.successions) == (
            "QNX",
            True,
        )

    def test_a_split_follows_the_sub_icb_location(self):
        on = date(2026, 5, 1)
        assert icb_after_successions("QM7", on=on, successions=self.successions, sub_icb_code="06K") == (
            "S1Y5D",
            True,
        )
        assert icb_after_successions("QM7", on=on, successions=self.successions, sub_icb_code="07H") == (
            "D7T5G",
            True,
        )
        assert icb_after_successions("QM7", on=on, successions=self.successions, sub_icb_code="99Z") == (
            "QM7",
            False,
        )

    def test_successions_chain(self):
        assert icb_after_successions("OLD", on=date(2025, 1, 1), successions=self.successions)[0] == "MID"
        assert icb_after_successions("OLD", on=date(2026, 6, 1), successions=self.successions)[0] == "NEW"

    def test_an_icb_without_successions_is_itself(self):
        assert icb_after_successions("QYG", on=TODAY, successions=self.successions) == ("QYG", True)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("NORTH WEST AMBULANCE SERVICE NHS TRUST", OrganisationType.AMBULANCE_111),
        ("MERSEY CARE NHS FOUNDATION TRUST", OrganisationType.MENTAL_HEALTH_TRUST),
        ("GREATER MANCHESTER MENTAL HEALTH NHS FOUNDATION TRUST", OrganisationType.MENTAL_HEALTH_TRUST),
        ("SUSSEX PARTNERSHIP NHS FOUNDATION TRUST", OrganisationType.MENTAL_HEALTH_TRUST),
        ("PENNINE CARE NHS FOUNDATION TRUST", OrganisationType.MENTAL_HEALTH_TRUST),
        ("WIRRAL COMMUNITY HEALTH AND CARE NHS FOUNDATION TRUST", OrganisationType.COMMUNITY_PROVIDER),
        ("BIRMINGHAM COMMUNITY HEALTHCARE NHS FOUNDATION TRUST", OrganisationType.COMMUNITY_PROVIDER),
        ("EAST SUSSEX HEALTHCARE NHS TRUST", OrganisationType.TRUST),
        ("LIVERPOOL UNIVERSITY HOSPITALS NHS FOUNDATION TRUST", OrganisationType.TRUST),
    ],
)
def test_trust_type_from_name(name, expected):
    assert trust_type_from_name(name) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)))
def test_ods_dates_read_back(day):
    assert _ods_date(day.strftime("%Y%m%d"), REAL_ODS / "x.csv", 1, "open date") == day


@given(st.text(alphabet="0123456789-/ X", min_size=1, max_size=10))
def test_anything_but_a_real_yyyymmdd_date_is_refused(value):
    try:
        parsed = _ods_date(value, REAL_ODS / "x.csv", 7, "open date")
    except ODSImportError as error:
        assert str(error).startswith("x.csv:7: open date")
    else:
        assert parsed is None or parsed.strftime("%Y%m%d") == value.strip()


@pytest.mark.django_db
class TestChosenIcbs:
    def test_only_cheshire_and_merseyside(self):
        report = services.ods_import(directory=REAL_ODS, chosen_icbs=["QYG"], today=TODAY)
        assert report.chosen_icbs == ["QYG"]
        # All ICBs are always loaded: they are few, and everything else refers to them.
        assert Organisation.objects.filter(org_type=OrganisationType.ICB).count() == 48
        trust_types = {row.org_type for row in Organisation.objects.filter(source="etr")}
        others = Organisation.objects.exclude(org_type=OrganisationType.ICB).exclude(source="etr")
        assert set(others.values_list("icb__ods_code", flat=True)) == {"QYG"}
        assert set(
            Organisation.objects.filter(org_type=OrganisationType.SUB_ICB_LOCATION).values_list(
                "ods_code", flat=True
            )
        ) == {"01F", "01J", "01T", "01V", "01X", "02E", "12F", "27D", "99A"}
        assert Place.objects.count() == 9
        assert (
            Organisation.objects.filter(org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True).count()
            == Organisation.objects.filter(
                org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True, place__isnull=False
            ).count()
            > 330
        )
        assert set(
            Organisation.objects.filter(org_type=OrganisationType.PCN).values_list("icb__ods_code", flat=True)
        ) == {"QYG"}
        assert Organisation.objects.filter(ods_code="REM").exists()
        # Every trust in England is loaded: concerns are raised about out-of-area providers, and North
        # West Ambulance Service (hosted by Greater Manchester) runs NHS 111 for Cheshire & Merseyside.
        assert Organisation.objects.get(ods_code="RX7").icb.ods_code == "QOP"
        assert Organisation.objects.filter(source="etr").count() > 200
        assert OrganisationType.GP_PRACTICE not in trust_types
        assert report.sections["practices"].skipped[OUTSIDE_SCOPE] > 7000

    def test_sussex_by_its_old_code_loads_sussex_but_not_surrey(self):
        services.ods_import(directory=REAL_ODS, chosen_icbs=["QNX"], today=TODAY)
        practices = Organisation.objects.filter(org_type=OrganisationType.GP_PRACTICE)
        assert practices.count() > 150
        assert set(practices.values_list("icb__ods_code", flat=True)) == {"S9B9J"}
        assert set(Place.objects.values_list("name", flat=True)) == {
            "Brighton and Hove",
            "East Sussex",
            "West Sussex",
        }
        assert not practices.filter(parent__ods_code="92A").exists()  # Surrey Heartlands

    def test_before_the_merger_sussex_is_still_sussex(self):
        services.ods_import(directory=REAL_ODS, chosen_icbs=["QNX"], today=date(2026, 3, 1))
        sussex = Organisation.objects.get(ods_code="QNX")
        assert sussex.closed_on is None and sussex.successor is None
        practices = Organisation.objects.filter(org_type=OrganisationType.GP_PRACTICE)
        assert set(practices.values_list("icb__ods_code", flat=True)) == {"QNX"}
        assert Place.objects.filter(icb=sussex).count() == 3

    def test_later_the_merger_moves_what_was_loaded_before_it(self):
        services.ods_import(directory=REAL_ODS, chosen_icbs=["QNX"], today=date(2026, 3, 1))
        report = services.ods_import(directory=REAL_ODS, chosen_icbs=["QNX"], today=TODAY)
        assert report.sections["practices"].updated > 150
        assert report.sections["successions"].updated == 12  # the twelve predecessors closed
        assert not Organisation.objects.filter(icb__ods_code="QNX").exists()

    def test_an_unknown_icb_is_refused(self):
        with pytest.raises(ODSImportError, match="--icb QZZ"):
            services.ods_import(directory=REAL_ODS, chosen_icbs=["QZZ"], today=TODAY)
        assert not Organisation.objects.exists()


@pytest.mark.django_db
class TestCommand:
    def test_reports_each_file_and_is_idempotent(self):
        out = StringIO()
        call_command("import_ods", str(REAL_ODS), "--icb", "QYG", "--as-of", "2026-11-22", stdout=out)
        text = out.getvalue()
        assert "Read epraccur_2026-02.csv: 15,389 rows" in text
        assert "GP practices and hubs (epraccur_2026-02.csv):" in text
        assert "Places (cm_sussex_gp_practices_2026-02.csv): 9 created" in text
        out = StringIO()
        call_command("import_ods", str(REAL_ODS), "--icb", "QYG", stdout=out)
        assert "0 created, 0 updated (ICBs QYG)" in out.getvalue()
        assert AuditEvent.objects.filter(action=AuditAction.IMPORT).count() == 2

    def test_quiet_with_verbosity_zero(self):
        out = StringIO()
        call_command("import_ods", "--icb", "QYG", verbosity=0, stdout=out)
        assert out.getvalue() == ""
        assert Organisation.objects.filter(ods_code="REM").exists()

    def test_explicit_files_override_the_directory(self, ods_dir):
        call_command("import_ods", str(ods_dir), "--no-specialties", verbosity=0)
        assert set(
            Organisation.objects.filter(org_type="gp_practice").values_list("ods_code", flat=True)
        ) == {
            "N82001",
            "N82002",
        }
        assert not Specialty.objects.exists()

    def test_explicit_files_alone(self, ods_dir):
        call_command(
            "import_ods",
            "--icbs",
            str(ods_dir / "icb_names_codes_dec_2024.csv"),
            "--practices",
            str(ods_dir / "epraccur_test.csv"),
            verbosity=0,
        )
        practice = Organisation.objects.get(ods_code="N82001")
        assert practice.icb.ods_code == "QYG"
        assert practice.parent is None  # no sub-ICB file in this run
        assert not Organisation.objects.filter(org_type=OrganisationType.TRUST).exists()

    def test_specialties_alone(self):
        report = services.specialty_load()
        assert report.created == Specialty.objects.count() == 70
        assert services.specialty_load().created == 0
