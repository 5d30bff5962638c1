"""Every write for NHS 111 messages: sender credentials, receipt, and acting on a message."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.directory.models import Organisation, OrganisationType
from liaison.nhs111.checking import Issue, message_check, operation_outcome
from liaison.nhs111.models import (
    FhirVersion,
    IntakeClaim,
    IntakeClaimState,
    IntakeRejection,
    MessageEvent,
    MessageIssue,
    MessageStatus,
    Purpose,
    Queue,
    ReceivedMessage,
    SenderCredential,
)
from liaison.nhs111.reading import message_read

CREDENTIAL_PREFIX = "l111_"
# A claim older than this is a request that died mid-way: a repeat may take it over.
STALE_CLAIM = timedelta(minutes=5)


class InvalidTransition(Exception):
    pass


def sender_credential_issue(
    *, organisation: Organisation, name: str, actor=None
) -> tuple[SenderCredential, str]:
    """Issue a credential for a 111 / 999 sending system at ``organisation``. Returns it and the secret (shown once)."""
    secret = CREDENTIAL_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        credential = SenderCredential.objects.create(
            organisation=organisation,
            name=name,
            prefix=secret[:12],
            digest=SenderCredential.digest_of(secret),
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        audit_record(
            action=AuditAction.TOKEN_CREATED,
            actor=actor,
            obj=credential,
            organisation=organisation,
            object_repr=f"111 sender credential {credential.prefix}… for {organisation.ods_code}",
        )
    return credential, secret


@dataclass
class Receipt:
    """What intake answers: the HTTP status, the OperationOutcome, and the stored message if any."""

    status: int
    outcome: dict
    message: ReceivedMessage | None = None


def _refuse(status: int, code: str, error_code: str, diagnostics: str, expression: str = "") -> Receipt:
    issue = Issue(
        severity="error", code=code, diagnostics=diagnostics, expression=expression, error_code=error_code
    )
    return Receipt(status=status, outcome=operation_outcome([issue]))


def _claim(*, sender_ods: str, message_id: str, request_id: str) -> Receipt | None:
    """Claim a message for this request, or say why not (409 already processed, 425 still processing)."""
    try:
        with transaction.atomic():
            IntakeClaim.objects.create(sender_ods=sender_ods, message_id=message_id, request_id=request_id)
        return None
    except IntegrityError:
        pass
    with transaction.atomic():
        claim = (
            IntakeClaim.objects.select_for_update()
            .filter(sender_ods=sender_ods, message_id=message_id)
            .first()
        )
        if claim is None:
            IntakeClaim.objects.create(sender_ods=sender_ods, message_id=message_id, request_id=request_id)
            return None
        if claim.state == IntakeClaimState.DONE:
            return _refuse(
                409,
                "duplicate",
                "REC_CONFLICT",
                f"Message {message_id} has already been received and processed; it was not stored again.",
                "Bundle.id",
            )
        if timezone.now() - claim.claimed_at < STALE_CLAIM:
            return _refuse(
                425,
                "conflict",
                "REC_TOO_EARLY",
                f"Message {message_id} is still being processed from an earlier request; try again shortly.",
                "Bundle.id",
            )
        IntakeClaim.objects.filter(pk=claim.pk).update(request_id=request_id, claimed_at=timezone.now())
        return None


def _release_claim(*, sender_ods: str, message_id: str) -> None:
    IntakeClaim.objects.filter(
        sender_ods=sender_ods, message_id=message_id, state=IntakeClaimState.PROCESSING
    ).delete()


def _issue_rows(issues: list[Issue], **owner) -> list[MessageIssue]:
    return [
        MessageIssue(
            severity=issue.severity,
            code=issue.code,
            section=issue.section,
            expression=issue.expression[:500],
            diagnostics=issue.diagnostics[:1000],
            **owner,
        )
        for issue in issues
    ]


def _registered_practice(ods_code: str) -> Organisation | None:
    if not ods_code:
        return None
    return (
        Organisation.objects.filter(
            ods_code=ods_code, org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True
        )
        .select_related("icb")
        .first()
    )


def _icb_of(organisation: Organisation) -> Organisation | None:
    if organisation.org_type == OrganisationType.ICB:
        return organisation
    return organisation.icb


def message_receive(*, data, credential: SenderCredential, request_id: str, correlation_id: str) -> Receipt:
    """Receive one message from the sending system that holds ``credential``.

    The sender may only send as itself. The message is checked (structure, BaRS minimums, PRSB
    sections); with any error it is rejected and only the rejection (no patient content) is kept.
    Otherwise it is stored whole with its checking result, routed to the patient's registered
    practice, or to the ICB's unregistered-patient queue when Liaison does not know the practice,
    all in one transaction. A repeat is answered 409 once processed, 425 while still processing.
    """
    sender = credential.organisation
    reading, _ = message_read(data) if isinstance(data, dict) else (None, None)
    if reading is not None and reading.sender_ods and reading.sender_ods != sender.ods_code:
        return _refuse(
            403,
            "forbidden",
            "REC_FORBIDDEN",
            f"This credential belongs to {sender.ods_code}; it cannot send as {reading.sender_ods}.",
            "Bundle.entry[0].resource.sender",
        )
    message_id = reading.message_id if reading is not None else ""
    if message_id:
        refused = _claim(sender_ods=sender.ods_code, message_id=message_id, request_id=request_id)
        if refused is not None:
            return refused
    try:
        receipt = _check_and_store(
            data=data,
            sender=sender,
            message_id=message_id,
            request_id=request_id,
            correlation_id=correlation_id,
        )
    except BaseException:
        if message_id:
            _release_claim(sender_ods=sender.ods_code, message_id=message_id)
        raise
    if receipt.message is None and message_id:
        # Rejected: release the claim so a corrected message with the same id can be sent again.
        _release_claim(sender_ods=sender.ods_code, message_id=message_id)
    return receipt


def _check_and_store(*, data, sender, message_id, request_id, correlation_id) -> Receipt:
    check = message_check(data)
    reading = check.reading
    outcome = check.operation_outcome()
    if check.has_errors:
        with transaction.atomic():
            rejection = IntakeRejection.objects.create(
                sender=sender,
                sender_ods=sender.ods_code,
                icb=_icb_of(sender),
                request_id=request_id,
                correlation_id=correlation_id,
                fhir_version=reading.fhir_version if reading else "",
                outcome=outcome,
            )
            MessageIssue.objects.bulk_create(_issue_rows(check.issues, rejection=rejection))
        return Receipt(status=check.http_status, outcome=outcome)
    practice = _registered_practice(reading.registered_practice_ods)
    summary = {
        "patient_name": reading.patient_name,
        "nhs_number": reading.nhs_number,
        "birth_date": reading.birth_date,
        "chief_complaint": reading.chief_complaint[:300],
        "repeat_caller": reading.repeat_caller,
        "sender_name": reading.sender_name or sender.display_name,
        "registered_practice_name": reading.registered_practice_name,
    }
    with transaction.atomic():
        message = ReceivedMessage.objects.create(
            sender=sender,
            sender_ods=sender.ods_code,
            message_id=message_id,
            request_id=request_id,
            correlation_id=correlation_id,
            fhir_version=FhirVersion.STU3 if reading.fhir_version == "STU3" else FhirVersion.R4,
            message_type=reading.event_code,
            purpose=Purpose.FOR_INFORMATION if reading.purpose_for_information else Purpose.FOR_ACTION,
            due_by=None if reading.purpose_for_information else reading.due_by,
            contact_started_at=reading.contact_started_at,
            raw=data,
            summary=summary,
            validation=outcome,
            sections_missing=check.required_missing,
            queue=Queue.PRACTICE if practice else Queue.UNREGISTERED,
            practice=practice,
            icb=_icb_of(practice) if practice else _icb_of(sender),
            registered_practice_ods=reading.registered_practice_ods,
        )
        MessageIssue.objects.bulk_create(_issue_rows(check.issues, message=message))
        MessageEvent.objects.create(message=message, to_status=MessageStatus.RECEIVED)
        IntakeClaim.objects.filter(sender_ods=sender.ods_code, message_id=message_id).update(
            state=IntakeClaimState.DONE
        )
        _credential_touch(sender)
    return Receipt(status=200, outcome=outcome, message=message)


def _credential_touch(sender: Organisation) -> None:
    """Keep ``last_used_at`` roughly current without a write on every message."""
    cutoff = timezone.now() - timedelta(minutes=1)
    SenderCredential.objects.filter(organisation=sender, revoked_at__isnull=True).exclude(
        last_used_at__gte=cutoff
    ).update(last_used_at=timezone.now())


def message_view_record(*, message: ReceivedMessage, actor, request=None) -> None:
    """Audit that ``actor`` opened a message: patient data, so every view is recorded."""
    audit_record(action=AuditAction.VIEW, actor=actor, obj=message, request=request)


def _transition(
    *, message: ReceivedMessage, actor, request, to_status: str, note: str = ""
) -> ReceivedMessage:
    with transaction.atomic():
        locked = ReceivedMessage.objects.select_for_update().get(pk=message.pk)
        allowed = {
            MessageStatus.RECEIVED: {MessageStatus.ACKNOWLEDGED, MessageStatus.COMPLETED},
            MessageStatus.ACKNOWLEDGED: {MessageStatus.COMPLETED},
            MessageStatus.COMPLETED: set(),
        }
        if to_status not in allowed[locked.status]:
            raise InvalidTransition(
                f"This message is {locked.get_status_display().lower()}; it cannot be marked {to_status}."
            )
        now = timezone.now()
        from_status = locked.status
        if locked.acknowledged_at is None:
            locked.acknowledged_at, locked.acknowledged_by = now, actor
        if to_status == MessageStatus.COMPLETED:
            locked.completed_at, locked.completed_by = now, actor
        locked.status = to_status
        locked.save(
            update_fields=["status", "acknowledged_at", "acknowledged_by", "completed_at", "completed_by"]
        )
        MessageEvent.objects.create(
            message=locked, actor=actor, from_status=from_status, to_status=to_status, note=note[:500]
        )
        audit_record(
            action=AuditAction.UPDATE,
            actor=actor,
            obj=locked,
            request=request,
            changes={"status": [from_status, to_status]},
        )
    return locked


def message_acknowledge(*, message: ReceivedMessage, actor, request=None) -> ReceivedMessage:
    """Acknowledge a message: someone at the practice has seen it and owns it."""
    return _transition(message=message, actor=actor, request=request, to_status=MessageStatus.ACKNOWLEDGED)


def message_complete(*, message: ReceivedMessage, actor, request=None, note: str = "") -> ReceivedMessage:
    """Complete a message: the action is done, or the information has been filed."""
    return _transition(
        message=message, actor=actor, request=request, to_status=MessageStatus.COMPLETED, note=note
    )
