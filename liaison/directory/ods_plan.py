"""The rules that turn ODS rows into the directory's organisations and Places. No database here.

The import first reads every file (``liaison.directory.ods``), then builds a plan with these rules:
what each organisation should look like, field by field, and which file each field comes from.
``liaison.directory.services.ods_import`` then compares the plan with the database and writes only
the differences.
"""

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from liaison.directory.models import OrganisationType, title_case_name
from liaison.directory.ods import OdsData, ODSImportError, OdsRow, SuccessionRow

# CCGs became sub-ICB locations on 1 July 2022; an eccg row closed before then is a CCG.
SUB_ICB_ERA_STARTS = date(2022, 7, 1)

ROLE_GP_PRACTICE = "RO76"
ROLE_HUB = "RO321"
ROLE_SUB_ICB_LOCATION = "RO319"
SKIPPED_SUB_ICB_ROLES = {
    "RO218": "commissioning hub (RO218), not a sub-ICB location",
    "RO327": "sub-ICB reporting entity (RO327), not a sub-ICB location",
}

# Order of creation: each stage may refer to organisations made in the stages before it.
STAGE_ICB, STAGE_SUB_ICB, STAGE_PCN, STAGE_PRACTICE, STAGE_TRUST = range(5)

# Report sections, in the order they are shown. ``*_links`` and ``list_sizes`` set one field on
# practices that another file created.
SECTION_LABELS = {
    "icbs": "ICBs",
    "successions": "ICB successions",
    "sub_icbs": "Sub-ICB locations",
    "practices": "GP practices and hubs",
    "trusts": "Trusts",
    "pcns": "Primary care networks",
    "pcn_links": "PCN of each practice",
    "places": "Places",
    "place_links": "Place of each practice",
    "list_sizes": "Registered patients",
    "specialties": "Specialties",
}
# Which file each section reads (for the report's labels).
SECTION_FILES = {
    "icbs": "icbs",
    "successions": "successions",
    "sub_icbs": "sub_icbs",
    "practices": "practices",
    "trusts": "trusts",
    "pcns": "pcns",
    "pcn_links": "pcns",
    "places": "places",
    "place_links": "places",
    "list_sizes": "list_sizes",
    "specialties": "specialties",
}
OUTSIDE_SCOPE = "outside the chosen ICBs"


@dataclass
class SectionReport:
    """What one step of the import did: rows created, updated, unchanged and skipped (by reason)."""

    label: str
    file: str = ""
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: Counter = field(default_factory=Counter)

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "skipped": dict(self.skipped),
        }

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        text = (
            f"{self.label}{f' ({self.file})' if self.file else ''}: {self.created:,} created, "
            f"{self.updated:,} updated, {self.unchanged:,} unchanged, {skipped:,} skipped"
        )
        reasons = "; ".join(f"{reason}: {count:,}" for reason, count in self.skipped.most_common())
        return f"{text} ({reasons})" if reasons else text


@dataclass
class OrgTarget:
    """What one organisation should look like. ``fields`` maps a field to (section, value).

    Foreign keys are given as ODS codes (``parent``, ``icb``, ``pcn``, ``successor``) and the Place
    as its key ``(ICB code, name)``; the import turns them into ids. ``section`` is empty for an
    organisation already in the database that only receives a field from a secondary file.
    """

    code: str
    section: str
    stage: int | None
    fields: dict[str, tuple[str, object]] = field(default_factory=dict)

    def set(self, section: str, **values) -> None:
        for name, value in values.items():
            self.fields[name] = (section, value)

    def value(self, name: str, default=None):
        return self.fields[name][1] if name in self.fields else default


@dataclass
class PlaceTarget:
    icb_code: str
    name: str
    sub_icb_codes: set[str] = field(default_factory=set)

    @property
    def key(self) -> tuple[str, str]:
        return (self.icb_code, self.name)


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation already in the database, as far as planning needs to know it."""

    org_type: str
    icb_code: str
    source: str = ""


@dataclass
class OdsPlan:
    organisations: dict[str, OrgTarget]
    places: dict[tuple[str, str], PlaceTarget]
    sections: dict[str, SectionReport]
    warnings: Counter
    chosen_icbs: set[str]


# --- ICB successions -----------------------------------------------------------------------------


@dataclass
class Successions:
    """The ICB successions, with the sub-ICB locations that say where a split ICB's parts went."""

    by_predecessor: dict[str, list[SuccessionRow]] = field(default_factory=dict)
    sub_icb_successor: dict[str, str] = field(default_factory=dict)

    def effective(self, predecessor: str, on: date) -> list[SuccessionRow]:
        return [row for row in self.by_predecessor.get(predecessor, []) if row.succession_date <= on]


def icb_after_successions(
    icb_code: str, *, on: date, successions: Successions, sub_icb_code: str = ""
) -> tuple[str, bool]:
    """The ICB an organisation belongs to on ``on``, after every succession effective by then.

    Returns ``(code, resolved)``. A merger moves everyone to the successor. A split moves an
    organisation to the successor its sub-ICB location went to; when that is not known the
    organisation stays with the (closed) predecessor and ``resolved`` is False.
    """
    seen = set()
    while icb_code and icb_code not in seen:
        seen.add(icb_code)
        successors = {row.successor for row in successions.effective(icb_code, on)}
        if not successors:
            return icb_code, True
        if len(successors) == 1:
            icb_code = successors.pop()
            continue
        chosen = successions.sub_icb_successor.get(sub_icb_code)
        if chosen not in successors:
            return icb_code, False
        icb_code = chosen
    return icb_code, True


# --- Trust types ---------------------------------------------------------------------------------

_MENTAL_HEALTH_WORDS = re.compile(r"MENTAL HEALTH|PARTNERSHIP|MERSEY CARE|\bCARE NHS")


def trust_type_from_name(name: str) -> str:
    """A trust's kind as far as its name tells. ``trust_types.csv`` corrects the names that mislead.

    Community is checked before the mental-health words so that "… Community Health and Care NHS
    Trust" is a community provider; ``\\bCARE NHS`` does not match "HEALTHCARE NHS", which is often acute.
    """
    upper = name.upper()
    if "AMBULANCE" in upper:
        return OrganisationType.AMBULANCE_111
    if "COMMUNITY" in upper:
        return OrganisationType.COMMUNITY_PROVIDER
    if _MENTAL_HEALTH_WORDS.search(upper):
        return OrganisationType.MENTAL_HEALTH_TRUST
    return OrganisationType.TRUST


# --- Building the plan ---------------------------------------------------------------------------


class _Planner:
    def __init__(self, data: OdsData, *, known: dict[str, KnownOrganisation], today: date, chosen_icbs):
        self.data = data
        self.known = known
        self.today = today
        self.chosen = {code.strip().upper() for code in chosen_icbs or []}
        self.organisations: dict[str, OrgTarget] = {}
        self.places: dict[tuple[str, str], PlaceTarget] = {}
        self.warnings: Counter = Counter()
        self._unresolved: set[str] = set()
        files = data.files.chosen()
        self.sections = {
            name: SectionReport(label=label, file=files[SECTION_FILES[name]].name)
            for name, label in SECTION_LABELS.items()
            if SECTION_FILES[name] in files
        }
        self.successions = Successions()
        for row in data.successions:
            self.successions.by_predecessor.setdefault(row.predecessor, []).append(row)
        for row in data.sub_icb_successions:
            self.successions.sub_icb_successor[row.sub_icb_code] = row.successor

    # Helpers

    def _new(self, code: str, section: str, stage: int, path_line: tuple[str, int]) -> OrgTarget:
        existing = self.organisations.get(code)
        if existing is not None and existing.section == section:
            path, line = path_line
            raise ODSImportError(f"{path}:{line}: ODS code {code} appears more than once")
        target = existing or OrgTarget(code=code, section=section, stage=stage)
        target.section, target.stage = section, stage
        self.organisations[code] = target
        return target

    def _icb_of(self, icb_code: str, sub_icb_code: str = "") -> str:
        """The current ICB for a code in a file (see ``icb_after_successions``)."""
        if not icb_code:
            return ""
        resolved, ok = icb_after_successions(
            icb_code, on=self.today, successions=self.successions, sub_icb_code=sub_icb_code
        )
        if not ok:
            self._unresolved.add(resolved)
        return resolved

    def _icb_ref(self, icb: str, what: str) -> str | None:
        """The ICB of an organisation being loaded, warning when it is a split ICB we cannot place."""
        if icb in self._unresolved:
            self.warnings[
                f"{what} left under closed ICB {icb}: its split cannot be placed from the sub-ICB location"
            ] += 1
        return self._ref(icb, f"ICB of a {what}", OrganisationType.ICB)

    def _exists(self, code: str, *org_types) -> bool:
        target = self.organisations.get(code)
        if target is not None and target.section:
            return not org_types or target.value("org_type") in org_types
        known = self.known.get(code)
        return known is not None and (not org_types or known.org_type in org_types)

    def _ref(self, code: str, what: str, *org_types) -> str | None:
        if not code:
            return None
        if self._exists(code, *org_types):
            return code
        self.warnings[f"{what} not loaded, so left empty"] += 1
        return None

    def _in_scope(self, *icb_codes: str) -> bool:
        return not self.chosen or any(code in self.chosen for code in icb_codes if code)

    def _ods_fields(self, row: OdsRow) -> dict:
        return {
            "name": row.name,
            "region_code": row.region_code,
            "address_lines": row.address_lines,
            "town": row.town,
            "postcode": row.postcode,
            "phone": row.phone,
            "opened_on": row.opened_on,
            "closed_on": row.closed_on,
        }

    def _secondary_target(self, code: str, *org_types) -> tuple[OrgTarget | None, str]:
        """The practice a secondary file row refers to, or a reason to skip it."""
        target = self.organisations.get(code)
        if target is not None and target.section:
            if org_types and target.value("org_type") not in org_types:
                return None, "not a GP practice"
            return target, ""
        known = self.known.get(code)
        if known is None:
            return None, OUTSIDE_SCOPE if self.chosen else "practice not in the directory"
        if org_types and known.org_type not in org_types:
            return None, "not a GP practice"
        if not self._in_scope(known.icb_code):
            return None, OUTSIDE_SCOPE
        target = self.organisations.setdefault(code, OrgTarget(code=code, section="", stage=None))
        return target, ""

    # Steps

    def icbs(self) -> None:
        path = self.data.files.icbs.name if self.data.files.icbs else ""
        for row in self.data.icbs:
            target = self._new(row.code, "icbs", STAGE_ICB, (path, row.line))
            target.set(
                "icbs",
                name=row.name,
                org_type=OrganisationType.ICB,
                ons_code=row.ons_code,
                source="icb_names_codes",
            )

    def successions_apply(self) -> None:
        if not self.data.files.successions:
            return
        for row in self.data.successions:
            known = self.known.get(row.successor)
            # A successor that the ICB names file already describes keeps that file's name.
            if row.successor not in self.organisations and (
                known is None or known.source == "icb_successions"
            ):
                target = OrgTarget(code=row.successor, section="successions", stage=STAGE_ICB)
                target.set(
                    "successions",
                    name=row.successor_name,
                    org_type=OrganisationType.ICB,
                    source="icb_successions",
                )
                self.organisations[row.successor] = target
        for predecessor in self.successions.by_predecessor:
            target = self.organisations.get(predecessor)
            if target is None:
                if predecessor not in self.known:
                    self.warnings[f"predecessor ICB {predecessor} not loaded, so not closed"] += 1
                    continue
                target = self.organisations[predecessor] = OrgTarget(code=predecessor, section="", stage=None)
            effective = self.successions.effective(predecessor, self.today)
            successors = {row.successor for row in effective}
            closed_on = (
                min(row.succession_date for row in effective) - timedelta(days=1) if effective else None
            )
            # A split has no single successor: the sub-ICB locations say where each part went.
            target.set(
                "successions",
                closed_on=closed_on,
                successor=successors.pop() if len(successors) == 1 else None,
            )

    def sub_icbs(self) -> None:
        report = self.sections.get("sub_icbs")
        path = self.data.files.sub_icbs.name if self.data.files.sub_icbs else ""
        for row in self.data.sub_icbs:
            skipped_role = next(
                (SKIPPED_SUB_ICB_ROLES[r] for r in row.roles if r in SKIPPED_SUB_ICB_ROLES), None
            )
            if skipped_role and ROLE_SUB_ICB_LOCATION not in row.roles:
                report.skipped[skipped_role] += 1
                continue
            if row.closed_on and row.closed_on < SUB_ICB_ERA_STARTS:
                report.skipped["closed before July 2022 (a CCG, not a sub-ICB location)"] += 1
                continue
            icb = self._icb_of(row.icb_code, row.code)
            if not self._in_scope(row.icb_code, icb):
                report.skipped[OUTSIDE_SCOPE] += 1
                continue
            icb_ref = self._icb_ref(icb, "sub-ICB location")
            target = self._new(row.code, "sub_icbs", STAGE_SUB_ICB, (path, row.line))
            target.set(
                "sub_icbs",
                org_type=OrganisationType.SUB_ICB_LOCATION,
                source="eccg",
                parent=icb_ref,
                icb=icb_ref,
                **self._ods_fields(row),
            )

    def practices(self) -> None:
        report = self.sections.get("practices")
        path = self.data.files.practices.name if self.data.files.practices else ""
        for row in self.data.practices:
            if ROLE_GP_PRACTICE in row.roles:
                org_type = OrganisationType.GP_PRACTICE
            elif ROLE_HUB in row.roles:
                org_type = OrganisationType.EXTENDED_ACCESS_HUB
            else:
                roles = "|".join(row.roles) or "none"
                report.skipped[f"role {roles}: not a GP practice or hub"] += 1
                continue
            icb = self._icb_of(row.icb_code, row.sub_icb_code)
            if not self._in_scope(row.icb_code, icb):
                report.skipped[OUTSIDE_SCOPE] += 1
                continue
            target = self._new(row.code, "practices", STAGE_PRACTICE, (path, row.line))
            target.set(
                "practices",
                org_type=org_type,
                source="epraccur",
                parent=self._ref(
                    row.sub_icb_code,
                    "sub-ICB location of a practice (a closed CCG or a Welsh health board)",
                    OrganisationType.SUB_ICB_LOCATION,
                ),
                icb=self._icb_ref(icb, "practice"),
                **self._ods_fields(row),
            )

    def trusts(self) -> None:
        path = self.data.files.trusts.name if self.data.files.trusts else ""
        overrides = {row.code: row.org_type for row in self.data.trust_types}
        # Every trust in England is loaded, whichever ICBs are chosen: practices report concerns about
        # out-of-area providers too (tertiary centres, the ambulance trust that runs their NHS 111).
        for row in self.data.trusts:
            icb = self._icb_of(row.icb_code)
            target = self._new(row.code, "trusts", STAGE_TRUST, (path, row.line))
            target.set(
                "trusts",
                org_type=overrides.get(row.code) or trust_type_from_name(row.name),
                source="etr",
                icb=self._icb_ref(icb, "trust"),
                **self._ods_fields(row),
            )

    def pcns(self) -> None:
        if not self.data.files.pcns:
            return
        report, links = self.sections["pcns"], self.sections["pcn_links"]
        members: dict[str, list] = defaultdict(list)
        for row in self.data.pcns:
            if row.pcn_code:
                members[row.pcn_code].append(row)
                continue
            practice, reason = self._secondary_target(row.practice_code, OrganisationType.GP_PRACTICE)
            if practice is None:
                links.skipped[reason] += 1
            else:
                practice.set("pcn_links", pcn=None)
        for code, rows in members.items():
            # A PCN sits in the sub-ICB location most of its practices are in today.
            subs = Counter()
            for row in rows:
                practice = self.organisations.get(row.practice_code)
                subs[(practice.value("parent") if practice else None) or row.sub_icb_code] += 1
            sub_icb = subs.most_common(1)[0][0]
            sub_target = self.organisations.get(sub_icb)
            icb = sub_target.value("icb") if sub_target and sub_target.section else None
            icb = icb or self._icb_of(rows[0].icb_code, sub_icb)
            if not self._in_scope(rows[0].icb_code, icb):
                report.skipped[OUTSIDE_SCOPE] += 1
                links.skipped[OUTSIDE_SCOPE] += len(rows)
                continue
            target = self._new(code, "pcns", STAGE_PCN, (self.data.files.pcns.name, rows[0].line))
            target.set(
                "pcns",
                name=rows[0].pcn_name,
                org_type=OrganisationType.PCN,
                source="gp_practice_pcn_subicb_icb_map",
                parent=self._ref(sub_icb, "sub-ICB location of a PCN", OrganisationType.SUB_ICB_LOCATION),
                icb=self._icb_ref(icb, "PCN"),
            )
            for row in rows:
                practice, reason = self._secondary_target(row.practice_code, OrganisationType.GP_PRACTICE)
                if practice is None:
                    links.skipped[reason] += 1
                else:
                    practice.set("pcn_links", pcn=code)

    def places_build(self) -> None:
        """Places from the per-practice file, then one Place per other sub-ICB location."""
        if not self.data.files.places:
            return
        links = self.sections["place_links"]
        practice_place: dict[str, tuple[str, str]] = {}
        for row in self.data.places:
            icb = self._icb_of(row.icb_code, row.sub_icb_code)
            if not self._in_scope(row.icb_code, icb):
                links.skipped[OUTSIDE_SCOPE] += 1
                continue
            if not self._exists(icb, OrganisationType.ICB):
                links.skipped[f"ICB {icb} not loaded"] += 1
                continue
            place = self.places.setdefault((icb, row.place), PlaceTarget(icb_code=icb, name=row.place))
            if self._exists(row.sub_icb_code, OrganisationType.SUB_ICB_LOCATION):
                place.sub_icb_codes.add(row.sub_icb_code)
            practice, reason = self._secondary_target(row.practice_code, OrganisationType.GP_PRACTICE)
            if practice is None:
                links.skipped[reason] += 1
                continue
            practice_place[row.practice_code] = place.key

        covered = {code for place in self.places.values() for code in place.sub_icb_codes}
        for target in list(self.organisations.values()):
            if target.section != "sub_icbs" or target.code in covered or target.value("closed_on"):
                continue
            icb = target.value("icb")
            if not icb:
                continue
            name = title_case_name(target.value("name"))
            place = self.places.setdefault((icb, name), PlaceTarget(icb_code=icb, name=name))
            place.sub_icb_codes.add(target.code)

        places_of_sub_icb: dict[str, set] = defaultdict(set)
        for place in self.places.values():
            for code in place.sub_icb_codes:
                places_of_sub_icb[code].add(place.key)
        # Practices the file does not list take the Place of their sub-ICB location when it has only one.
        for target in self.organisations.values():
            if target.section != "practices":
                continue
            key = practice_place.get(target.code)
            if key is None:
                candidates = places_of_sub_icb.get(target.value("parent"), set())
                key = next(iter(candidates)) if len(candidates) == 1 else None
            target.set("place_links", place=key)
        for code, key in practice_place.items():
            if self.organisations[code].section != "practices":
                self.organisations[code].set("place_links", place=key)
        # A PCN is in the Place where most of its practices are.
        votes: dict[str, Counter] = defaultdict(Counter)
        for target in self.organisations.values():
            pcn, place = target.value("pcn"), target.value("place")
            if pcn and place:
                votes[pcn][place] += 1
        for target in self.organisations.values():
            if target.section == "pcns":
                counts = votes.get(target.code)
                target.set("place_links", place=counts.most_common(1)[0][0] if counts else None)

    def list_sizes(self) -> None:
        report = self.sections.get("list_sizes")
        for row in self.data.list_sizes:
            practice, reason = self._secondary_target(row.practice_code, OrganisationType.GP_PRACTICE)
            if practice is None:
                report.skipped[reason] += 1
            else:
                practice.set("list_sizes", list_size=row.list_size)

    def build(self) -> OdsPlan:
        self.icbs()
        self.successions_apply()
        unknown = {code for code in self.chosen if not self._exists(code, OrganisationType.ICB)}
        if unknown:
            raise ODSImportError(
                f"--icb {', '.join(sorted(unknown))}: no such ICB in the files or the directory"
            )
        self.sub_icbs()
        self.practices()
        self.trusts()
        self.pcns()
        self.places_build()
        self.list_sizes()
        return OdsPlan(
            organisations=self.organisations,
            places=self.places,
            sections=self.sections,
            warnings=self.warnings,
            chosen_icbs=self.chosen,
        )


def ods_plan_build(
    data: OdsData, *, known: dict[str, KnownOrganisation], today: date, chosen_icbs=None
) -> OdsPlan:
    """What the directory should hold after importing ``data``, as of ``today``.

    ``known`` describes the organisations already in the database, so that rows in one file can
    refer to organisations loaded by an earlier run. ``chosen_icbs`` limits practices, PCNs,
    sub-ICB locations, trusts and Places to those ICBs, matched before or after successions.
    """
    return _Planner(data, known=known, today=today, chosen_icbs=chosen_icbs).build()
