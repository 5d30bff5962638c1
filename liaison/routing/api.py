"""Routing and response over the JSON API: the inbox, a case with its timeline, status and messages.

The handlers call the same selectors and services as the pages, so visibility, the workflow's rules
and the messages are the same. Refusals are 422 problem+json naming the field; lists never carry a
patient reference, and a case carries it only for those who may see it.
"""

from datetime import date, datetime

from django.http import Http404
from ninja import Field, Query, Router, Schema, Status

from liaison.accounts.permissions import has_permission
from liaison.core.problems import problem_response
from liaison.routing import selectors, services
from liaison.standards.api import ProblemOut

router = Router(tags=["routing"])

PROBLEMS = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


class InboxFilters(Schema):
    scope: str = Field("organisation", description="mine, service or organisation.")
    state: str = Field("open", description="open, or all to include closed concerns.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)  # beyond this, the database cannot hold the number


class QueueItemOut(Schema):
    reference: str
    about_organisation: str = Field(description="ODS code.")
    reporter_organisation: str = Field(description="ODS code.")
    status: str
    outcome: str
    standards: list[str]
    due_on: date | None
    is_overdue: bool
    submitted_at: datetime


class InboxPage(Schema):
    count: int
    limit: int
    offset: int
    results: list[QueueItemOut]


class EventOut(Schema):
    kind: str
    occurred_at: datetime
    from_status: str
    to_status: str
    reason: str
    organisation: str | None = Field(description="ODS code of the organisation that acted, if any.")


class MessageOut(Schema):
    created_at: datetime
    organisation: str
    body: str
    is_internal: bool


class CaseOut(Schema):
    reference: str
    relationship: str = Field(description="responder, reporter, icb or joined: how you see this concern.")
    status: str
    outcome: str
    about_organisation: str
    why_routed: str
    assigned_to: list[str]
    acknowledge_due: date | None
    respond_due: date | None
    is_overdue: bool
    patient_reference: str | None = Field(description="Null unless you may see it.")
    next_statuses: list[str]
    messages: list[MessageOut]
    timeline: list[EventOut]


class StatusIn(Schema):
    to_status: str = Field(examples=["acknowledged"])
    reason: str = Field("", description="Optional; the reporter sees it (PID-checked).")


class MessageIn(Schema):
    body: str = Field(description="The message (PID-checked).")
    internal: bool = Field(False, description="An internal note, seen only by your organisation.")
    confirm_not_identifying: bool = Field(
        False,
        description="Confirm that possible names or dates the PID guard warns about are not a patient's.",
    )


def _case(request, reference: str) -> selectors.CaseView:
    case = selectors.case_for(getattr(request, "membership", None), reference)
    if case is None:
        raise Http404("There is no concern with that reference that you can see.")
    return case


def _refused(request, error: services.WorkflowError):
    return problem_response(
        status=422,
        title="The change was not made",
        type_slug="validation-error",
        detail=error.message,
        errors=[{"field": error.field, "message": error.message, "code": "refused"}],
        instance=request.path,
    )


def _case_out(case: selectors.CaseView) -> dict:
    concern, clock = case.concern, case.clock
    return {
        "reference": concern.reference,
        "relationship": case.relationship,
        "status": concern.status,
        "outcome": concern.outcome,
        "about_organisation": concern.about_organisation.ods_code,
        "why_routed": case.decision.explanation if case.decision else "",
        "assigned_to": [assignment.describe() for assignment in case.assignments],
        "acknowledge_due": clock.acknowledge_due if clock and not clock.acknowledged_at else None,
        "respond_due": clock.respond_due if clock and not clock.responded_at else None,
        "is_overdue": bool(clock and clock.is_overdue),
        "patient_reference": concern.patient_reference if case.shows_patient_reference else None,
        "next_statuses": services.allowed_next_statuses(concern) if case.is_responder else [],
        "messages": [
            {
                "created_at": message.created_at,
                "organisation": message.organisation.ods_code,
                "body": message.body,
                "is_internal": message.is_internal,
            }
            for message in case.messages
        ],
        "timeline": [
            {
                "kind": event.kind,
                "occurred_at": event.occurred_at,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "reason": event.reason,
                "organisation": event.organisation.ods_code if event.organisation else None,
            }
            for event in case.events
        ],
    }


@router.get(
    "/routing/inbox",
    response={200: InboxPage, 403: ProblemOut},
    summary="Your inbox",
    description="Concerns assigned to you, your service or your organisation; overdue first. "
    "Responders and interface leads only. Never carries patient references.",
)
def inbox(request, filters: Query[InboxFilters]):
    if not has_permission(getattr(request, "membership", None), "routing.view_inbox"):
        raise PermissionError("Only responders and interface leads have an inbox.")
    scope = filters.scope if filters.scope in selectors.INBOX_SCOPES else "organisation"
    concerns = selectors.inbox_for(request.membership, scope=scope, state=filters.state)
    window = concerns[filters.offset : filters.offset + filters.limit]
    return {
        "count": concerns.count(),
        "limit": filters.limit,
        "offset": filters.offset,
        "results": [
            {
                "reference": concern.reference,
                "about_organisation": concern.about_organisation.ods_code,
                "reporter_organisation": concern.reporter_organisation.ods_code,
                "status": concern.status,
                "outcome": concern.outcome,
                "standards": [item.standard.code for item in concern.standards_breached.all()],
                "due_on": concern.due_on,
                "is_overdue": concern.is_overdue,
                "submitted_at": concern.submitted_at,
            }
            for concern in window
        ],
    }


@router.get(
    "/routing/concerns/{reference}",
    response={200: CaseOut, **PROBLEMS},
    summary="A concern's case: why it was routed, its clocks, thread and timeline",
)
def case_detail(request, reference: str):
    return _case_out(_case(request, reference))


@router.post(
    "/routing/concerns/{reference}/status",
    response={200: CaseOut, **PROBLEMS},
    summary="Move a concern along the workflow",
    description="new → acknowledged → investigating → action agreed → responded → closed; see "
    "next_statuses on the case. Closing needs an outcome first.",
)
def case_status(request, reference: str, payload: StatusIn):
    case = _case(request, reference)
    if not has_permission(request.membership, "routing.respond", case.concern):
        raise PermissionError("Only the concern's responders can change its status.")
    try:
        services.concern_change_status(
            membership=request.membership,
            concern=case.concern,
            to_status=payload.to_status,
            reason=payload.reason,
            request=request,
        )
    except services.WorkflowError as error:
        return _refused(request, error)
    return _case_out(_case(request, reference))


@router.post(
    "/routing/concerns/{reference}/messages",
    response={201: CaseOut, **PROBLEMS},
    summary="Post a message in the thread, or an internal note",
)
def case_message(request, reference: str, payload: MessageIn):
    case = _case(request, reference)
    if not (case.is_responder or case.is_reporter):
        raise PermissionError("Only the reporting organisation and the responders post in the thread.")
    try:
        services.thread_post(
            membership=request.membership,
            concern=case.concern,
            body=payload.body,
            internal=payload.internal and case.is_responder,
            confirmed=payload.confirm_not_identifying,
            request=request,
        )
    except services.WorkflowError as error:
        return _refused(request, error)
    return Status(201, _case_out(_case(request, reference)))
