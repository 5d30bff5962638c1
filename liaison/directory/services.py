"""Every write to the directory: the ODS import, specialties, the who's who and organisations' services."""

import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record, field_changes
from liaison.directory.models import (
    Contact,
    ContactRole,
    Organisation,
    OrganisationService,
    OrganisationType,
    Place,
    Specialty,
)
from liaison.directory.ods import (
    SPECIALTIES_FILE,
    SUB_ICB_SUCCESSIONS_FILE,
    TRUST_TYPES_FILE,
    ODSImportError,
    SpecialtyRow,
    ods_files_locate,
    ods_files_read,
    specialties_read,
)
from liaison.directory.ods_plan import (
    SECTION_LABELS,
    STAGE_ICB,
    STAGE_PCN,
    STAGE_PRACTICE,
    STAGE_SUB_ICB,
    STAGE_TRUST,
    KnownOrganisation,
    OdsPlan,
    SectionReport,
    ods_plan_build,
)

__all__ = [
    "ODSImportError",
    "OdsImportReport",
    "contact_create",
    "contact_deactivate",
    "contact_update",
    "ods_import",
    "organisation_service_add",
    "specialty_load",
]

SCALAR_FIELDS = (
    "name",
    "org_type",
    "region_code",
    "address_lines",
    "town",
    "postcode",
    "phone",
    "opened_on",
    "closed_on",
    "list_size",
    "ons_code",
    "source",
)
REF_FIELDS = {"parent": "parent_id", "icb": "icb_id", "pcn": "pcn_id", "successor": "successor_id"}
BATCH_SIZE = 1000
# bulk_update writes one CASE per field per batch; smaller batches keep those statements quick.
UPDATE_BATCH_SIZE = 500


# --- The ODS import ------------------------------------------------------------------------------


@dataclass
class OdsImportReport:
    """What an import run did, section by section, with any warnings."""

    sections: dict[str, SectionReport]
    warnings: dict[str, int] = field(default_factory=dict)
    chosen_icbs: list[str] = field(default_factory=list)
    as_of: date | None = None
    seconds: float = 0.0

    # Rows written to the database: organisations, Places and specialties. The sections count
    # file rows instead, so a practice created with a list size counts in both of theirs.
    created: int = 0
    updated: int = 0

    def as_dict(self) -> dict:
        return {
            "sections": {name: section.as_dict() for name, section in self.sections.items()},
            "warnings": self.warnings,
            "icbs": self.chosen_icbs,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "created": self.created,
            "updated": self.updated,
        }

    def lines(self) -> list[str]:
        lines = [section.summary() for section in self.sections.values()]
        lines += [f"Warning: {message}: {count:,}" for message, count in sorted(self.warnings.items())]
        lines.append(
            f"Done in {self.seconds:.1f}s: {self.created:,} created, {self.updated:,} updated"
            + (f" (ICBs {', '.join(self.chosen_icbs)})" if self.chosen_icbs else "")
        )
        return lines


def ods_import(
    *,
    directory: Path | str | None = None,
    files: dict[str, Path | str | None] | None = None,
    specialties: Path | str | None = SPECIALTIES_FILE,
    trust_types: Path | str | None = TRUST_TYPES_FILE,
    sub_icb_successions: Path | str | None = SUB_ICB_SUCCESSIONS_FILE,
    chosen_icbs: Iterable[str] = (),
    today: date | None = None,
    actor=None,
    progress: Callable[[str], None] | None = None,
) -> OdsImportReport:
    """Load the directory from NHS ODS files: ICBs, sub-ICB locations, practices, trusts, PCNs, Places.

    Finds the standard files in ``directory`` (default: the files shipped in
    ``liaison/directory/data/ods``), with ``files`` naming any of them explicitly
    (``{"practices": path, ...}``). Every file is read and checked before anything is written; a
    malformed row raises ``ODSImportError("FILE:LINE: reason")`` and nothing is loaded. The writes
    happen in one transaction and touch only rows that differ, so a second run changes nothing.
    ``chosen_icbs`` limits the load to those ICBs; ``today`` decides which ICB successions apply.
    Records one audit event with the counts.
    """
    started = time.monotonic()
    today = today or timezone.localdate()
    say = progress or (lambda message: None)
    located = ods_files_locate(
        directory=directory,
        overrides=files,
        specialties=specialties,
        trust_types=trust_types,
        sub_icb_successions=sub_icb_successions,
    )
    data = ods_files_read(located, org_types=set(OrganisationType.values), progress=progress)
    with transaction.atomic():
        existing, place_keys = _organisations_now()
        known = {
            code: KnownOrganisation(
                org_type=state["org_type"], icb_code=state["icb"] or "", source=state["source"]
            )
            for code, (_, state) in existing.items()
        }
        plan = ods_plan_build(data, known=known, today=today, chosen_icbs=chosen_icbs)
        say(f"Planned {len(plan.organisations):,} organisations and {len(plan.places):,} Places")
        created, updated = _plan_apply(plan, existing=existing, place_keys=place_keys, say=say)
        sections = dict(plan.sections)
        if data.files.specialties:
            sections["specialties"] = specialty_load(rows=data.specialties, file=data.files.specialties.name)
        for name in ("places", "specialties"):
            if name in sections:
                created += sections[name].created
                updated += sections[name].updated
        report = OdsImportReport(
            sections=sections,
            warnings=dict(plan.warnings),
            chosen_icbs=sorted(plan.chosen_icbs),
            as_of=today,
            created=created,
            updated=updated,
        )
        report.seconds = time.monotonic() - started
        audit_record(
            action=AuditAction.IMPORT,
            actor=actor,
            changes=report.as_dict(),
            object_repr=f"ODS import ({report.created:,} created, {report.updated:,} updated)",
        )
    return report


def _organisations_now() -> tuple[dict[str, tuple[int, dict]], dict[int, tuple[str, str]]]:
    """Every organisation as ``{code: (id, state)}``, references as codes; and each Place's key."""
    rows = list(
        Organisation.objects.values("id", "ods_code", "place_id", *SCALAR_FIELDS, *REF_FIELDS.values())
    )
    code_of = {row["id"]: row["ods_code"] for row in rows}
    place_keys = {
        row["id"]: (code_of.get(row["icb_id"], ""), row["name"])
        for row in Place.objects.values("id", "name", "icb_id")
    }
    existing = {}
    for row in rows:
        state = {name: row[name] for name in SCALAR_FIELDS}
        state.update({name: code_of.get(row[attname]) for name, attname in REF_FIELDS.items()})
        state["place"] = place_keys.get(row["place_id"])
        existing[row["ods_code"]] = (row["id"], state)
    return existing, place_keys


def _plan_apply(plan: OdsPlan, *, existing, place_keys, say) -> tuple[int, int]:
    """Create what is new, update only the fields that differ, and count it all in the plan's sections.

    Returns the number of organisations created and the number of existing ones updated.
    """
    creates: dict[int, list] = defaultdict(list)
    updates: list[tuple[int, object, set[str]]] = []
    for code, target in plan.organisations.items():
        current = existing.get(code)
        if current is None:
            if not target.section:
                continue
            creates[target.stage].append(target)
            plan.sections[target.section].created += 1
            secondary = {
                s for s, value in target.fields.values() if s != target.section and value is not None
            }
            for section in secondary:
                plan.sections[section].updated += 1
            continue
        pk, state = current
        changed = {name for name, (_, value) in target.fields.items() if state[name] != value}
        for section in {section for section, _ in target.fields.values()}:
            touched = any(target.fields[name][0] == section for name in changed)
            if touched:
                plan.sections[section].updated += 1
            else:
                plan.sections[section].unchanged += 1
        if changed:
            updates.append((pk, target, changed))

    ids = {code: pk for code, (pk, _) in existing.items()}
    place_ids: dict[tuple[str, str], int] = {key: pk for pk, key in place_keys.items()}
    deferred: list[tuple[str, str, str]] = []  # (organisation code, reference field, referenced code)
    for stage in (STAGE_ICB, STAGE_SUB_ICB, STAGE_PCN, STAGE_PRACTICE, STAGE_TRUST):
        if stage == STAGE_PCN:
            # Places join ICBs to sub-ICB locations; PCNs and practices then point at them.
            _places_apply(plan, ids=ids, place_ids=place_ids, say=say)
        targets = creates.get(stage, [])
        if not targets:
            continue
        say(f"Creating {len(targets):,} organisations: {SECTION_LABELS[targets[0].section]}")
        objects = []
        for target in targets:
            values = {name: value for name, (_, value) in target.fields.items() if name in SCALAR_FIELDS}
            for name, attname in REF_FIELDS.items():
                code = target.value(name)
                if code in ids:
                    values[attname] = ids[code]
                elif code:
                    deferred.append((target.code, name, code))
            if target.value("place"):
                values["place_id"] = place_ids[target.value("place")]
            objects.append(Organisation(ods_code=target.code, **values))
        Organisation.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        if any(obj.pk is None for obj in objects):
            ids.update(
                Organisation.objects.filter(ods_code__in=[t.code for t in targets]).values_list(
                    "ods_code", "id"
                )
            )
        else:
            ids.update({obj.ods_code: obj.pk for obj in objects})

    pending: dict[int, dict[str, object]] = defaultdict(dict)
    for code, name, referenced in deferred:
        pending[ids[code]][name] = ids[referenced]
    for pk, target, changed in updates:
        for name in changed:
            value = target.value(name)
            if name in REF_FIELDS:
                value = ids[value] if value else None
            elif name == "place":
                value = place_ids[value] if value else None
            pending[pk][name] = value
    _organisations_update(pending, say=say)
    return sum(len(targets) for targets in creates.values()), len(updates)


def _organisations_update(pending: dict[int, dict[str, object]], *, say) -> None:
    """Write changed fields, grouped so that each UPDATE sets only the fields that changed."""
    if not pending:
        return
    say(f"Updating {len(pending):,} organisations")
    now = timezone.now()
    groups: dict[frozenset, list[Organisation]] = defaultdict(list)
    for pk, values in pending.items():
        obj = Organisation(pk=pk, updated_at=now)
        for name, value in values.items():
            attname = REF_FIELDS.get(name) or ("place_id" if name == "place" else name)
            setattr(obj, attname, value)
        groups[frozenset(values)].append(obj)
    for names, objects in groups.items():
        Organisation.objects.bulk_update(
            objects, [*sorted(names), "updated_at"], batch_size=UPDATE_BATCH_SIZE
        )


def _places_apply(plan: OdsPlan, *, ids, place_ids, say) -> None:
    """Create the planned Places and make each one's sub-ICB locations exactly those planned."""
    report = plan.sections.get("places")
    if report is None or not plan.places:
        return
    through = Place.sub_icb_locations.through
    current: dict[int, set[int]] = defaultdict(set)
    for place_id, organisation_id in through.objects.values_list("place_id", "organisation_id"):
        current[place_id].add(organisation_id)
    new_keys = {key for key in plan.places if key not in place_ids}
    if new_keys:
        say(f"Creating {len(new_keys):,} Places")
        new_places = [Place(name=plan.places[key].name, icb_id=ids[key[0]]) for key in new_keys]
        Place.objects.bulk_create(new_places, batch_size=BATCH_SIZE)
        place_ids.update(
            {
                (code, name): pk
                for pk, name, code in Place.objects.values_list("id", "name", "icb__ods_code")
                if (code, name) in new_keys
            }
        )
    additions, removals = [], []
    for key, target in plan.places.items():
        place_id = place_ids[key]
        wanted = {ids[code] for code in target.sub_icb_codes}
        have = current.get(place_id, set())
        additions += [through(place_id=place_id, organisation_id=org_id) for org_id in wanted - have]
        removals += [(place_id, org_id) for org_id in have - wanted]
        if key in new_keys:
            report.created += 1
        elif wanted != have:
            report.updated += 1
        else:
            report.unchanged += 1
    through.objects.bulk_create(additions, batch_size=BATCH_SIZE)
    for place_id, organisation_id in removals:
        through.objects.filter(place_id=place_id, organisation_id=organisation_id).delete()


# --- Specialties ---------------------------------------------------------------------------------


def specialty_load(
    *, path: Path | str | None = None, rows: list[SpecialtyRow] | None = None, file: str = ""
) -> SectionReport:
    """Load the NHS treatment function codes (``code,name``) into ``Specialty``. Idempotent.

    Reads ``path`` (default: the shipped ``treatment_functions.csv``) unless already-validated
    ``rows`` are given. Specialties missing from the file are kept: services may refer to them.
    """
    if rows is None:
        path = Path(path or SPECIALTIES_FILE)
        rows = specialties_read(path)
        file = path.name
    report = SectionReport(label=SECTION_LABELS["specialties"], file=file)
    with transaction.atomic():
        existing = {specialty.code: specialty for specialty in Specialty.objects.all()}
        created, changed = [], []
        for row in rows:
            specialty = existing.get(row.code)
            if specialty is None:
                created.append(Specialty(code=row.code, name=row.name, kind="treatment_function"))
            elif specialty.name != row.name:
                specialty.name = row.name
                changed.append(specialty)
            else:
                report.unchanged += 1
        Specialty.objects.bulk_create(created)
        Specialty.objects.bulk_update(changed, ["name"])
        report.created, report.updated = len(created), len(changed)
    return report


# --- The who's who -------------------------------------------------------------------------------

CONTACT_EDITABLE_FIELDS = (
    "role",
    "name",
    "job_title",
    "email",
    "phone",
    "contact_notes",
    "place",
    "service",
    "user",
)


def _contact_snapshot(contact: Contact) -> dict:
    """A contact's fields as plain values for the audit log."""
    return {
        "organisation": contact.organisation.ods_code if contact.organisation_id else None,
        "role": contact.role,
        "name": contact.name,
        "job_title": contact.job_title,
        "email": contact.email,
        "phone": contact.phone,
        "contact_notes": contact.contact_notes,
        "place": contact.place.name if contact.place_id else None,
        "service": str(contact.service) if contact.service_id else None,
        "user": contact.user.username if contact.user_id else None,
        "is_active": contact.is_active,
    }


def _contact_check(contact: Contact) -> None:
    """The rules a contact must keep, whoever writes it."""
    errors = {}
    if contact.role not in ContactRole.values:
        errors["role"] = "Select a role"
    if contact.service_id and contact.service.organisation_id != contact.organisation_id:
        errors["service"] = "Select a service this organisation provides"
    if contact.place_id:
        organisation = contact.organisation
        icb_id = organisation.pk if organisation.org_type == OrganisationType.ICB else organisation.icb_id
        if contact.place.icb_id != icb_id:
            errors["place"] = "Select a Place in this organisation's ICB"
    if errors:
        raise ValidationError(errors)
    contact.full_clean(exclude=["organisation", "service", "place", "user"])


def contact_create(
    *,
    organisation: Organisation,
    role: str,
    name: str,
    job_title: str = "",
    email: str = "",
    phone: str = "",
    contact_notes: str = "",
    place: Place | None = None,
    service: OrganisationService | None = None,
    user=None,
    actor=None,
    request=None,
) -> Contact:
    """Add a named role to the who's who. The caller checks ``directory.edit_contacts`` first."""
    contact = Contact(
        organisation=organisation,
        role=role,
        name=name.strip(),
        job_title=job_title.strip(),
        email=email.strip(),
        phone=phone.strip(),
        contact_notes=contact_notes.strip(),
        place=place,
        service=service,
        user=user,
    )
    _contact_check(contact)
    with transaction.atomic():
        contact.save()
        audit_record(
            action=AuditAction.CREATE,
            actor=actor,
            obj=contact,
            request=request,
            changes=field_changes({}, _contact_snapshot(contact)),
        )
    return contact


def contact_update(*, contact: Contact, actor=None, request=None, **changes) -> Contact:
    """Change a who's who entry; the audit event holds each changed field's old and new value."""
    unknown = set(changes) - set(CONTACT_EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"contact_update cannot change {sorted(unknown)}")
    before = _contact_snapshot(contact)
    for name, value in changes.items():
        setattr(contact, name, value.strip() if isinstance(value, str) else value)
    _contact_check(contact)
    after = _contact_snapshot(contact)
    differences = field_changes(before, after)
    if not differences:
        return contact
    with transaction.atomic():
        contact.save()
        audit_record(
            action=AuditAction.UPDATE, actor=actor, obj=contact, request=request, changes=differences
        )
    return contact


def contact_deactivate(*, contact: Contact, actor=None, request=None) -> Contact:
    """Take a contact out of the who's who. The row stays, so history and routing rules still resolve."""
    if not contact.is_active:
        return contact
    with transaction.atomic():
        contact.is_active = False
        contact.save(update_fields=["is_active", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=contact,
            request=request,
            changes={"is_active": [True, False]},
        )
    return contact


def organisation_service_add(
    *, organisation: Organisation, specialty: Specialty, local_name: str = "", actor=None, request=None
) -> OrganisationService:
    """Record that an organisation provides a specialty (reactivating it if it was switched off)."""
    with transaction.atomic():
        service, created = OrganisationService.objects.get_or_create(
            organisation=organisation,
            specialty=specialty,
            defaults={"local_name": local_name.strip()},
        )
        before = {"local_name": service.local_name, "is_active": service.is_active}
        if not created:
            service.local_name = local_name.strip() or service.local_name
            service.is_active = True
            if before == {"local_name": service.local_name, "is_active": True}:
                return service
            service.save(update_fields=["local_name", "is_active"])
        after = {"local_name": service.local_name, "is_active": service.is_active}
        audit_record(
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            actor=actor,
            obj=service,
            request=request,
            organisation=organisation if request is None else None,
            changes=(
                {"organisation": [None, organisation.ods_code], "specialty": [None, specialty.code]}
                | field_changes({}, after)
                if created
                else field_changes(before, after)
            ),
        )
    return service
