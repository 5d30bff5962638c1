"""Every read of concerns, scoped to the membership asking. The only way in to concerns.

Who sees a concern:

- the organisation that reported it, and every organisation that added an occurrence ("me too");
- the organisation it is about (a trust also sees concerns about its sites);
- ICB analysts at an ICB, for concerns reported in or about their ICB; never another ICB's.

The local patient reference is narrower still (``patient_reference_visible``): the reporting
organisation, and responders and interface leads at the organisation the concern is about.
"""

from dataclasses import dataclass
from uuid import UUID

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from liaison.accounts.models import Membership, Role
from liaison.accounts.permissions import has_permission, is_icb_wide, organisation_scope
from liaison.concerns.models import (
    OPEN_STATUSES,
    Concern,
    ConcernDraft,
    ConcernEvent,
    ConcernStandard,
    Occurrence,
)
from liaison.directory.models import Organisation, OrganisationType

NOT_FOUND = "There is no concern with that reference that you can see."


def _base() -> QuerySet[Concern]:
    return Concern.objects.select_related(
        "reporter", "reporter_organisation", "about_organisation", "specialty"
    ).annotate(occurrence_count=Count("occurrences", distinct=True))


def _visible_condition(membership: Membership) -> Q:
    if is_icb_wide(membership):
        icb = membership.organisation
        return Q(about_icb=icb) | Q(reporter_icb=icb)
    scope = organisation_scope(membership)
    joined = Occurrence.objects.filter(concern=OuterRef("pk"), organisation__in=scope)
    return Q(reporter_organisation__in=scope) | Q(about_organisation__in=scope) | Q(Exists(joined))


def concerns_visible_to(membership: Membership | None) -> QuerySet[Concern]:
    """Every concern this membership may read, newest first, with ``occurrence_count``."""
    if not has_permission(membership, "concerns.view"):
        return Concern.objects.none()
    return _base().filter(_visible_condition(membership)).order_by("-submitted_at", "-id")


def concern_list(
    membership: Membership | None, *, status: str = "", part: str = "", direction: str = ""
) -> QuerySet[Concern]:
    """The concerns list: visible concerns, filtered by status, part, and ``direction``
    ("reported" by us, "about" us, or both when empty)."""
    concerns = concerns_visible_to(membership)
    if status == "open":
        concerns = concerns.filter(status__in=OPEN_STATUSES)
    elif status:
        concerns = concerns.filter(status=status)
    if part:
        concerns = concerns.filter(part=part)
    if membership is not None and direction in ("reported", "about") and not is_icb_wide(membership):
        scope = organisation_scope(membership)
        key = "reporter_organisation__in" if direction == "reported" else "about_organisation__in"
        concerns = concerns.filter(**{key: scope})
    return concerns


def _with_detail(concerns: QuerySet[Concern]) -> QuerySet[Concern]:
    return concerns.select_related("code_of_conduct_version__code_of_conduct").prefetch_related(
        Prefetch(
            "standards_breached",
            queryset=ConcernStandard.objects.select_related("standard", "time_limit"),
        ),
        Prefetch(
            "occurrences",
            queryset=Occurrence.objects.select_related("organisation", "reported_by").order_by(
                "event_date", "created_at", "id"
            ),
        ),
        Prefetch(
            "events",
            queryset=ConcernEvent.objects.select_related("actor", "organisation").order_by(
                "occurred_at", "id"
            ),
        ),
    )


def _by_reference(concerns: QuerySet[Concern], reference: str) -> Concern:
    pk = Concern.pk_from_reference(str(reference or "").strip())
    found = _with_detail(concerns).filter(pk=pk).first() if pk else None
    if found is None:
        raise Http404(NOT_FOUND)
    return found


def concern_for(membership: Membership | None, reference: str) -> Concern:
    """The concern with this reference (LIA-000123, or 123) if the membership may see it; else 404."""
    return _by_reference(concerns_visible_to(membership), reference)


def concerns_joinable_by(membership: Membership | None) -> QuerySet[Concern]:
    """Open concerns this membership may add a "me too" to: those it can see, and any open concern
    about an organisation in its own ICB or reported from it (suggestions show them without the
    reporter's details or patient reference)."""
    if not has_permission(membership, "concerns.report"):
        return Concern.objects.none()
    icb = membership.icb
    condition = _visible_condition(membership)
    if icb is not None:
        condition |= Q(about_icb=icb) | Q(reporter_icb=icb)
    return _base().filter(condition, status__in=OPEN_STATUSES).order_by("-submitted_at", "-id")


def concern_joinable_for(membership: Membership | None, reference: str) -> Concern:
    """An open concern this membership may add an occurrence to, by reference; else 404."""
    return _by_reference(concerns_joinable_by(membership), reference)


def can_read(membership: Membership | None, concern: Concern) -> bool:
    return concerns_visible_to(membership).filter(pk=concern.pk).exists()


def _at_or_above(membership: Membership, organisation: Organisation) -> bool:
    """Is the membership's organisation this one, or the trust this site belongs to?"""
    return organisation.pk == membership.organisation_id or (
        organisation.org_type == OrganisationType.TRUST_SITE
        and organisation.parent_id == membership.organisation_id
    )


def patient_reference_visible(membership: Membership | None, concern: Concern) -> bool:
    """Only the reporting organisation, and responders and interface leads at the organisation the
    concern is about, see the local patient reference. ICB-wide roles never do."""
    if membership is None or not has_permission(membership, "concerns.view"):
        return False
    if concern.reporter_organisation_id == membership.organisation_id:
        return True
    return membership.role in (Role.RESPONDER, Role.INTERFACE_LEAD) and _at_or_above(
        membership, concern.about_organisation
    )


def reporter_name_visible(membership: Membership | None, concern: Concern) -> bool:
    """The reporter's name: to their own organisation always; to others only if they agreed to be named."""
    if membership is None:
        return False
    return concern.reporter_organisation_id == membership.organisation_id or concern.reporter_may_be_named


@dataclass(frozen=True)
class SimilarConcern:
    """An open concern like the one being reported: enough to recognise it, nothing about who reported it."""

    concern: Concern
    shared_standards: list[str]
    same_aspect: bool


def similar_open_concerns(
    membership: Membership | None,
    *,
    about_organisation: Organisation | None,
    aspect_of_care: str = "",
    standard_codes: list[str] | tuple = (),
    limit: int = 5,
) -> list[SimilarConcern]:
    """Open concerns about the same organisation with the same aspect of care or a shared standard,
    most occurrences first, that this membership may join with a "me too"."""
    if about_organisation is None or not (aspect_of_care or standard_codes):
        return []
    codes = [code.upper() for code in standard_codes]
    condition = Q()
    if aspect_of_care:
        condition |= Q(aspect_of_care=aspect_of_care)
    if codes:
        condition |= Q(standards_breached__standard__code__in=codes)
    concerns = (
        concerns_joinable_by(membership)
        .filter(about_organisation=about_organisation)
        .filter(condition)
        .distinct()
        .prefetch_related(
            Prefetch("standards_breached", queryset=ConcernStandard.objects.select_related("standard"))
        )
        .order_by("-occurrence_count", "-submitted_at")[:limit]
    )
    return [
        SimilarConcern(
            concern=concern,
            shared_standards=[
                item.standard.code for item in concern.standards_breached.all() if item.standard.code in codes
            ],
            same_aspect=concern.aspect_of_care == aspect_of_care,
        )
        for concern in concerns
    ]


def occurrence_count(concern: Concern) -> int:
    """Occurrences of a concern, the original included (annotated when read through these selectors)."""
    annotated = getattr(concern, "occurrence_count", None)
    return annotated if annotated is not None else concern.occurrences.count()


# --- Drafts ----------------------------------------------------------------------------------------


def drafts_for(membership: Membership | None) -> QuerySet[ConcernDraft]:
    """The signed-in person's own drafts, most recently changed first."""
    if membership is None:
        return ConcernDraft.objects.none()
    return ConcernDraft.objects.filter(author=membership.user).select_related("organisation")


def draft_for(membership: Membership | None, public_id) -> ConcernDraft:
    """One of the person's own drafts by its public id; 404 for anyone else's or none."""
    try:
        uuid = UUID(str(public_id))
    except ValueError:
        raise Http404("There is no such draft.") from None
    draft = drafts_for(membership).filter(public_id=uuid).first()
    if draft is None:
        raise Http404("There is no such draft.")
    return draft


# --- What the form offers ---------------------------------------------------------------------------


def organisations_to_report_about(text: str, *, limit: int = 10) -> list[Organisation]:
    """Open organisations matching a name, ODS code or postcode, that a concern can be about."""
    from liaison.directory.selectors import organisation_search

    text = (text or "").strip()
    if len(text) < 2:
        return []
    return list(
        organisation_search(text)
        .exclude(org_type__in=[OrganisationType.ICB, OrganisationType.SUB_ICB_LOCATION])
        .select_related("icb")[:limit]
    )
