"""Reads of the standards registry, dated time limits and ICB Codes of Conduct.

Standards are not sensitive: anyone with a membership may read them, and any ICB's published Code
of Conduct. Drafts are read only by the people who may manage that ICB's Code (the views check).
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q

from liaison.core import reference
from liaison.core.reference import Kept
from liaison.directory.models import Organisation, OrganisationType
from liaison.standards.models import (
    CodeOfConduct,
    CodeOfConductVersion,
    CodeStandard,
    Standard,
    StandardTimeLimit,
)


@dataclass(frozen=True)
class StandardInForce:
    """A standard as it applies on a day: the wording a Code gives it, and the time limit then in force."""

    standard: Standard
    title: str
    wording: str
    time_limit: StandardTimeLimit | None
    local_reference: str = ""
    entry: CodeStandard | None = None

    @property
    def code(self) -> str:
        return self.standard.code

    @property
    def is_local(self) -> bool:
        return self.standard.is_local

    @property
    def is_reworded(self) -> bool:
        return self.entry is not None and (
            self.title != self.standard.title or self.wording != self.standard.requirement
        )


@dataclass(frozen=True)
class CodeOfConductInForce:
    """The standards that apply in an ICB on a day: its Code's version then in force, or the national baseline."""

    day: date
    standards: list[StandardInForce]
    icb: Organisation | None = None
    version: CodeOfConductVersion | None = None

    @property
    def is_national_baseline(self) -> bool:
        return self.version is None

    @property
    def title(self) -> str:
        return self.version.code_of_conduct.title if self.version else "National baseline"


@dataclass(frozen=True)
class StandardsOverview:
    """The standards list page: the ICB's Code in force (if it has one) and the national baseline."""

    day: date
    baseline: CodeOfConductInForce
    code_in_force: CodeOfConductInForce | None = None
    code_of_conduct: CodeOfConduct | None = None


@dataclass(frozen=True)
class StandardDetail:
    """One standard with its time-limit history and, where the ICB's Code includes it, the local wording."""

    standard: Standard
    time_limits: list[StandardTimeLimit]
    current_time_limit: StandardTimeLimit | None
    in_icb_code: StandardInForce | None = None
    icb_version: CodeOfConductVersion | None = None
    time_limit_on_date: StandardTimeLimit | None = None
    on: date | None = None


@dataclass(frozen=True)
class VersionSummary:
    version: CodeOfConductVersion
    standard_count: int
    is_in_force: bool
    day: date

    @property
    def status(self) -> str:
        """draft, in_force, scheduled (published, takes effect later) or replaced."""
        if not self.version.is_published:
            return "draft"
        if self.is_in_force:
            return "in_force"
        return "scheduled" if self.version.effective_from > self.day else "replaced"


@dataclass(frozen=True)
class CodeOfConductHistory:
    code_of_conduct: CodeOfConduct
    versions: list[VersionSummary] = field(default_factory=list)

    @property
    def draft(self) -> CodeOfConductVersion | None:
        return next((s.version for s in self.versions if not s.version.is_published), None)


def _limit_in_force(limits, day: date) -> StandardTimeLimit | None:
    """The limit in force on ``day`` from an already-loaded list; a general limit before a specific one."""
    in_force = [
        limit
        for limit in limits
        if limit.in_force_from <= day and (limit.in_force_to is None or limit.in_force_to >= day)
    ]
    in_force.sort(key=lambda limit: (limit.applies_to != "", limit.applies_to, limit.in_force_from))
    return in_force[0] if in_force else None


def _time_limits_prefetch(prefix: str = "") -> Prefetch:
    return Prefetch(
        f"{prefix}time_limits", queryset=StandardTimeLimit.objects.order_by("in_force_from", "applies_to")
    )


def time_limit_on(*, standard: Standard, day: date) -> StandardTimeLimit | None:
    """The time limit of ``standard`` in force on ``day``, or None (before any limit, or none at all).

    Uses the standard's prefetched time limits when they are loaded, so lists do not query per row.
    """
    cache = getattr(standard, "_prefetched_objects_cache", {})
    if "time_limits" in cache:
        return _limit_in_force(cache["time_limits"], day)
    return _limit_in_force(StandardTimeLimit.objects.filter(standard=standard).in_force_on(day), day)


def standard_by_code(*, code: str) -> Standard | None:
    """A standard by its registry code (S03, L-QYG-01), case-insensitively, with its time limits."""
    return (
        Standard.objects.filter(code__iexact=(code or "").strip())
        .select_related("owner_icb")
        .prefetch_related(_time_limits_prefetch())
        .first()
    )


def national_baseline(*, day: date) -> CodeOfConductInForce:
    """The national standards (not any ICB's local ones), each with the time limit in force on ``day``."""
    standards = Standard.objects.filter(owner_icb__isnull=True, is_active=True).prefetch_related(
        _time_limits_prefetch()
    )
    return CodeOfConductInForce(
        day=day,
        standards=[
            StandardInForce(
                standard=standard,
                title=standard.title,
                wording=standard.requirement,
                time_limit=time_limit_on(standard=standard, day=day),
            )
            for standard in standards
        ],
    )


def version_in_force(*, icb: Organisation, day: date) -> CodeOfConductVersion | None:
    """The published version of the ICB's Code with the latest effective date on or before ``day``."""
    return (
        CodeOfConductVersion.objects.filter(
            code_of_conduct__icb=icb, published_at__isnull=False, effective_from__lte=day
        )
        .select_related("code_of_conduct", "code_of_conduct__icb")
        .order_by("-effective_from")
        .first()
    )


def version_entries(*, version: CodeOfConductVersion, day: date) -> list[StandardInForce]:
    """A version's standards in the Code's order, with local wording and the time limit in force on ``day``."""
    return [_entry_in_force(entry, day) for entry in _version_entry_rows(version)]


def code_of_conduct_for(
    *, icb: Organisation | None, day: date, token: str | None = None
) -> CodeOfConductInForce:
    """The standards in force in ``icb`` on ``day``: its Code's version then in force, else the baseline.

    Kept in this process while the reference generation token stands (``liaison.core.reference``):
    any write to a standard, a time limit or a Code, however it is made, changes it. So a read takes
    one query (the token; none when the caller passes the ``token`` it read for all its reference
    data, as a submission does), and a read after a change reads the Code afresh.
    """
    if token is None:
        token = reference.token()
    return _CODES_IN_FORCE.get(
        (icb.pk if icb is not None else None, day),
        lambda: _code_of_conduct_for(icb=icb, day=day),
        token=token,
    )


_CODES_IN_FORCE = Kept(limit=2048)


def _code_of_conduct_for(*, icb: Organisation | None, day: date) -> CodeOfConductInForce:
    version = version_in_force(icb=icb, day=day) if icb is not None else None
    if version is None:
        baseline = national_baseline(day=day)
        return CodeOfConductInForce(day=day, standards=baseline.standards, icb=icb)
    entries = _version_entry_rows(version)
    return CodeOfConductInForce(
        day=day,
        standards=[_entry_in_force(entry, day) for entry in entries],
        icb=icb,
        version=version,
    )


def _version_entry_rows(version: CodeOfConductVersion) -> list[CodeStandard]:
    return list(
        CodeStandard.objects.filter(version=version)
        .select_related("standard", "standard__owner_icb")
        .prefetch_related(_time_limits_prefetch("standard__"))
        .order_by("position", "standard__code")
    )


def _entry_in_force(entry: CodeStandard, day: date) -> StandardInForce:
    return StandardInForce(
        standard=entry.standard,
        title=entry.title,
        wording=entry.wording,
        local_reference=entry.local_reference,
        time_limit=time_limit_on(standard=entry.standard, day=day),
        entry=entry,
    )


def standards_in_force(*, icb: Organisation | None, day: date) -> list[StandardInForce]:
    """The standards that apply in ``icb`` on ``day`` (see ``code_of_conduct_for``)."""
    return code_of_conduct_for(icb=icb, day=day).standards


def current_code_of_conduct_version(*, icb: Organisation, day: date) -> CodeOfConductVersion | None:
    return version_in_force(icb=icb, day=day)


def code_of_conduct_of(*, icb: Organisation | None) -> CodeOfConduct | None:
    if icb is None:
        return None
    return CodeOfConduct.objects.filter(icb=icb).select_related("icb").first()


def standards_overview(*, icb: Organisation | None, day: date) -> StandardsOverview:
    """What the standards page shows: the ICB's Code in force on ``day`` (if any) and the national baseline."""
    code = code_of_conduct_of(icb=icb)
    in_force = None
    if code is not None:
        version = version_in_force(icb=icb, day=day)
        if version is not None:
            in_force = CodeOfConductInForce(
                day=day, standards=version_entries(version=version, day=day), icb=icb, version=version
            )
    return StandardsOverview(
        day=day, baseline=national_baseline(day=day), code_in_force=in_force, code_of_conduct=code
    )


def standard_detail(
    *, code: str, icb: Organisation | None, today: date, on: date | None = None
) -> StandardDetail | None:
    """A standard's page: time-limit history, the limit today and on ``on``, and the ICB Code's wording."""
    standard = standard_by_code(code=code)
    if standard is None:
        return None
    limits = list(standard.time_limits.all())
    in_code = None
    version = version_in_force(icb=icb, day=today) if icb is not None else None
    if version is not None:
        entry = CodeStandard.objects.filter(version=version, standard=standard).first()
        if entry is not None:
            entry.standard = standard
            in_code = StandardInForce(
                standard=standard,
                title=entry.title,
                wording=entry.wording,
                local_reference=entry.local_reference,
                time_limit=_limit_in_force(limits, today),
                entry=entry,
            )
    return StandardDetail(
        standard=standard,
        time_limits=limits,
        current_time_limit=_limit_in_force(limits, today),
        in_icb_code=in_code,
        icb_version=version if in_code else None,
        time_limit_on_date=_limit_in_force(limits, on) if on else None,
        on=on,
    )


def icb_by_ods_code(*, ods_code: str) -> Organisation | None:
    """An ICB by its ODS code (case-insensitive), or None if there is no such ICB."""
    return Organisation.objects.filter(
        ods_code__iexact=(ods_code or "").strip(), org_type=OrganisationType.ICB
    ).first()


def code_of_conduct_history(
    *, icb: Organisation, day: date, include_drafts: bool
) -> CodeOfConductHistory | None:
    """The ICB's Code of Conduct and its versions, newest first, marking the one in force on ``day``."""
    code = code_of_conduct_of(icb=icb)
    if code is None:
        return None
    versions = CodeOfConductVersion.objects.filter(code_of_conduct=code).annotate(
        standard_count=Count("standards")
    )
    if not include_drafts:
        versions = versions.filter(published_at__isnull=False)
    versions = sorted(versions.select_related("published_by"), key=_version_sort_key, reverse=True)
    published_by_date = sorted(
        (v for v in versions if v.is_published and v.effective_from <= day), key=lambda v: v.effective_from
    )
    in_force = published_by_date[-1] if published_by_date else None
    return CodeOfConductHistory(
        code_of_conduct=code,
        versions=[
            VersionSummary(version=v, standard_count=v.standard_count, is_in_force=v == in_force, day=day)
            for v in versions
        ],
    )


def _version_sort_key(version: CodeOfConductVersion):
    return (int(version.version) if version.version.isdigit() else 0, version.version)


def code_of_conduct_version(
    *, icb: Organisation, version: str, include_drafts: bool
) -> CodeOfConductVersion | None:
    """One version of the ICB's Code (published only, unless ``include_drafts``)."""
    versions = CodeOfConductVersion.objects.filter(code_of_conduct__icb=icb, version=version).select_related(
        "code_of_conduct", "code_of_conduct__icb", "based_on", "published_by", "created_by"
    )
    if not include_drafts:
        versions = versions.filter(published_at__isnull=False)
    return versions.first()


def latest_version(*, code_of_conduct: CodeOfConduct) -> CodeOfConductVersion | None:
    """The most recently numbered version, draft or published: the one a new version copies."""
    versions = list(CodeOfConductVersion.objects.filter(code_of_conduct=code_of_conduct))
    return max(versions, key=_version_sort_key) if versions else None


def latest_published_version(*, code_of_conduct: CodeOfConduct) -> CodeOfConductVersion | None:
    return (
        CodeOfConductVersion.objects.filter(code_of_conduct=code_of_conduct, published_at__isnull=False)
        .order_by("-effective_from")
        .first()
    )


def version_entry(*, version: CodeOfConductVersion, code: str) -> CodeStandard | None:
    """One standard's entry in a version, by the standard's code."""
    return (
        CodeStandard.objects.filter(version=version, standard__code__iexact=(code or "").strip())
        .select_related("standard", "version", "version__code_of_conduct", "version__code_of_conduct__icb")
        .first()
    )


def standards_available_to_add(*, version: CodeOfConductVersion) -> list[Standard]:
    """National standards, and this ICB's own local standards, that the version does not include yet."""
    icb = version.code_of_conduct.icb
    included = CodeStandard.objects.filter(version=version).values("standard_id")
    return list(
        Standard.objects.filter(Q(owner_icb__isnull=True) | Q(owner_icb=icb), is_active=True)
        .exclude(pk__in=included)
        .order_by("code")
    )


def local_standards_of(*, icb: Organisation) -> list[Standard]:
    return list(Standard.objects.filter(owner_icb=icb).order_by("code"))
