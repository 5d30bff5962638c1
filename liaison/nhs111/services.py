"""Every write for NHS 111 messages: sender credentials, receipt, and acting on a message."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from liaison.audit.models import AuditAction
from liaison.audit.services import audit_record
from liaison.directory.models import Organisation, OrganisationType
from liaison.nhs111.checking import Issue, message_check, operation_outcome
from liaison.nhs111.models import (
    FhirVersion,
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


def _duplicate(message_id: str) -> Receipt:
    return _refuse(
        409,
        "duplicate",
        "REC_CONFLICT",
        f"Message {message_id} has already been received and processed; it was not stored again.",
        "Bundle.id",
    )


def _too_early(message_id: str) -> Receipt:
    return _refuse(
        425,
        "conflict",
        "REC_TOO_EARLY",
        f"Message {message_id} is still being processed from an earlier request; try again shortly.",
        "Bundle.id",
    )


def message_lock_name(sender_ods: str, message_id: str) -> str:
    """The name of the lock a request holds while it processes a message (PostgreSQL advisory lock)."""
    return f"nhs111:{sender_ods}:{message_id}"


# Not waiting: a second request for the same message while the first holds it is answered 425.
# The lock belongs to the transaction, so a request that dies mid-way releases it with its rollback.
_HOLD_SQL = "SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))"


def _hold(sender_ods: str, message_id: str) -> bool:
    """Hold the message for this transaction; False when another request is processing it now."""
    with connection.cursor() as cursor:
        cursor.execute(_HOLD_SQL, [message_lock_name(sender_ods, message_id)])
        return bool(cursor.fetchone()[0])


def _already_received(sender_ods: str, message_id: str) -> bool:
    return ReceivedMessage.objects.filter(sender_ods=sender_ods, message_id=message_id).exists()


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


def _registered_practice(ods_code: str) -> tuple[int, int | None] | None:
    """The patient's open registered practice as (id, its ICB's id), or None when Liaison does not know it."""
    if not ods_code:
        return None
    # ods_code is unique: no ordering (Organisation's default ordering would add a sort to every message).
    found = (
        Organisation.objects.filter(
            ods_code=ods_code, org_type=OrganisationType.GP_PRACTICE, closed_on__isnull=True
        )
        .order_by()
        .values_list("id", "icb_id")[:1]
    )
    return next(iter(found), None)


def _icb_id_of(organisation: Organisation) -> int | None:
    if organisation.org_type == OrganisationType.ICB:
        return organisation.pk
    return organisation.icb_id


def message_receive(*, data, credential: SenderCredential, request_id: str, correlation_id: str) -> Receipt:
    """Receive one message from the sending system that holds ``credential``.

    The sender may only send as itself. The message is checked (structure, BaRS minimums, PRSB
    sections); with any error it is rejected and only the rejection (no patient content) is kept.
    Otherwise it is stored whole with its checking result, routed to the patient's registered
    practice, or to the ICB's unregistered-patient queue when Liaison does not know the practice,
    all in one transaction. A repeat is answered 409 once processed, 425 while still processing.

    Idempotency costs no extra write: the unique (sender, message id) constraint on the stored
    message answers "already processed", and on PostgreSQL a transaction-scoped advisory lock, taken
    before checking, answers "still processing". SQLite has one writer at a time, so there a repeat
    that arrives while the first is being checked is answered 409 when the first is stored.
    """
    sender = credential.organisation
    read = message_read(data) if isinstance(data, dict) else None
    reading = read[0] if read else None
    if reading is not None and reading.sender_ods and reading.sender_ods != sender.ods_code:
        return _refuse(
            403,
            "forbidden",
            "REC_FORBIDDEN",
            f"This credential belongs to {sender.ods_code}; it cannot send as {reading.sender_ods}.",
            "Bundle.entry[0].resource.sender",
        )
    message_id = reading.message_id if reading is not None else ""
    receive = {
        "data": data,
        "read": read,
        "credential": credential,
        "message_id": message_id,
        "request_id": request_id,
        "correlation_id": correlation_id,
    }
    try:
        if message_id and connection.vendor == "postgresql":
            with transaction.atomic():
                if not _hold(sender.ods_code, message_id):
                    return _too_early(message_id)
                # Already in this request's transaction: no savepoint round trips.
                return _check_and_store(**receive, savepoint=False)
        # SQLite: check first, so its database-wide write lock is not held while checking.
        return _check_and_store(**receive, savepoint=True)
    except IntegrityError:
        # The unique (sender, message id) constraint: another request stored it first.
        if message_id and _already_received(sender.ods_code, message_id):
            return _duplicate(message_id)
        raise


def _check_and_store(
    *, data, read, credential, message_id, request_id, correlation_id, savepoint: bool
) -> Receipt:
    sender = credential.organisation
    check = message_check(data, read=read)
    reading = check.reading
    outcome = check.operation_outcome()
    if check.has_errors:
        if message_id and _already_received(sender.ods_code, message_id):
            return _duplicate(message_id)
        with transaction.atomic(savepoint=savepoint):
            rejection = IntakeRejection.objects.create(
                sender=sender,
                sender_ods=sender.ods_code,
                icb_id=_icb_id_of(sender),
                request_id=request_id,
                correlation_id=correlation_id,
                fhir_version=reading.fhir_version if reading else "",
                outcome=outcome,
            )
            MessageIssue.objects.bulk_create(_issue_rows(check.issues, rejection=rejection))
        return Receipt(status=check.http_status, outcome=outcome)
    summary = {
        "patient_name": reading.patient_name,
        "nhs_number": reading.nhs_number,
        "birth_date": reading.birth_date,
        "chief_complaint": reading.chief_complaint[:300],
        "repeat_caller": reading.repeat_caller,
        "sender_name": reading.sender_name or sender.display_name,
        "registered_practice_name": reading.registered_practice_name,
    }
    practice = _registered_practice(reading.registered_practice_ods)
    with transaction.atomic(savepoint=savepoint):
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
            practice_id=practice[0] if practice else None,
            icb_id=practice[1] if practice else _icb_id_of(sender),
            registered_practice_ods=reading.registered_practice_ods,
        )
        MessageIssue.objects.bulk_create(_issue_rows(check.issues, message=message))
        MessageEvent.objects.create(message=message, to_status=MessageStatus.RECEIVED)
        _credential_touch(credential)
    return Receipt(status=200, outcome=outcome, message=message)


def _credential_touch(credential: SenderCredential) -> None:
    """Keep ``last_used_at`` roughly current without a write (or a query) on every message."""
    now = timezone.now()
    if credential.last_used_at is not None and credential.last_used_at >= now - timedelta(minutes=1):
        return
    SenderCredential.objects.filter(pk=credential.pk).update(last_used_at=now)
    credential.last_used_at = now


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
