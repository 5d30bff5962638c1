"""Every change to concerns: submitting one, adding an occurrence ("me too"), and drafts.

The web form and the API call the same functions, so they accept and refuse the same things with
the same messages. Validation collects every problem at once and raises ``ConcernInvalid``; nothing
is written until everything is valid, and then everything is written in one transaction.

Every free-text field passes the PID guard (``liaison.privacy``): a block stops the concern with a
message naming the field and a masked form of what was found; a warning (a possible name or date)
stops it until the person confirms that it does not identify a patient. Only the fact that the
guard found something, and of what kind, is logged; never the text.
"""

import hashlib
import json
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.accounts.models import Membership
from liaison.accounts.permissions import has_permission
from liaison.audit.models import AuditAction, AuditEvent
from liaison.audit.services import audit_event, audit_record
from liaison.concerns.models import (
    OPEN_STATUSES,
    AspectOfCare,
    Concern,
    ConcernDraft,
    ConcernEvent,
    ConcernEventKind,
    ConcernPart,
    ConcernStandard,
    IdempotencyRecord,
    Occurrence,
    PatientReferenceSystem,
    StaffGroup,
)
from liaison.core import reference
from liaison.core.inserts import insert_new, pipelined
from liaison.core.jinja_filters import nhs_date
from liaison.core.tasking import tasks_written_together
from liaison.directory import selectors as directory_selectors
from liaison.directory.models import Organisation, OrganisationType
from liaison.privacy import Finding, ScanResult, check_patient_reference, log_detections, scan_text
from liaison.standards import selectors as standards_selectors

# An event older than this is not soft intelligence any more; the provider cannot look into it.
OLDEST_EVENT_DAYS = 365 * 2
LIMITS = {"what_happened": 5000, "impact": 2000, "service_description": 200, "note": 500}

LABELS = {
    "part": "Type of concern",
    "about_organisation": "Organisation",
    "specialty": "Specialty",
    "service_description": "Service or team",
    "staff_group": "Staff group",
    "aspect_of_care": "Aspect of care",
    "event_date": "Date of the event",
    "standards": "Standards",
    "what_happened": "What happened",
    "impact": "Impact",
    "patient_reference": "Local patient reference",
    "patient_reference_system": "Patient reference system",
    "note": "Note",
}
FREE_TEXT_FIELDS = ("service_description", "what_happened", "impact")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a submission: the field (as the API schema names it) and what to do."""

    field: str
    message: str
    code: str = "invalid"
    finding: Finding | None = None

    def as_dict(self) -> dict:
        data = {"field": self.field, "message": self.message, "code": self.code}
        if self.finding is not None:
            data.update(kind=self.finding.kind.value, start=self.finding.start, end=self.finding.end)
        return data


class ConcernInvalid(Exception):
    """The submission cannot be accepted as it is. ``problems`` lists every reason, field by field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))

    def for_field(self, name: str) -> list[Problem]:
        return [problem for problem in self.problems if problem.field == name]


class IdempotencyKeyReused(Exception):
    """An ``Idempotency-Key`` already used by this person for a different request."""

    def __init__(self, key: str, concern: Concern):
        self.key = key
        self.concern = concern
        super().__init__(
            f"The Idempotency-Key '{key[:60]}' was already used for a different request, which created "
            f"{concern.reference}. Send a new key for a new concern, or the same body to get that concern back."
        )


@dataclass
class ConcernSubmission:
    """What a person submits, as plain values. Field names are those of the API schema."""

    part: str = ""
    about_organisation: str = ""
    specialty: str = ""
    service_description: str = ""
    staff_group: str = ""
    aspect_of_care: str = ""
    event_date: date | None = None
    standards: list[str] = field(default_factory=list)
    what_happened: str = ""
    impact: str = ""
    patient_reference: str = ""
    patient_reference_system: str = ""
    reporter_may_be_named: bool = False
    # Fields whose possible names or dates the person confirms are not a patient's: a field name
    # ("what_happened"), or a field name with the fingerprint of the warnings shown ("what_happened:1a2b…").
    confirm_not_identifying: list[str] = field(default_factory=list)

    def cleaned(self) -> "ConcernSubmission":
        """The same values with surrounding spaces removed and codes in upper case."""
        return ConcernSubmission(
            part=(self.part or "").strip().upper(),
            about_organisation=(self.about_organisation or "").strip(),
            specialty=(self.specialty or "").strip(),
            service_description=(self.service_description or "").strip(),
            staff_group=(self.staff_group or "").strip(),
            aspect_of_care=(self.aspect_of_care or "").strip(),
            event_date=self.event_date,
            standards=list(dict.fromkeys(code.strip().upper() for code in self.standards if code.strip())),
            what_happened=(self.what_happened or "").strip(),
            impact=(self.impact or "").strip(),
            patient_reference=(self.patient_reference or "").strip(),
            patient_reference_system=(self.patient_reference_system or "").strip(),
            reporter_may_be_named=bool(self.reporter_may_be_named),
            confirm_not_identifying=[str(item) for item in self.confirm_not_identifying],
        )


# --- The PID guard on a submission ----------------------------------------------------------------


def warning_fingerprint(text: str, result: ScanResult) -> str:
    """A short fingerprint of the spans a warning was about, so a confirmation covers only those."""
    spans = "\n".join(text[finding.start : finding.end] for finding in result.warnings)
    return hashlib.sha256(spans.encode()).hexdigest()[:16]


def _pid_message(label: str, finding: Finding) -> str:
    message = finding.message
    if message.startswith("This contains "):
        return f"{label} contains " + message.removeprefix("This contains ")
    if message.startswith("This may be "):
        return f"{label} may contain " + message.removeprefix("This may be ")
    return f"{label}: {message}"


def _confirmed(name: str, text: str, result: ScanResult, confirmations: Collection[str]) -> bool:
    return name in confirmations or f"{name}:{warning_fingerprint(text, result)}" in confirmations


def pid_problems(
    values: dict[str, str], *, confirmations: Collection[str] = ()
) -> tuple[list[Problem], dict[str, ScanResult]]:
    """Scan free-text fields: problems for blocks and unconfirmed warnings, and every field's result.

    Detections are logged by kind and field, never with the text.
    """
    problems: list[Problem] = []
    results: dict[str, ScanResult] = {}
    for name, text in values.items():
        result = scan_text(text or "")
        results[name] = result
        if result.clean:
            continue
        log_detections(name, result)
        for finding in result.blocks:
            problems.append(Problem(name, _pid_message(LABELS[name], finding), "pid_blocked", finding))
        if result.warnings and not _confirmed(name, text, result, confirmations):
            for finding in result.warnings:
                problems.append(Problem(name, _pid_message(LABELS[name], finding), "pid_warning", finding))
    return problems, results


def _patient_reference_problems(reference: str) -> list[Problem]:
    findings = check_patient_reference(reference)
    if findings:
        log_detections("patient_reference", ScanResult(findings))
    label = LABELS["patient_reference"]
    return [Problem("patient_reference", _pid_message(label, f), "pid_blocked", f) for f in findings]


# --- Checking a submission ------------------------------------------------------------------------


def _date_problems(name: str, day: date | None, *, today: date) -> list[Problem]:
    label = LABELS.get(name, "Date")
    if day is None:
        return [Problem(name, f"Enter the {label[0].lower() + label[1:]}", "required")]
    if day > today:
        return [Problem(name, f"{label} must be today or in the past", "future")]
    if day < today - timedelta(days=OLDEST_EVENT_DAYS):
        return [Problem(name, f"{label} must be within the last 2 years", "too_old")]
    return []


def _length_problem(name: str, value: str) -> list[Problem]:
    limit = LIMITS[name]
    if len(value) > limit:
        return [Problem(name, f"{LABELS[name]} must be {limit:,} characters or fewer", "too_long")]
    return []


def _resolve_about(
    code: str, *, membership: Membership, today: date, token: str | None
) -> tuple[Organisation | None, list]:
    if not code:
        return None, [
            Problem("about_organisation", "Enter the organisation the concern is about", "required")
        ]
    organisation = directory_selectors.organisation_to_report_about(code, token=token)
    if organisation is None:
        return None, [
            Problem(
                "about_organisation",
                f"“{code[:40]}” is not an ODS code in the directory: choose the organisation from the list",
                "not_found",
            )
        ]
    if organisation.closed_on is not None and organisation.closed_on < today:
        return None, [
            Problem(
                "about_organisation",
                f"{organisation.display_name} closed on {nhs_date(organisation.closed_on)}: "
                "choose the organisation that provides the service now",
                "closed",
            )
        ]
    if organisation.org_type in (OrganisationType.ICB, OrganisationType.SUB_ICB_LOCATION):
        return None, [
            Problem(
                "about_organisation",
                "Choose the practice, PCN, trust or service the concern is about, not a commissioner",
                "not_a_provider",
            )
        ]
    if organisation.pk == membership.organisation_id:
        return None, [
            Problem(
                "about_organisation",
                "Choose another organisation: concerns about your own organisation go through its own processes",
                "own_organisation",
            )
        ]
    return organisation, []


# The choices a submission's fields may take, as sets: checked on every submission.
_PARTS = frozenset(ConcernPart.values)
_STAFF_GROUPS = frozenset(StaffGroup.values)
_ASPECTS = frozenset(AspectOfCare.values)
_PATIENT_REFERENCE_SYSTEMS = frozenset(PatientReferenceSystem.values)


@dataclass
class _Checked:
    # The reference generation the checks read at (``liaison.core.reference``): routing uses the same.
    reference_token: str | None = None
    about: Organisation | None = None
    specialty: object = None
    code_in_force: object = None
    standards: list = field(default_factory=list)
    # The id taken for the routing decision while the concern was stored (PostgreSQL), else None.
    decision_id: int | None = None


def _check(
    submission: ConcernSubmission, *, membership: Membership, today: date
) -> tuple[_Checked, list[Problem]]:
    """Every problem with a submission, in the order of the form, and what it resolved to."""
    problems: list[Problem] = []
    checked = _Checked(reference_token=reference.token() if submission.about_organisation else None)
    if submission.part not in _PARTS:
        problems.append(
            Problem(
                "part",
                "Select whether this is an emerging theme (Part A) or a breach of a standard (Part B)",
                "required" if not submission.part else "invalid_choice",
            )
        )
    checked.about, about_problems = _resolve_about(
        submission.about_organisation, membership=membership, today=today, token=checked.reference_token
    )
    problems += about_problems
    if submission.specialty:
        checked.specialty = directory_selectors.specialty_by_code(submission.specialty)
        if checked.specialty is None:
            problems.append(Problem("specialty", "Select a specialty from the list", "invalid_choice"))
    problems += _length_problem("service_description", submission.service_description)
    if submission.staff_group and submission.staff_group not in _STAFF_GROUPS:
        problems.append(Problem("staff_group", "Select a staff group from the list", "invalid_choice"))
    if submission.aspect_of_care not in _ASPECTS:
        problems.append(
            Problem(
                "aspect_of_care",
                "Select the aspect of care the concern is about",
                "required" if not submission.aspect_of_care else "invalid_choice",
            )
        )
    date_problems = _date_problems("event_date", submission.event_date, today=today)
    problems += date_problems
    if submission.part == ConcernPart.BREACH:
        problems += _standard_problems(submission, checked, dated=not date_problems)
    if not submission.what_happened:
        problems.append(Problem("what_happened", "Enter what happened", "required"))
    problems += _length_problem("what_happened", submission.what_happened)
    problems += _length_problem("impact", submission.impact)
    pid, _ = pid_problems(
        {name: getattr(submission, name) for name in FREE_TEXT_FIELDS},
        confirmations=submission.confirm_not_identifying,
    )
    problems += pid
    problems += _patient_reference_check(submission)
    return checked, in_form_order(problems)


def _standard_problems(submission: ConcernSubmission, checked: _Checked, *, dated: bool) -> list[Problem]:
    if not submission.standards:
        return [Problem("standards", "Select at least one standard that was not met", "required")]
    if checked.about is None or not dated:
        # The standards in force depend on the organisation and the date: check them once both are right.
        return []
    checked.code_in_force = standards_selectors.code_of_conduct_for(
        icb=directory_selectors.icb_of(checked.about),
        day=submission.event_date,
        token=checked.reference_token,
    )
    by_code = {item.code.upper(): item for item in checked.code_in_force.standards}
    problems = []
    for code in submission.standards:
        item = by_code.get(code)
        if item is None:
            problems.append(
                Problem(
                    "standards",
                    f"“{code[:20]}” is not a standard of the {checked.code_in_force.title} on "
                    f"{nhs_date(submission.event_date)}: choose the standards from the list",
                    "invalid_choice",
                )
            )
        else:
            checked.standards.append(item)
    return problems


def _patient_reference_check(submission: ConcernSubmission) -> list[Problem]:
    reference, system = submission.patient_reference, submission.patient_reference_system
    if not reference:
        return []
    problems = []
    if len(reference) > 40:
        problems.append(
            Problem("patient_reference", "Local patient reference must be 40 characters or fewer", "too_long")
        )
    problems += _patient_reference_problems(reference)
    if system not in _PATIENT_REFERENCE_SYSTEMS:
        problems.append(
            Problem(
                "patient_reference_system",
                "Select the system the patient reference comes from",
                "required" if not system else "invalid_choice",
            )
        )
    return problems


FIELD_ORDER = list(LABELS)


def in_form_order(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda problem: FIELD_ORDER.index(problem.field))


def check_submission(*, membership: Membership, submission: ConcernSubmission, today: date | None = None):
    """Every problem with a submission, without saving anything (the form's live checks use this)."""
    _, problems = _check(submission.cleaned(), membership=membership, today=today or timezone.localdate())
    return problems


# --- Submitting ----------------------------------------------------------------------------------


def request_fingerprint(payload: dict) -> str:
    """SHA-256 of a request body in a canonical form, so the same JSON in another order matches."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _previous_for_key(*, user, key: str, fingerprint: str) -> Concern | None:
    record = IdempotencyRecord.objects.select_related("concern").filter(user=user, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(key, record.concern)
    return record.concern


def submit_concern(
    *,
    membership: Membership,
    submission: ConcernSubmission,
    source: str = "web",
    draft: ConcernDraft | None = None,
    idempotency_key: str = "",
    fingerprint: str = "",
    request=None,
    today: date | None = None,
) -> tuple[Concern, bool]:
    """Check and store a new concern; ``(concern, created)``.

    Raises ``ConcernInvalid`` listing every problem, or ``PermissionError`` if the membership may not
    report. With an ``idempotency_key`` the same key and body return the concern made the first time
    (``created`` is False), and the same key with another body raises ``IdempotencyKeyReused``; two
    requests racing with one key are settled by the key's unique constraint.
    """
    if not has_permission(membership, "concerns.report"):
        raise PermissionError("Your role does not allow you to report concerns.")
    user = membership.user
    if idempotency_key:
        previous = _previous_for_key(user=user, key=idempotency_key, fingerprint=fingerprint)
        if previous is not None:
            return previous, False
    today = today or timezone.localdate()
    submission = submission.cleaned()
    checked, problems = _check(submission, membership=membership, today=today)
    if problems:
        raise ConcernInvalid(problems)
    try:
        with transaction.atomic(), pipelined(), tasks_written_together():
            concern, submitted, audited = _store(
                membership=membership, submission=submission, checked=checked, source=source, request=request
            )
            if idempotency_key:
                IdempotencyRecord.objects.create(
                    user=user, key=idempotency_key, fingerprint=fingerprint, concern=concern
                )
            if draft is not None:
                ConcernDraft.objects.filter(pk=draft.pk, author=user).delete()
            route_new_concern_integration(
                concern=concern,
                actor=user,
                standard_ids=[item.standard.pk for item in checked.standards],
                events_before=[submitted],
                audit_before=[audited],
                reference_token=checked.reference_token,
                decision_id=checked.decision_id,
            )
            _enqueue_theme_assignment(concern.pk)
    except IntegrityError:
        if not idempotency_key:
            raise
        # Another request with the same key committed first: answer as it was answered.
        previous = _previous_for_key(user=user, key=idempotency_key, fingerprint=fingerprint)
        if previous is None:
            raise
        return previous, False
    return concern, True


def _store(
    *, membership, submission: ConcernSubmission, checked: _Checked, source: str, request
) -> tuple[Concern, ConcernEvent, AuditEvent]:
    """Store the concern, its standards and its first occurrence. The SUBMITTED event and the audit
    event come back unsaved: routing stores each with its own (ROUTED, and the routing decision's
    audit event), so each table takes one insert."""
    from liaison.routing.services import decision_id_later

    now = timezone.now()
    organisation = membership.organisation
    about = checked.about
    has_reference = bool(submission.patient_reference)
    # Asked now, answered with the concern's own INSERT below: routing then stores its decision
    # without waiting for another answer.
    decision_id = decision_id_later()
    (concern,) = insert_new(
        [
            Concern(
                part=submission.part,
                reporter=membership.user,
                reporter_organisation=organisation,
                reporter_icb=directory_selectors.icb_of(organisation),
                about_organisation=about,
                about_icb=directory_selectors.icb_of(about),
                specialty=checked.specialty,
                service_description=submission.service_description,
                staff_group=submission.staff_group,
                aspect_of_care=submission.aspect_of_care,
                event_date=submission.event_date,
                what_happened=submission.what_happened,
                impact=submission.impact,
                patient_reference=submission.patient_reference if has_reference else "",
                patient_reference_system=submission.patient_reference_system if has_reference else "",
                reporter_may_be_named=submission.reporter_may_be_named,
                code_of_conduct_version=checked.code_in_force.version if checked.code_in_force else None,
                source=source,
                submitted_at=now,
            )
        ]
    )
    checked.decision_id = decision_id() if decision_id else None
    insert_new(
        [
            ConcernStandard(
                concern_id=concern.pk,
                standard_id=item.standard.pk,
                time_limit_id=item.time_limit.pk if item.time_limit else None,
                time_limit_text=item.time_limit.describe() if item.time_limit else "No time limit",
            )
            for item in checked.standards
        ],
        returning=False,
    )
    insert_new(
        [
            Occurrence(
                concern_id=concern.pk,
                organisation_id=organisation.pk,
                reported_by_id=membership.user_id,
                event_date=submission.event_date,
                is_original=True,
            )
        ],
        returning=False,
    )
    submitted = ConcernEvent(
        concern_id=concern.pk,
        kind=ConcernEventKind.SUBMITTED,
        actor_id=membership.user_id,
        organisation_id=organisation.pk,
        to_status=concern.status,
        occurred_at=now,
    )
    audited = audit_event(
        action=AuditAction.CREATE,
        actor=membership.user,
        obj=concern,
        organisation=organisation,
        request=request,
        changes={
            "part": concern.part,
            "about_organisation": about.ods_code,
            "standards": [item.code for item in checked.standards],
            "event_date": concern.event_date.isoformat(),
            "source": source,
            "patient_reference_given": has_reference,
        },
    )
    return concern, submitted, audited


def _enqueue_theme_assignment(concern_id: int) -> None:
    """Ask the task worker to place the new concern in the nearest theme: written in the submission's
    transaction when the queue is in this database (no commit of its own), else after it commits."""
    from liaison.core.tasking import enqueue_with_change
    from liaison.themes.tasks import assign_concern_to_theme

    enqueue_with_change(assign_concern_to_theme, concern_id)


def route_new_concern_integration(
    *,
    concern: Concern,
    actor,
    standard_ids: list[int] | None = None,
    events_before=(),
    audit_before=(),
    reference_token: str | None = None,
    decision_id: int | None = None,
) -> None:
    """Hand a new concern to routing, inside the submitting transaction: a concern that cannot be
    routed is not half-stored. Routing assigns responders, starts the clocks and queues notifications.
    ``standard_ids``: the standards just stored with it, so routing need not read them back;
    ``events_before``: its unsaved SUBMITTED event, which routing stores with its ROUTED event;
    ``audit_before``: its unsaved audit event, which routing stores with the decision's;
    ``reference_token``: the reference generation the submission's checks read at, if they did;
    ``decision_id``: the id taken for the routing decision while the concern was stored, if one was."""
    from liaison.routing.services import route_new_concern

    route_new_concern(
        concern=concern,
        actor=actor,
        standard_ids=standard_ids,
        events_before=events_before,
        audit_before=audit_before,
        reference_token=reference_token,
        decision_id=decision_id,
    )


# --- Me too ---------------------------------------------------------------------------------------


def add_occurrence(
    *,
    membership: Membership,
    concern: Concern,
    event_date: date | None,
    note: str = "",
    confirm_not_identifying: Collection[str] = (),
    request=None,
    today: date | None = None,
) -> Occurrence:
    """Record that the problem of an open concern happened to this person's organisation too.

    One occurrence per person per concern per day. The note is optional, short, and PID-checked.
    The caller finds ``concern`` through ``selectors.concern_joinable_by`` (or ``concern_for``).
    """
    if not has_permission(membership, "concerns.report"):
        raise PermissionError("Your role does not allow you to report concerns.")
    today = today or timezone.localdate()
    note = (note or "").strip()
    problems: list[Problem] = []
    if concern.status not in OPEN_STATUSES:
        problems.append(
            Problem(
                "concern",
                f"{concern.reference} is closed: report a new concern if it has happened again",
                "closed",
            )
        )
    problems += _date_problems("event_date", event_date, today=today)
    if event_date and not problems:
        already = Occurrence.objects.filter(
            concern=concern, reported_by=membership.user, event_date=event_date
        )
        if already.exists():
            problems.append(
                Problem(
                    "event_date",
                    f"You have already said this happened on {nhs_date(event_date)}: choose another date",
                    "duplicate",
                )
            )
    problems += _length_problem("note", note)
    pid, _ = pid_problems({"note": note}, confirmations=confirm_not_identifying)
    problems += pid
    if problems:
        raise ConcernInvalid(problems)
    try:
        with transaction.atomic():
            occurrence = Occurrence.objects.create(
                concern=concern,
                organisation=membership.organisation,
                reported_by=membership.user,
                event_date=event_date,
                note=note,
            )
            ConcernEvent.objects.create(
                concern=concern,
                kind=ConcernEventKind.OCCURRENCE_ADDED,
                actor=membership.user,
                organisation=membership.organisation,
                occurred_at=timezone.now(),
            )
            audit_record(
                action=AuditAction.CREATE,
                actor=membership.user,
                obj=occurrence,
                organisation=membership.organisation,
                request=request,
                changes={"concern": concern.reference, "event_date": event_date.isoformat()},
            )
    except IntegrityError:
        # A double click: the first request recorded it.
        raise ConcernInvalid(
            [
                Problem(
                    "event_date",
                    f"You have already said this happened on {nhs_date(event_date)}: choose another date",
                    "duplicate",
                )
            ]
        ) from None
    return occurrence


# --- Drafts ----------------------------------------------------------------------------------------

DRAFT_FIELDS = (
    "part",
    "about_organisation",
    "specialty",
    "service_description",
    "staff_group",
    "aspect_of_care",
    "event_date",
    "standards",
    "what_happened",
    "impact",
    "patient_reference",
    "patient_reference_system",
    "reporter_may_be_named",
)


@dataclass
class DraftSaved:
    draft: ConcernDraft
    # Fields not kept because the PID guard found something in them; they stay on the person's screen.
    left_out: list[str]
    problems: list[Problem]


def concern_draft_save(
    *,
    membership: Membership,
    submission: ConcernSubmission,
    draft: ConcernDraft | None = None,
    request=None,
) -> DraftSaved:
    """Keep an unfinished report for its author, server-side. Nothing identifying is ever kept:
    a free-text field with a block, or a warning not yet confirmed, is left out of the draft."""
    submission = submission.cleaned()
    free_text = {name: getattr(submission, name) for name in FREE_TEXT_FIELDS}
    problems, _ = pid_problems(free_text, confirmations=submission.confirm_not_identifying)
    if submission.patient_reference:
        problems += _patient_reference_problems(submission.patient_reference)
    left_out = sorted({problem.field for problem in problems}, key=FIELD_ORDER.index)
    data = {}
    for name in DRAFT_FIELDS:
        value = getattr(submission, name)
        if name in left_out:
            continue
        if name == "event_date":
            value = value.isoformat() if value else ""
        if name == "patient_reference_system" and "patient_reference" in left_out:
            continue
        data[name] = value
    data["confirm_not_identifying"] = [
        item for item in submission.confirm_not_identifying if item.split(":")[0] not in left_out
    ]
    with transaction.atomic():
        if draft is None:
            draft = ConcernDraft.objects.create(
                author=membership.user, organisation=membership.organisation, data=data
            )
            action = AuditAction.CREATE
        else:
            draft.data = data
            draft.organisation = membership.organisation
            draft.save(update_fields=["data", "organisation", "updated_at"])
            action = AuditAction.UPDATE
        audit_record(
            action=action,
            actor=membership.user,
            obj=draft,
            organisation=membership.organisation,
            request=request,
            changes={"left_out": left_out},
        )
    return DraftSaved(draft=draft, left_out=left_out, problems=problems)


def submission_from_draft(draft: ConcernDraft) -> ConcernSubmission:
    """The draft's values, ready to fill the form again."""
    data = dict(draft.data)
    day = data.get("event_date") or ""
    try:
        data["event_date"] = date.fromisoformat(day) if day else None
    except ValueError:
        data["event_date"] = None
    known = {name: data[name] for name in (*DRAFT_FIELDS, "confirm_not_identifying") if name in data}
    return ConcernSubmission(**known)


def concern_draft_discard(*, membership: Membership, draft: ConcernDraft, request=None) -> None:
    """Delete a draft. Only its author may (the selector ``draft_for`` finds only the author's)."""
    if draft.author_id != membership.user_id:
        raise PermissionError("Only the person who saved a draft can discard it.")
    with transaction.atomic():
        audit_record(
            action=AuditAction.DELETE,
            actor=membership.user,
            obj=draft,
            organisation=membership.organisation,
            request=request,
        )
        draft.delete()
