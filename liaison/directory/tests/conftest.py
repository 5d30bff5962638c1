"""Fixtures for the directory's tests: where the real ODS files are, and small ODS files to write."""

import csv
import shutil
from pathlib import Path

import pytest

from liaison.directory.ods import ODS_DIR

# The project's reference copy of the ODS files (only on the project's own machines). The same
# files ship in the package, so tests fall back to those when it is absent.
SHARED_ODS = Path("/work/shared/data/ods")
REAL_ODS = SHARED_ODS if SHARED_ODS.is_dir() else ODS_DIR

# The small standard files every synthetic test directory starts from.
SMALL_FILES = [
    "icb_names_codes_dec_2024.csv",
    "icb_successions_2026-04.csv",
    "eccg_2024-07.csv",
    "etr_2026-07.csv",
]


def ods_row(code, name, icb="QYG", sub_icb="99A", role="RO76", opened="19740401", closed="", **extra) -> list:
    """One 27-column ODS row (epraccur layout), with the columns Liaison reads filled in."""
    cells = [""] * 27
    cells[0], cells[1], cells[2], cells[3] = code, name, "Y62", icb
    cells[4], cells[7], cells[9] = "1 TEST STREET", "LIVERPOOL", "L1 1AA"
    cells[10], cells[11], cells[12] = opened, closed, "ACTIVE" if not closed else "INACTIVE"
    cells[14], cells[17], cells[25] = sub_icb, "0151 000 0000", role
    for index, value in extra.items():
        cells[int(index.removeprefix("col")) - 1] = value
    return cells


def write_csv(path: Path, rows, header=None) -> Path:
    with path.open("w", newline="", encoding="latin-1") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_ALL if header is None else csv.QUOTE_MINIMAL)
        if header:
            writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def ods_dir(tmp_path) -> Path:
    """A directory with the real small ODS files and a two-practice epraccur in Liverpool (99A)."""
    for name in SMALL_FILES:
        shutil.copy(REAL_ODS / name, tmp_path / name)
    write_csv(
        tmp_path / "epraccur_test.csv",
        [ods_row("N82001", "FIRST TEST SURGERY"), ods_row("N82002", "SECOND TEST SURGERY")],
    )
    return tmp_path
