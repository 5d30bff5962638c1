"""A malformed file stops the whole import before anything is written, naming the file and line."""

import shutil

import pytest
from django.core.management import CommandError, call_command

from liaison.audit.models import AuditEvent
from liaison.directory import services
from liaison.directory.models import Organisation, Place, Specialty
from liaison.directory.ods import ODSImportError
from liaison.directory.tests.conftest import REAL_ODS, ods_row, write_csv

pytestmark = pytest.mark.django_db


def _assert_nothing_loaded():
    assert not Organisation.objects.exists()
    assert not Place.objects.exists()
    assert not Specialty.objects.exists()
    assert not AuditEvent.objects.exists()


def _practices(ods_dir, *rows):
    good = [ods_row("N82001", "FIRST TEST SURGERY"), ods_row("N82002", "SECOND TEST SURGERY")]
    return write_csv(ods_dir / "epraccur_test.csv", [*good, *rows])


def test_the_good_directory_loads(ods_dir):
    services.ods_import(directory=ods_dir)
    assert Organisation.objects.get(ods_code="N82002").parent.ods_code == "99A"


def test_wrong_column_count(ods_dir):
    _practices(ods_dir, ods_row("N82003", "THIRD TEST SURGERY")[:26])
    with pytest.raises(ODSImportError, match=r"^epraccur_test\.csv:3: expected 27 columns, found 26$"):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_bad_open_date(ods_dir):
    _practices(ods_dir, ods_row("N82003", "THIRD TEST SURGERY", opened="20231301"))
    with pytest.raises(ODSImportError) as caught:
        services.ods_import(directory=ods_dir)
    assert str(caught.value) == (
        "epraccur_test.csv:3: open date (column 11) '20231301' is not a date in YYYYMMDD form"
    )
    _assert_nothing_loaded()


def test_bad_close_date_in_the_trusts_file(ods_dir):
    lines = (ods_dir / "etr_2026-07.csv").read_text(encoding="latin-1").splitlines()
    cells = lines[9].split('","')
    cells[11] = "31/03/2020"
    lines[9] = '","'.join(cells)
    (ods_dir / "etr_2026-07.csv").write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(ODSImportError, match=r"^etr_2026-07\.csv:10: close date \(column 12\) '31/03/2020'"):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_bad_ods_code(ods_dir):
    _practices(ods_dir, ods_row("N8-003", "THIRD TEST SURGERY"))
    with pytest.raises(
        ODSImportError, match=r"^epraccur_test\.csv:3: ODS code 'N8-003' is not a valid ODS code"
    ):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_non_numeric_list_size(ods_dir):
    write_csv(
        ods_dir / "practice_list_size_test.csv",
        [["N82001", "5000"], ["N82002", "about 4000"]],
        header=["practice_code", "list_size"],
    )
    with pytest.raises(ODSImportError, match=r"^practice_list_size_test\.csv:3: list_size 'about 4000'"):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_missing_header_column(ods_dir):
    path = ods_dir / "icb_names_codes_dec_2024.csv"
    path.write_text(path.read_text().replace("ICB24CDH", "ICB_CODE", 1))
    with pytest.raises(ODSImportError, match=r"^icb_names_codes_dec_2024\.csv:1: missing column 'ICBnnCDH'"):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_wrong_column_count_in_a_file_with_a_header(ods_dir):
    write_csv(
        ods_dir / "cm_sussex_gp_practices_test.csv",
        [["N82001", "QYG", "99A", "Liverpool"], ["N82002", "QYG", "99A"]],
        header=["practice_code", "icb_code", "sub_icb_code", "place"],
    )
    with pytest.raises(ODSImportError, match=r"^cm_sussex_gp_practices_test\.csv:3: expected 4 columns"):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_a_duplicate_ods_code(ods_dir):
    _practices(ods_dir, ods_row("N82001", "FIRST TEST SURGERY AGAIN"))
    with pytest.raises(
        ODSImportError, match=r"^epraccur_test\.csv:3: ODS code N82001 appears more than once"
    ):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_a_bad_succession_date(ods_dir):
    path = ods_dir / "icb_successions_2026-04.csv"
    path.write_text(path.read_text().replace("2026-04-01", "1 April 2026", 1))
    with pytest.raises(
        ODSImportError, match=r"^icb_successions_2026-04\.csv:2: succession_date '1 April 2026'"
    ):
        services.ods_import(directory=ods_dir)
    _assert_nothing_loaded()


def test_a_bad_specialty_file(ods_dir, tmp_path_factory):
    path = tmp_path_factory.mktemp("specialties") / "specialties.csv"
    path.write_text("code,name\n100,General Surgery\n1-1,Nonsense\n")
    with pytest.raises(ODSImportError, match=r"^specialties\.csv:3: specialty code '1-1'"):
        services.ods_import(directory=ods_dir, specialties=path)
    _assert_nothing_loaded()


def test_a_named_file_that_does_not_exist(ods_dir):
    with pytest.raises(ODSImportError, match="no such file"):
        services.ods_import(directory=ods_dir, files={"practices": ods_dir / "missing.csv"})
    _assert_nothing_loaded()


def test_the_error_in_the_last_file_still_stops_the_first(tmp_path):
    """Every real file is read before anything is written: a bad list size stops all of England."""
    for path in REAL_ODS.iterdir():
        shutil.copy(path, tmp_path / path.name)
    sizes = tmp_path / "practice_list_size_imd_2026.csv"
    lines = sizes.read_text().splitlines()
    cells = lines[6000].split(",")
    cells[1] = "n/a"
    lines[6000] = ",".join(cells)
    sizes.write_text("\n".join(lines) + "\n")
    with pytest.raises(ODSImportError, match=r"^practice_list_size_imd_2026\.csv:6001: list_size 'n/a'"):
        services.ods_import(directory=tmp_path)
    _assert_nothing_loaded()


def test_the_command_fails_with_the_reason(ods_dir):
    _practices(ods_dir, ods_row("N82003", "THIRD TEST SURGERY", closed="2024"))
    with pytest.raises(CommandError, match=r"Nothing was imported\. epraccur_test\.csv:3: close date"):
        call_command("import_ods", str(ods_dir), verbosity=0)
    _assert_nothing_loaded()
