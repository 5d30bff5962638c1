"""Every change to the standards registry and to ICB Codes of Conduct, each one audited.

A Code of Conduct changes only through versions: a new version copies the one before, is edited
while it is a draft (select or remove standards, re-word, reorder, add local standards) and is then
published, after which it never changes. Only people who may ``standards.manage_code_of_conduct``
for the ICB (its ICB analysts and administrators) can change its Code; every service checks that
itself as well as the view, and raises ``PermissionError`` otherwise.
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify

from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.directory.models import Organisation, OrganisationType
from liaison.standards import selectors
from liaison.standards.baseline import BaselineChanges, apply_baseline
from liaison.standards.models import (
    Area,
    CodeOfConduct,
    CodeOfConductVersion,
    CodeStandard,
    Direction,
    Standard,
    StandardTimeLimit,
    TimeLimitUnit,
)


class PublishedVersionError(Exception):
    """An attempt to change a version of a Code of Conduct that has been published."""

    def __init__(self, version: CodeOfConductVersion):
        self.version = version
        published = f"{version.published_at:%d %B %Y}" if version.published_at else "already"
        super().__init__(
            f"Version {version.version} of {version.code_of_conduct.title} was published on {published} "
            "and cannot be changed. Make a new version to change the Code."
        )


def _json(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _changes(pairs: dict) -> dict:
    """``{field: [old, new]}`` with dates as ISO strings, so the audit log can store them."""
    return {name: [_json(old), _json(new)] for name, (old, new) in pairs.items()}


def _require_manager(*, actor, membership, icb: Organisation) -> None:
    """Refuse unless ``actor``, working as ``membership``, may manage ``icb``'s Code of Conduct."""
    allowed = (
        actor is not None
        and membership is not None
        and membership.user_id == actor.pk
        and has_permission(membership, "standards.manage_code_of_conduct", icb)
    )
    if not allowed:
        raise PermissionError(
            f"Only ICB analysts and administrators at {icb.display_name} can change its Code of Conduct."
        )


def _require_draft(version: CodeOfConductVersion) -> None:
    if version.published_at is not None:
        raise PublishedVersionError(version)


def _audit(*, actor, membership, action, obj, changes=None, object_repr: str = "") -> None:
    """Audit a change to a Code of Conduct (every such change comes through here). Processes that
    keep the Code in force see the change through the reference generation's triggers."""
    audit_record(
        action=action,
        actor=actor,
        obj=obj,
        changes=changes,
        organisation=membership.organisation if membership is not None else None,
        object_repr=object_repr,
    )


# --- The national baseline ---------------------------------------------------------------------


@transaction.atomic
def standards_baseline_load(*, actor=None) -> BaselineChanges:
    """Bring the national standards and their time limits in line with ``liaison.standards.baseline``.

    Idempotent: a second run changes nothing. A changed text is updated in place and audited with
    its old and new values (published Codes keep the wording they were published with).
    """

    def on_change(kind, obj, differences):
        audit_record(
            action=AuditAction.CREATE if differences is None else AuditAction.UPDATE,
            actor=actor,
            obj=obj,
            changes={"source": "national baseline", **_changes(differences or {})},
        )

    return apply_baseline(Standard, StandardTimeLimit, on_change=on_change)


# --- Codes of Conduct and their versions ------------------------------------------------------------


@transaction.atomic
def code_of_conduct_create(
    *, actor, membership, icb: Organisation, title: str, effective_from: date, notes: str = ""
) -> CodeOfConductVersion:
    """Give an ICB a Code of Conduct, with a first draft version holding every national standard."""
    _require_manager(actor=actor, membership=membership, icb=icb)
    if icb.org_type != OrganisationType.ICB:
        raise ValidationError("Only an ICB can have a Code of Conduct.")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Enter the title of the Code of Conduct"})
    if selectors.code_of_conduct_of(icb=icb) is not None:
        raise ValidationError(f"{icb.display_name} already has a Code of Conduct: make a new version of it.")
    try:
        with transaction.atomic():
            code = CodeOfConduct.objects.create(icb=icb, title=title)
    except IntegrityError as error:  # another analyst created it a moment ago
        raise ValidationError(f"{icb.display_name} already has a Code of Conduct.") from error
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.CREATE,
        obj=code,
        changes={"title": [None, title]},
    )
    version = CodeOfConductVersion.objects.create(
        code_of_conduct=code, version="1", effective_from=effective_from, notes=notes or "", created_by=actor
    )
    national = Standard.objects.filter(owner_icb__isnull=True, is_active=True).order_by("code")
    CodeStandard.objects.bulk_create(
        [
            CodeStandard(version=version, standard=standard, position=index)
            for index, standard in enumerate(national, 1)
        ]
    )
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.CREATE,
        obj=version,
        changes={
            "version": [None, "1"],
            "effective_from": [None, effective_from.isoformat()],
            "standards": [None, [standard.code for standard in national]],
        },
    )
    return version


@transaction.atomic
def code_of_conduct_version_create(
    *, actor, membership, code_of_conduct: CodeOfConduct, effective_from: date, notes: str = ""
) -> CodeOfConductVersion:
    """Start a new draft version, copying every entry (wording, numbering, order) of the latest version."""
    _require_manager(actor=actor, membership=membership, icb=code_of_conduct.icb)
    draft = CodeOfConductVersion.objects.filter(
        code_of_conduct=code_of_conduct, published_at__isnull=True
    ).first()
    if draft is not None:
        raise ValidationError(
            f"Version {draft.version} is still a draft. Publish it, or change it, before starting another."
        )
    published = selectors.latest_published_version(code_of_conduct=code_of_conduct)
    if published is not None and effective_from <= published.effective_from:
        raise ValidationError(
            {
                "effective_from": (
                    f"The date the new version takes effect must be after {published.effective_from:%d %B %Y}, "
                    f"when version {published.version} took effect"
                )
            }
        )
    previous = selectors.latest_version(code_of_conduct=code_of_conduct)
    number = int(previous.version) + 1 if previous and previous.version.isdigit() else 1
    try:
        with transaction.atomic():
            version = CodeOfConductVersion.objects.create(
                code_of_conduct=code_of_conduct,
                version=str(number),
                effective_from=effective_from,
                notes=notes or "",
                based_on=previous,
                created_by=actor,
            )
    except IntegrityError as error:  # another analyst started a draft a moment ago
        raise ValidationError(
            "Someone else has just started a new version: open it from the Code's page."
        ) from error
    copied = []
    if previous is not None:
        for entry in CodeStandard.objects.filter(version=previous).order_by("position", "standard__code"):
            copied.append(
                CodeStandard(
                    version=version,
                    standard_id=entry.standard_id,
                    local_reference=entry.local_reference,
                    local_title=entry.local_title,
                    local_wording=entry.local_wording,
                    position=entry.position,
                )
            )
        CodeStandard.objects.bulk_create(copied)
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.CREATE,
        obj=version,
        changes={
            "version": [None, version.version],
            "effective_from": [None, effective_from.isoformat()],
            "based_on": [None, previous.version if previous else None],
            "standards_copied": [None, len(copied)],
        },
    )
    return version


@transaction.atomic
def code_of_conduct_version_publish(
    *, actor, membership, version: CodeOfConductVersion
) -> CodeOfConductVersion:
    """Publish a draft. From now on it is immutable; its wording is frozen as it reads today."""
    version = (
        CodeOfConductVersion.objects.select_for_update()
        .select_related("code_of_conduct__icb")
        .get(pk=version.pk)
    )
    _require_manager(actor=actor, membership=membership, icb=version.code_of_conduct.icb)
    _require_draft(version)
    entries = list(CodeStandard.objects.filter(version=version).select_related("standard"))
    if not entries:
        raise ValidationError("A Code of Conduct must include at least one standard before it is published.")
    published = selectors.latest_published_version(code_of_conduct=version.code_of_conduct)
    if published is not None and version.effective_from <= published.effective_from:
        raise ValidationError(
            f"This version takes effect on {version.effective_from:%d %B %Y}, which is not after version "
            f"{published.version} ({published.effective_from:%d %B %Y}). Make a new version with a later date."
        )
    for entry in entries:
        entry.published_title = entry.local_title or entry.standard.title
        entry.published_wording = entry.local_wording or entry.standard.requirement
    CodeStandard.objects.bulk_update(entries, ["published_title", "published_wording"])
    version.published_at = timezone.now()
    version.published_by = actor
    try:
        with transaction.atomic():
            version.save(update_fields=["published_at", "published_by"])
    except IntegrityError as error:
        raise ValidationError(
            "Another version of this Code already takes effect on the same date."
        ) from error
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.UPDATE,
        obj=version,
        changes={
            "published_at": [None, version.published_at.isoformat()],
            "standards": [None, [entry.standard.code for entry in sorted(entries, key=lambda e: e.position)]],
        },
    )
    return version


# --- A draft version's standards ------------------------------------------------------------------


def _draft_for_change(*, actor, membership, version: CodeOfConductVersion) -> CodeOfConductVersion:
    version = CodeOfConductVersion.objects.select_related("code_of_conduct__icb").get(pk=version.pk)
    _require_manager(actor=actor, membership=membership, icb=version.code_of_conduct.icb)
    _require_draft(version)
    return version


def _next_position(version: CodeOfConductVersion) -> int:
    return (CodeStandard.objects.filter(version=version).aggregate(top=Max("position"))["top"] or 0) + 1


@transaction.atomic
def code_standard_select(
    *, actor, membership, version: CodeOfConductVersion, standard: Standard
) -> CodeStandard:
    """Include a national standard (or one of the ICB's local standards) in a draft, at the end."""
    version = _draft_for_change(actor=actor, membership=membership, version=version)
    if standard.owner_icb_id not in (None, version.code_of_conduct.icb_id):
        raise ValidationError(f"{standard.code} is another ICB's local standard.")
    if CodeStandard.objects.filter(version=version, standard=standard).exists():
        raise ValidationError(f"{standard.code} is already in version {version.version}.")
    entry = CodeStandard.objects.create(version=version, standard=standard, position=_next_position(version))
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.CREATE,
        obj=entry,
        changes={"version": [None, version.version], "standard": [None, standard.code]},
        object_repr=f"{version}: {standard.code}",
    )
    return entry


@transaction.atomic
def code_standard_deselect(*, actor, membership, entry: CodeStandard) -> None:
    """Leave a standard out of a draft version."""
    version = _draft_for_change(actor=actor, membership=membership, version=entry.version)
    entry = CodeStandard.objects.select_related("standard").get(pk=entry.pk)
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.DELETE,
        obj=entry,
        changes={"version": [version.version, None], "standard": [entry.standard.code, None]},
        object_repr=f"{version}: {entry.standard.code}",
    )
    entry.delete()


@transaction.atomic
def code_standard_reword(
    *,
    actor,
    membership,
    entry: CodeStandard,
    local_reference: str = "",
    local_title: str = "",
    local_wording: str = "",
) -> CodeStandard:
    """Give a standard the Code's own numbering, title and wording in a draft version.

    Text identical to the national text is stored as blank, meaning "as the national standard".
    Earlier versions keep their own entries, so re-wording never changes them.
    """
    _draft_for_change(actor=actor, membership=membership, version=entry.version)
    entry = CodeStandard.objects.select_related("standard", "version").get(pk=entry.pk)
    local_title = (local_title or "").strip()
    local_wording = (local_wording or "").strip()
    wanted = {
        "local_reference": (local_reference or "").strip(),
        "local_title": "" if local_title == entry.standard.title else local_title,
        "local_wording": "" if local_wording == entry.standard.requirement.strip() else local_wording,
    }
    differences = {
        name: [getattr(entry, name), value] for name, value in wanted.items() if getattr(entry, name) != value
    }
    if differences:
        for name, (_old, new) in differences.items():
            setattr(entry, name, new)
        entry.save(update_fields=list(differences))
        _audit(
            actor=actor,
            membership=membership,
            action=AuditAction.UPDATE,
            obj=entry,
            changes=_changes(differences),
            object_repr=f"{entry.version}: {entry.standard.code}",
        )
    return entry


@transaction.atomic
def code_of_conduct_version_reorder(
    *, actor, membership, version: CodeOfConductVersion, codes: list[str]
) -> list[CodeStandard]:
    """Put a draft's standards in the order of ``codes`` (every code in the version, once each)."""
    version = _draft_for_change(actor=actor, membership=membership, version=version)
    entries = list(
        CodeStandard.objects.filter(version=version)
        .select_related("standard")
        .order_by("position", "standard__code")
    )
    by_code = {entry.standard.code.upper(): entry for entry in entries}
    wanted = [code.upper() for code in codes]
    if sorted(wanted) != sorted(by_code):
        raise ValidationError("List every standard in this version exactly once to reorder it.")
    before = [entry.standard.code for entry in entries]
    for position, code in enumerate(wanted, 1):
        by_code[code].position = position
    CodeStandard.objects.bulk_update(by_code.values(), ["position"])
    after = [by_code[code].standard.code for code in wanted]
    if before != after:
        _audit(
            actor=actor,
            membership=membership,
            action=AuditAction.UPDATE,
            obj=version,
            changes={"order": [before, after]},
        )
    return sorted(by_code.values(), key=lambda entry: entry.position)


def code_standard_move(*, actor, membership, entry: CodeStandard, direction: str) -> list[CodeStandard]:
    """Move one standard up or down a place in a draft version."""
    if direction not in ("up", "down"):
        raise ValidationError("Choose whether to move the standard up or down.")
    codes = [
        code
        for code in CodeStandard.objects.filter(version=entry.version_id)
        .order_by("position", "standard__code")
        .values_list("standard__code", flat=True)
    ]
    index = codes.index(entry.standard.code)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(codes):
        codes[index], codes[other] = codes[other], codes[index]
    return code_of_conduct_version_reorder(
        actor=actor, membership=membership, version=entry.version, codes=codes
    )


def _next_local_code(icb: Organisation) -> str:
    prefix = f"L-{icb.ods_code.upper()}-"
    numbers = [
        int(code[len(prefix) :])
        for code in Standard.objects.filter(code__startswith=prefix).values_list("code", flat=True)
        if code[len(prefix) :].isdigit()
    ]
    return f"{prefix}{max(numbers, default=0) + 1:02d}"


def _unique_slug(code: str, title: str) -> str:
    base = slugify(f"{code} {title}")[:60] or slugify(code)
    slug, suffix = base, 2
    while Standard.objects.filter(slug=slug).exists():
        slug = f"{base[:56]}-{suffix}"
        suffix += 1
    return slug


def _local_standard_create(
    *, code, title, requirement, version, icb, area, direction, applies_to_provider_types, applies_to_settings
) -> Standard:
    return Standard.objects.create(
        code=code,
        slug=_unique_slug(code, title),
        title=title,
        requirement=requirement,
        source=f"{version.code_of_conduct.title} (local standard)",
        contract_year="",
        clause="",
        clause_verified=True,
        area=area,
        direction=direction,
        applies_to_provider_types=list(applies_to_provider_types or []),
        applies_to_settings=list(applies_to_settings or []),
        owner_icb=icb,
    )


@transaction.atomic
def local_standard_add(
    *,
    actor,
    membership,
    version: CodeOfConductVersion,
    title: str,
    requirement: str,
    direction: str = Direction.SECONDARY_TO_PRIMARY,
    area: str = Area.OTHER,
    applies_to_provider_types: list[str] | None = None,
    applies_to_settings: list[str] | None = None,
    time_limit_amount: int | None = None,
    time_limit_unit: str = "",
    time_limit_applies_to: str = "",
) -> CodeStandard:
    """Add a standard of the ICB's own (code ``L-<ICB ODS>-nn``) and include it in a draft version.

    This is how reverse-direction standards (what general practice owes providers) are recorded.
    A time limit, if given, is in force from the version's effective date.
    """
    version = _draft_for_change(actor=actor, membership=membership, version=version)
    icb = version.code_of_conduct.icb
    title, requirement = (title or "").strip(), (requirement or "").strip()
    errors = {}
    if not title:
        errors["title"] = "Enter the title of the local standard"
    if not requirement:
        errors["requirement"] = "Enter what the local standard requires"
    if direction not in Direction.values:
        errors["direction"] = "Select who the standard applies to"
    if area not in Area.values:
        errors["area"] = "Select the interface area"
    if (time_limit_amount is None) != (not time_limit_unit):
        errors["time_limit_amount"] = "Enter both the time limit and its unit, or neither"
    elif time_limit_unit and time_limit_unit not in TimeLimitUnit.values:
        errors["time_limit_unit"] = "Select the unit of the time limit"
    elif time_limit_amount is not None and time_limit_amount < 1:
        errors["time_limit_amount"] = "The time limit must be 1 or more"
    if errors:
        raise ValidationError(errors)
    code = _next_local_code(icb)
    try:
        with transaction.atomic():
            standard = _local_standard_create(
                code=code,
                title=title,
                requirement=requirement,
                version=version,
                icb=icb,
                area=area,
                direction=direction,
                applies_to_provider_types=applies_to_provider_types,
                applies_to_settings=applies_to_settings,
            )
    except IntegrityError as error:  # another local standard took the code a moment ago
        raise ValidationError("Another local standard was added at the same time. Try again.") from error
    created = {
        "code": [None, code],
        "title": [None, title],
        "direction": [None, direction],
        "area": [None, area],
    }
    if time_limit_amount is not None:
        limit = StandardTimeLimit.objects.create(
            standard=standard,
            amount=time_limit_amount,
            unit=time_limit_unit,
            applies_to=(time_limit_applies_to or "").strip(),
            in_force_from=version.effective_from,
            note=f"Set by version {version.version} of {version.code_of_conduct.title}.",
        )
        created["time_limit"] = [None, limit.describe()]
    _audit(actor=actor, membership=membership, action=AuditAction.CREATE, obj=standard, changes=created)
    entry = CodeStandard.objects.create(version=version, standard=standard, position=_next_position(version))
    _audit(
        actor=actor,
        membership=membership,
        action=AuditAction.CREATE,
        obj=entry,
        changes={"version": [None, version.version], "standard": [None, code]},
        object_repr=f"{version}: {code}",
    )
    return entry
