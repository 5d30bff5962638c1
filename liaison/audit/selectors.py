"""Reads of the audit log, always scoped to what the membership may see."""

from django.db.models import Q

from liaison.accounts.permissions import has_permission, organisation_scope
from liaison.audit.models import AuditEvent


def audit_events_visible_to(membership):
    """Audit events an administrator may read: those of organisations in their scope."""
    if not has_permission(membership, "audit.view"):
        return AuditEvent.objects.none()
    scope = organisation_scope(membership)
    return (
        AuditEvent.objects.filter(Q(organisation__in=scope) | Q(actor__memberships__organisation__in=scope))
        .distinct()
        .select_related("organisation")
    )


def audit_events_for_object(*, membership, obj):
    return audit_events_visible_to(membership).filter(object_type=obj._meta.label, object_id=str(obj.pk))
