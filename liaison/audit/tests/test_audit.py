import pytest
from django.db import connection

from liaison.audit.models import AuditAction, AuditEvent
from liaison.audit.selectors import audit_events_visible_to
from liaison.audit.services import audit_record, field_changes

pytestmark = pytest.mark.django_db


def test_audit_record_captures_who_what_when(reporter, trust):
    event = audit_record(
        actor=reporter.user, action=AuditAction.VIEW, obj=trust, organisation=reporter.organisation
    )
    assert event.occurred_at is not None
    assert event.actor_username == reporter.user.username
    assert event.object_type == "directory.Organisation"
    assert event.object_id == str(trust.pk)
    assert event.object_repr == str(trust)


def test_audit_events_cannot_be_changed_or_deleted(reporter):
    event = audit_record(actor=reporter.user, action=AuditAction.SIGN_IN)
    event.action = AuditAction.SIGN_OUT
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(action=AuditAction.SIGN_OUT)
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.get(pk=event.pk).action == AuditAction.SIGN_IN


@pytest.mark.skipif(connection.vendor != "postgresql", reason="database trigger exists on PostgreSQL only")
def test_postgresql_refuses_raw_updates_of_audit_rows(reporter):
    from django.db import DatabaseError, transaction

    event = audit_record(actor=reporter.user, action=AuditAction.SIGN_IN)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET action = 'sign_out' WHERE id = %s", [event.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])


def test_field_changes_lists_only_what_changed():
    assert field_changes({"name": "A", "phone": "1"}, {"name": "B", "phone": "1"}) == {"name": ["A", "B"]}


def test_only_administrators_see_the_audit_log_and_only_in_scope(
    administrator, icb_analyst, reporter, other_icb_trust, make_member, client_for
):
    audit_record(actor=reporter.user, action=AuditAction.SIGN_IN, organisation=reporter.organisation)
    outsider = make_member("reporter", other_icb_trust)
    audit_record(actor=outsider.user, action=AuditAction.SIGN_IN, organisation=other_icb_trust)

    visible = list(audit_events_visible_to(administrator))
    assert [e.actor_username for e in visible] == [reporter.user.username]
    assert list(audit_events_visible_to(icb_analyst)) == []
    assert client_for(reporter).get("/audit/").status_code == 403
    page = client_for(administrator).get("/audit/")
    assert page.status_code == 200
    assert reporter.user.username in page.content.decode()
    assert outsider.user.username not in page.content.decode()
