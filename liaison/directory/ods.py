"""Reading the NHS reference files the directory is loaded from. Nothing here touches the database.

Every reader parses its whole file and raises ``ODSImportError("FILE:LINE: reason")`` on the first
malformed row, so that the import can refuse a bad set of files before it writes anything.
"""

import csv
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
ODS_DIR = DATA_DIR / "ods"
SPECIALTIES_FILE = DATA_DIR / "treatment_functions.csv"
TRUST_TYPES_FILE = DATA_DIR / "trust_types.csv"
SUB_ICB_SUCCESSIONS_FILE = DATA_DIR / "sub_icb_successions.csv"

# The standard files, found in a directory by name. When several match, the last by name wins:
# NHS England dates its file names, so that is the newest.
FILE_PATTERNS = {
    "icbs": "icb_names_codes*.csv",
    "successions": "icb_successions*.csv",
    "sub_icbs": "eccg*.csv",
    "practices": "epraccur*.csv",
    "trusts": "etr*.csv",
    "pcns": "gp_practice_pcn_subicb_icb_map*.csv",
    "places": "cm_sussex_gp_practices*.csv",
    "list_sizes": "practice_list_size*.csv",
}

ODS_CODE = re.compile(r"[A-Z0-9]{3,10}")
SPECIALTY_CODE = re.compile(r"[A-Z0-9]{3,8}")
ODS_COLUMNS = 27  # the standard ODS CSV layout (epraccur, etr, eccg): no header, 27 quoted columns
PROGRESS_EVERY = 5000


class ODSImportError(Exception):
    """A reference file cannot be loaded. The message names the file and line: ``FILE:LINE: reason``."""


@dataclass(frozen=True)
class OdsRow:
    """One row of the standard headerless ODS layout, with the columns Liaison uses."""

    line: int
    code: str
    name: str
    region_code: str
    icb_code: str
    address_lines: str
    town: str
    postcode: str
    opened_on: date | None
    closed_on: date | None
    status: str
    sub_icb_code: str
    phone: str
    roles: tuple[str, ...]


@dataclass(frozen=True)
class IcbRow:
    line: int
    code: str
    ons_code: str
    name: str


@dataclass(frozen=True)
class SuccessionRow:
    line: int
    predecessor: str
    successor: str
    successor_name: str
    succession_date: date
    kind: str


@dataclass(frozen=True)
class ListSizeRow:
    line: int
    practice_code: str
    list_size: int


@dataclass(frozen=True)
class PlaceRow:
    line: int
    practice_code: str
    icb_code: str
    sub_icb_code: str
    place: str


@dataclass(frozen=True)
class PcnRow:
    line: int
    practice_code: str
    pcn_code: str
    pcn_name: str
    sub_icb_code: str
    icb_code: str


@dataclass(frozen=True)
class SpecialtyRow:
    line: int
    code: str
    name: str


@dataclass(frozen=True)
class TrustTypeRow:
    line: int
    code: str
    org_type: str


@dataclass(frozen=True)
class SubIcbSuccessionRow:
    line: int
    sub_icb_code: str
    predecessor: str
    successor: str


@dataclass
class OdsFiles:
    """The files one import run reads. ``None`` means that step is not part of the run."""

    icbs: Path | None = None
    successions: Path | None = None
    sub_icbs: Path | None = None
    practices: Path | None = None
    trusts: Path | None = None
    pcns: Path | None = None
    places: Path | None = None
    list_sizes: Path | None = None
    specialties: Path | None = None
    trust_types: Path | None = None
    sub_icb_successions: Path | None = None

    def chosen(self) -> dict[str, Path]:
        return {name: path for name, path in vars(self).items() if path is not None}


def ods_files_locate(
    *,
    directory: Path | str | None = None,
    overrides: dict[str, Path | str | None] | None = None,
    specialties: Path | str | None = SPECIALTIES_FILE,
    trust_types: Path | str | None = TRUST_TYPES_FILE,
    sub_icb_successions: Path | str | None = SUB_ICB_SUCCESSIONS_FILE,
) -> OdsFiles:
    """The files to import: the standard names found in ``directory``, then explicit ``overrides``.

    A file named explicitly must exist. A standard file missing from the directory just leaves
    its step out of the run.
    """
    overrides = {key: value for key, value in (overrides or {}).items() if value}
    unknown = set(overrides) - set(FILE_PATTERNS)
    if unknown:
        raise ValueError(f"Unknown ODS file kinds: {sorted(unknown)}")
    files = OdsFiles(
        specialties=_optional_path(specialties),
        trust_types=_optional_path(trust_types),
        sub_icb_successions=_optional_path(sub_icb_successions),
    )
    if directory is not None or not overrides:
        folder = Path(directory) if directory is not None else ODS_DIR
        if not folder.is_dir():
            raise ODSImportError(f"{folder}: no such directory")
        for kind, pattern in FILE_PATTERNS.items():
            matches = sorted(folder.glob(pattern))
            if matches:
                setattr(files, kind, matches[-1])
    for kind, path in overrides.items():
        setattr(files, kind, Path(path))
    for path in files.chosen().values():
        if not path.is_file():
            raise ODSImportError(f"{path}: no such file")
    return files


def _optional_path(value) -> Path | None:
    return Path(value) if value else None


# --- Low-level reading ---------------------------------------------------------------------------


def _text(path: Path) -> str:
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        # The ODS exports are latin-1; the derived files are UTF-8 (or plain ASCII, which is both).
        return raw.decode("latin-1")


def _rows(path: Path, progress: Callable[[str], None] | None) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` for every non-blank line."""
    reader = csv.reader(_text(path).splitlines())
    try:
        for cells in reader:
            if progress and reader.line_num % PROGRESS_EVERY == 0:
                progress(f"  {path.name}: read {reader.line_num:,} rows")
            if not cells or all(not cell.strip() for cell in cells):
                continue
            yield reader.line_num, cells
    except csv.Error as error:
        raise ODSImportError(f"{path.name}:{reader.line_num}: not valid CSV ({error})") from error


def _header_rows(
    path: Path, required: dict[str, str | re.Pattern], progress=None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a file with a header, as ``{key: value}`` for the ``required`` columns.

    ``required`` maps a key to the column's exact name or a pattern for it (ONS column names
    carry the year, e.g. ``ICB24CDH``).
    """
    rows = _rows(path, progress)
    try:
        line, header = next(rows)
    except StopIteration:
        raise ODSImportError(f"{path.name}:1: the file is empty; expected a header row") from None
    header = [cell.strip() for cell in header]
    positions = {}
    for key, wanted in required.items():
        if isinstance(wanted, re.Pattern):
            found = [i for i, name in enumerate(header) if wanted.fullmatch(name)]
            label = wanted.pattern.replace(r"\d", "n")  # "ICBnnCDH": any year
        else:
            found = [i for i, name in enumerate(header) if name == wanted]
            label = wanted
        if not found:
            raise ODSImportError(f"{path.name}:{line}: missing column {label!r} in the header")
        positions[key] = found[0]
    for number, cells in rows:
        if len(cells) != len(header):
            raise ODSImportError(
                f"{path.name}:{number}: expected {len(header)} columns as in the header, found {len(cells)}"
            )
        yield number, {key: cells[index].strip() for key, index in positions.items()}


def _code(value: str, path: Path, line: int, what: str = "ODS code", *, optional=False) -> str:
    value = value.strip().upper()
    if optional and not value:
        return ""
    if not ODS_CODE.fullmatch(value):
        raise ODSImportError(f"{path.name}:{line}: {what} {value!r} is not a valid ODS code")
    return value


def _ods_date(value: str, path: Path, line: int, what: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        if not re.fullmatch(r"\d{8}", value):
            raise ValueError
        return datetime.strptime(value, "%Y%m%d").date()
    except ValueError:
        raise ODSImportError(f"{path.name}:{line}: {what} {value!r} is not a date in YYYYMMDD form") from None


def _iso_date(value: str, path: Path, line: int, what: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ODSImportError(
            f"{path.name}:{line}: {what} {value!r} is not a date in YYYY-MM-DD form"
        ) from None


def _required(value: str, path: Path, line: int, what: str) -> str:
    if not value.strip():
        raise ODSImportError(f"{path.name}:{line}: {what} is empty")
    return value.strip()


# --- The readers ---------------------------------------------------------------------------------


def ods_rows_read(path: Path, *, role_column: int | None, progress=None) -> list[OdsRow]:
    """A headerless ODS file (epraccur, etr, eccg). ``role_column`` is 1-based, or None."""
    result = []
    for line, cells in _rows(path, progress):
        if len(cells) != ODS_COLUMNS:
            raise ODSImportError(f"{path.name}:{line}: expected {ODS_COLUMNS} columns, found {len(cells)}")
        cells = [cell.strip() for cell in cells]
        roles = cells[role_column - 1] if role_column else ""
        result.append(
            OdsRow(
                line=line,
                code=_code(cells[0], path, line),
                name=_required(cells[1], path, line, "the name (column 2)"),
                region_code=cells[2],
                icb_code=_code(cells[3], path, line, "ICB code (column 4)", optional=True),
                address_lines=", ".join(part for part in cells[4:7] if part),
                town=cells[7],
                postcode=cells[9],
                opened_on=_ods_date(cells[10], path, line, "open date (column 11)"),
                closed_on=_ods_date(cells[11], path, line, "close date (column 12)"),
                status=cells[12],
                sub_icb_code=_code(cells[14], path, line, "sub-ICB location (column 15)", optional=True),
                phone=cells[17],
                roles=tuple(role for role in roles.split("|") if role),
            )
        )
    return result


def icbs_read(path: Path, progress=None) -> list[IcbRow]:
    """The ONS ICB names and codes file (``ICBnnCD``, ``ICBnnCDH``, ``ICBnnNM``)."""
    columns = {
        "ons": re.compile(r"ICB\d\dCD"),
        "code": re.compile(r"ICB\d\dCDH"),
        "name": re.compile(r"ICB\d\dNM"),
    }
    return [
        IcbRow(
            line=line,
            code=_code(row["code"], path, line, "ICB code"),
            ons_code=_required(row["ons"], path, line, "the ONS code"),
            name=_required(row["name"], path, line, "the ICB name"),
        )
        for line, row in _header_rows(path, columns, progress)
    ]


def successions_read(path: Path, progress=None) -> list[SuccessionRow]:
    columns = {
        key: key
        for key in (
            "predecessor_ods",
            "successor_ods",
            "successor_name",
            "succession_date",
            "succession_type",
        )
    }
    return [
        SuccessionRow(
            line=line,
            predecessor=_code(row["predecessor_ods"], path, line, "predecessor"),
            successor=_code(row["successor_ods"], path, line, "successor"),
            successor_name=_required(row["successor_name"], path, line, "successor_name"),
            succession_date=_iso_date(row["succession_date"], path, line, "succession_date"),
            kind=row["succession_type"],
        )
        for line, row in _header_rows(path, columns, progress)
    ]


def list_sizes_read(path: Path, progress=None) -> list[ListSizeRow]:
    result = []
    for line, row in _header_rows(path, {"code": "practice_code", "size": "list_size"}, progress):
        size = row["size"]
        if not size.isdigit():
            raise ODSImportError(f"{path.name}:{line}: list_size {size!r} is not a whole number")
        result.append(
            ListSizeRow(line=line, practice_code=_code(row["code"], path, line), list_size=int(size))
        )
    return result


def places_read(path: Path, progress=None) -> list[PlaceRow]:
    columns = {key: key for key in ("practice_code", "icb_code", "sub_icb_code", "place")}
    return [
        PlaceRow(
            line=line,
            practice_code=_code(row["practice_code"], path, line),
            icb_code=_code(row["icb_code"], path, line, "icb_code"),
            sub_icb_code=_code(row["sub_icb_code"], path, line, "sub_icb_code"),
            place=_required(row["place"], path, line, "place"),
        )
        for line, row in _header_rows(path, columns, progress)
    ]


def pcns_read(path: Path, progress=None) -> list[PcnRow]:
    columns = {
        "practice": "PRACTICE_CODE",
        "pcn": "PCN_CODE",
        "pcn_name": "PCN_NAME",
        "sub_icb": "CCG_CODE",
        "icb": re.compile(r"ICB\d\d"),
    }
    return [
        PcnRow(
            line=line,
            practice_code=_code(row["practice"], path, line),
            pcn_code=_pcn_code(row["pcn"], path, line),
            pcn_name=_required(row["pcn_name"], path, line, "PCN_NAME"),
            sub_icb_code=_code(row["sub_icb"], path, line, "CCG_CODE", optional=True),
            icb_code=_code(row["icb"], path, line, "ICB code", optional=True),
        )
        for line, row in _header_rows(path, columns, progress)
    ]


def _pcn_code(value: str, path: Path, line: int) -> str:
    """A PCN code, or "" for a practice in no PCN (the file writes "U", for Unallocated)."""
    if value.strip().upper() == "U":
        return ""
    return _code(value, path, line, "PCN_CODE")


def specialties_read(path: Path, progress=None) -> list[SpecialtyRow]:
    result = []
    for line, row in _header_rows(path, {"code": "code", "name": "name"}, progress):
        code = row["code"].upper()
        if not SPECIALTY_CODE.fullmatch(code):
            raise ODSImportError(f"{path.name}:{line}: specialty code {code!r} is not valid")
        result.append(SpecialtyRow(line=line, code=code, name=_required(row["name"], path, line, "name")))
    return result


def trust_types_read(path: Path, *, allowed: set[str], progress=None) -> list[TrustTypeRow]:
    result = []
    for line, row in _header_rows(path, {"code": "ods_code", "type": "org_type"}, progress):
        if row["type"] not in allowed:
            raise ODSImportError(
                f"{path.name}:{line}: org_type {row['type']!r} is not one of {', '.join(sorted(allowed))}"
            )
        result.append(TrustTypeRow(line=line, code=_code(row["code"], path, line), org_type=row["type"]))
    return result


def sub_icb_successions_read(path: Path, progress=None) -> list[SubIcbSuccessionRow]:
    columns = {"sub": "sub_icb_ods", "old": "predecessor_icb_ods", "new": "successor_icb_ods"}
    return [
        SubIcbSuccessionRow(
            line=line,
            sub_icb_code=_code(row["sub"], path, line, "sub_icb_ods"),
            predecessor=_code(row["old"], path, line, "predecessor_icb_ods"),
            successor=_code(row["new"], path, line, "successor_icb_ods"),
        )
        for line, row in _header_rows(path, columns, progress)
    ]


@dataclass
class OdsData:
    """Everything read from one run's files; empty lists for steps not in the run."""

    files: OdsFiles
    icbs: list[IcbRow] = field(default_factory=list)
    successions: list[SuccessionRow] = field(default_factory=list)
    sub_icbs: list[OdsRow] = field(default_factory=list)
    practices: list[OdsRow] = field(default_factory=list)
    trusts: list[OdsRow] = field(default_factory=list)
    pcns: list[PcnRow] = field(default_factory=list)
    places: list[PlaceRow] = field(default_factory=list)
    list_sizes: list[ListSizeRow] = field(default_factory=list)
    specialties: list[SpecialtyRow] = field(default_factory=list)
    trust_types: list[TrustTypeRow] = field(default_factory=list)
    sub_icb_successions: list[SubIcbSuccessionRow] = field(default_factory=list)


def ods_files_read(files: OdsFiles, *, org_types: set[str], progress=None) -> OdsData:
    """Read and validate every chosen file, in full, before anything is written."""
    readers = {
        "icbs": icbs_read,
        "successions": successions_read,
        "sub_icbs": lambda path, progress: ods_rows_read(path, role_column=14, progress=progress),
        "practices": lambda path, progress: ods_rows_read(path, role_column=26, progress=progress),
        "trusts": lambda path, progress: ods_rows_read(path, role_column=None, progress=progress),
        "pcns": pcns_read,
        "places": places_read,
        "list_sizes": list_sizes_read,
        "specialties": specialties_read,
        "trust_types": lambda path, progress: trust_types_read(path, allowed=org_types, progress=progress),
        "sub_icb_successions": sub_icb_successions_read,
    }
    data = OdsData(files=files)
    for kind, path in files.chosen().items():
        rows = readers[kind](path, progress)
        setattr(data, kind, rows)
        if progress:
            progress(f"Read {path.name}: {len(rows):,} rows")
    return data
