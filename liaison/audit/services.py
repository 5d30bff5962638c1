"""Writing the audit log. Called explicitly by services and views: no signals."""

from django.db import models

from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.inserts import insert_new


def _client_ip(request) -> str | None:
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def audit_record(
    *,
    action: AuditAction | str,
    actor=None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    request=None,
    organisation=None,
    object_repr: str = "",
) -> AuditEvent:
    """Append one audit event: who (``actor``), what (``action`` on ``obj``), with ``changes``.

    ``changes`` holds field names with old and new values, never free text from a patient record.
    The organisation defaults to the actor's current membership on the request.
    """
    event = audit_event(
        action=action,
        actor=actor,
        obj=obj,
        changes=changes,
        request=request,
        organisation=organisation,
        object_repr=object_repr,
    )
    event.save()
    return event


def audit_event(
    *,
    action: AuditAction | str,
    actor=None,
    obj: models.Model | None = None,
    changes: dict | None = None,
    request=None,
    organisation=None,
    object_repr: str = "",
) -> AuditEvent:
    """The audit event ``audit_record`` would append, not yet stored: for a service that writes
    several in one change and stores them together with ``audit_record_all`` (one insert)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    if organisation is None and request is not None and getattr(request, "membership", None):
        organisation = request.membership.organisation
    return AuditEvent(
        actor=actor,
        actor_username=getattr(actor, "username", "") or "",
        organisation=organisation,
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=(object_repr or (str(obj) if obj is not None else ""))[:255],
        changes=changes or {},
        ip_address=_client_ip(request),
        request_id=(request.headers.get("X-Request-Id", "")[:64] if request is not None else ""),
    )


def audit_record_all(events: list[AuditEvent], *, returning: bool = True) -> list[AuditEvent]:
    """Append audit events made by ``audit_event``, in order, in one insert. ``returning=False``:
    the caller does not need their ids, so the insert is not waited for (``core.inserts``)."""
    if any(event.pk is not None for event in events):
        raise PermissionError("Audit events are append-only: they cannot be changed.")
    return insert_new(events, returning=returning)


def field_changes(before: dict, after: dict) -> dict:
    """The fields whose values differ, as ``{field: [old, new]}``."""
    return {key: [before.get(key), after.get(key)] for key in after if before.get(key) != after.get(key)}
