"""Concerns over the JSON API: report one (idempotently), list and read them, add a "me too".

The handlers call the same services as the web form, so the rules and the messages are the same.
Validation problems are 422 problem+json with one entry per problem in ``errors``; the field names
are those of the request schema. The local patient reference is null unless the caller may see it.
"""

from datetime import date, datetime
from typing import Annotated

from django.http import HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status

from liaison.accounts.permissions import has_permission
from liaison.concerns import selectors, services
from liaison.concerns.models import (
    AspectOfCare,
    ConcernOutcome,
    ConcernPart,
    ConcernStatus,
    PatientReferenceSystem,
    StaffGroup,
)
from liaison.core import ratelimit
from liaison.core.problems import problem_response
from liaison.standards.api import IsoDate, ProblemOut

router = Router(tags=["concerns"])

PROBLEMS = {400: ProblemOut, 403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


class ConcernIn(Schema):
    """A new concern. Every field is checked by the same rules as the web form; a missing required
    answer gets the form's message, so most fields default to empty here."""

    part: str = Field("", description="A (an emerging theme) or B (a breach of a standard).", examples=["B"])
    about_organisation: str = Field(
        "", description="ODS code of the organisation the concern is about.", examples=["REM"]
    )
    specialty: str = Field(
        "", description="Treatment function code, for example 300 (General Internal Medicine)."
    )
    service_description: str = Field("", description="Team or service, free text (PID-checked).")
    staff_group: str = Field("", description=f"One of: {', '.join(StaffGroup.values)}.")
    aspect_of_care: str = Field(
        "", description=f"One of: {', '.join(AspectOfCare.values)}.", examples=["discharge"]
    )
    event_date: IsoDate | None = Field(None, description="YYYY-MM-DD; today or within the last 2 years.")
    standards: list[str] = Field(
        default_factory=list,
        description="Part B: codes of the standards not met, from the Code of Conduct in force for the "
        "organisation's ICB on the event date (GET /api/v1/standards?icb=…&on=…).",
        examples=[["S02"]],
    )
    what_happened: str = Field("", description="What went wrong (PID-checked).")
    impact: str = Field("", description="Impact on the patient or practice (PID-checked).")
    patient_reference: str = Field(
        "", description="Local clinical-system number for the patient; never an NHS number."
    )
    patient_reference_system: str = Field(
        "", description=f"One of: {', '.join(PatientReferenceSystem.values)}."
    )
    reporter_may_be_named: bool = False
    confirm_not_identifying: list[str] = Field(
        default_factory=list,
        description="Fields whose possible names or dates (PID guard warnings) you confirm are not a "
        "patient's, for example ['what_happened']. Blocked identifiers cannot be confirmed.",
    )


class OccurrenceIn(Schema):
    event_date: IsoDate | None = Field(None, description="YYYY-MM-DD: when it happened to you.")
    note: str = Field("", description="Optional, up to 500 characters (PID-checked).")
    confirm_not_identifying: list[str] = Field(default_factory=list, examples=[["note"]])


class OrganisationRef(Schema):
    ods_code: str
    name: str


class StandardBreachedOut(Schema):
    code: str = Field(examples=["S02"])
    title: str
    time_limit: str = Field(
        description="The time limit in force on the event date, as shown to the reporter."
    )


class OccurrenceOut(Schema):
    organisation: OrganisationRef
    event_date: date
    note: str
    is_original: bool
    created_at: datetime


class EventOut(Schema):
    kind: str
    label: str
    organisation: str | None
    from_status: str
    to_status: str
    occurred_at: datetime


class ConcernSummaryOut(Schema):
    reference: str = Field(examples=["LIA-000123"])
    part: ConcernPart
    status: ConcernStatus
    about_organisation: OrganisationRef
    reporter_organisation: OrganisationRef
    aspect_of_care: str
    event_date: date
    occurrence_count: int
    submitted_at: datetime


class ConcernOut(ConcernSummaryOut):
    outcome: ConcernOutcome | None
    specialty: str | None = Field(description="Treatment function code.")
    service_description: str
    staff_group: str
    what_happened: str
    impact: str
    standards: list[StandardBreachedOut]
    code_of_conduct: str | None = Field(
        description="Title and version of the Code in force; null for the national baseline."
    )
    reporter_name: str | None = Field(
        description="Null unless the reporter agreed to be named, or you are at their organisation."
    )
    patient_reference: str | None = Field(description="Null unless you may see it.")
    patient_reference_system: str | None
    occurrences: list[OccurrenceOut]
    events: list[EventOut]


class ConcernPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ConcernSummaryOut]


class ConcernFilters(Schema):
    status: ConcernStatus | None = None
    part: ConcernPart | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)  # beyond this, the database cannot hold the number


def _org(organisation) -> dict:
    return {"ods_code": organisation.ods_code, "name": organisation.display_name}


def _summary(concern) -> dict:
    return {
        "reference": concern.reference,
        "part": concern.part,
        "status": concern.status,
        "about_organisation": _org(concern.about_organisation),
        "reporter_organisation": _org(concern.reporter_organisation),
        "aspect_of_care": concern.aspect_of_care,
        "event_date": concern.event_date,
        "occurrence_count": selectors.occurrence_count(concern),
        "submitted_at": concern.submitted_at,
    }


def _detail(membership, concern) -> dict:
    show_reference = selectors.patient_reference_visible(membership, concern)
    version = concern.code_of_conduct_version
    return {
        **_summary(concern),
        "outcome": concern.outcome or None,
        "specialty": concern.specialty.code if concern.specialty_id else None,
        "service_description": concern.service_description,
        "staff_group": concern.staff_group,
        "what_happened": concern.what_happened,
        "impact": concern.impact,
        "standards": [
            {"code": item.standard.code, "title": item.standard.title, "time_limit": item.time_limit_text}
            for item in concern.standards_breached.all()
        ],
        "code_of_conduct": f"{version.code_of_conduct.title}, version {version.version}" if version else None,
        "reporter_name": concern.reporter.display_name
        if selectors.reporter_name_visible(membership, concern)
        else None,
        "patient_reference": concern.patient_reference if show_reference else None,
        "patient_reference_system": concern.patient_reference_system if show_reference else None,
        "occurrences": [
            {
                "organisation": _org(item.organisation),
                "event_date": item.event_date,
                "note": item.note,
                "is_original": item.is_original,
                "created_at": item.created_at,
            }
            for item in concern.occurrences.all()
        ],
        "events": [
            {
                "kind": event.kind,
                "label": event.get_kind_display(),
                "organisation": event.organisation.ods_code if event.organisation_id else None,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "occurred_at": event.occurred_at,
            }
            for event in concern.events.all()
        ],
    }


def _require(request, permission: str) -> None:
    if not has_permission(getattr(request, "membership", None), permission):
        raise PermissionError("Your role at your current organisation does not allow this.")


def _invalid(request, invalid: services.ConcernInvalid) -> HttpResponse:
    return problem_response(
        status=422,
        title="The concern was not saved",
        type_slug="validation-error",
        detail="Correct the fields listed in errors and send the request again. Nothing was saved.",
        errors=[problem.as_dict() for problem in invalid.problems],
        instance=request.path,
    )


@router.post(
    "/concerns",
    response={200: ConcernOut, 201: ConcernOut, 429: ProblemOut, **PROBLEMS},
    summary="Report a concern",
    description=(
        "Send an `Idempotency-Key` header (any unique string up to 200 characters, such as a UUID) with "
        "every request. Repeating a request with the same key and body returns the concern made the first "
        "time (200) and never makes a second; the same key with a different body is refused (422). "
        "Validation follows the web form exactly, with the same messages."
    ),
)
def concern_create(
    request,
    payload: ConcernIn,
    idempotency_key: Annotated[str, Header(alias="Idempotency-Key")] = "",
):
    _require(request, "concerns.report")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 200:
        return problem_response(
            status=400,
            title="Idempotency-Key header required",
            type_slug="idempotency-key-missing",
            detail="Send a unique Idempotency-Key header (up to 200 characters) so a retried request "
            "never reports the same concern twice.",
            instance=request.path,
        )
    limited = ratelimit.hit(ratelimit.CONCERN_SUBMIT, request.user.pk)
    if limited:
        return problem_response(
            status=429,
            title="Too many concerns in a short time",
            type_slug="rate-limited",
            detail=f"You have reported more than {limited.limit} concerns in {limited.window_seconds} seconds. "
            f"Nothing was stored: send the request again, with the same Idempotency-Key, after "
            f"{limited.retry_after} seconds.",
            instance=request.path,
            headers=limited.headers,
        )
    body = payload.model_dump(mode="json")
    submission = services.ConcernSubmission(**{**body, "event_date": payload.event_date})
    try:
        concern, created = services.submit_concern(
            membership=request.membership,
            submission=submission,
            source="api",
            idempotency_key=key,
            fingerprint=services.request_fingerprint(body),
            request=request,
        )
    except services.ConcernInvalid as invalid:
        return _invalid(request, invalid)
    except services.IdempotencyKeyReused as reused:
        return problem_response(
            status=422,
            title="Idempotency-Key already used for a different request",
            type_slug="idempotency-key-reused",
            detail=str(reused),
            instance=request.path,
        )
    concern = selectors.concern_for(request.membership, concern.reference)
    return Status(201 if created else 200, _detail(request.membership, concern))


@router.get(
    "/concerns",
    response={200: ConcernPage, 403: ProblemOut},
    summary="Concerns you can see",
    description="Concerns your organisation reported or joined, concerns about it, and for ICB analysts "
    "every concern reported in or about their ICB; newest first.",
)
def concern_list(request, filters: Query[ConcernFilters]):
    _require(request, "concerns.view")
    concerns = selectors.concern_list(
        request.membership, status=filters.status or "", part=filters.part or ""
    )
    window = concerns[filters.offset : filters.offset + filters.limit]
    return {
        "count": concerns.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_summary(concern) for concern in window],
    }


@router.get(
    "/concerns/{reference}",
    response={200: ConcernOut, 403: ProblemOut, 404: ProblemOut},
    summary="One concern, with its standards, occurrences and timeline",
)
def concern_get(request, reference: str):
    _require(request, "concerns.view")
    return _detail(request.membership, selectors.concern_for(request.membership, reference))


@router.post(
    "/concerns/{reference}/occurrences",
    response={201: ConcernOut, **PROBLEMS},
    summary="Me too: the problem happened to your organisation as well",
    description="Adds an occurrence for your organisation to an open concern you can see or join. "
    "One per person per concern per day.",
)
def occurrence_create(request, reference: str, payload: OccurrenceIn):
    _require(request, "concerns.report")
    membership = request.membership
    concern = selectors.concern_joinable_for(membership, reference)
    try:
        services.add_occurrence(
            membership=membership,
            concern=concern,
            event_date=payload.event_date,
            note=payload.note,
            confirm_not_identifying=payload.confirm_not_identifying,
            request=request,
        )
    except services.ConcernInvalid as invalid:
        return _invalid(request, invalid)
    return Status(201, _detail(membership, selectors.concern_for(membership, reference)))
