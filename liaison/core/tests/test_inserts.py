"""insert_new stores exactly what bulk_create stores, with its SQL built once per model and row count.

Each model the submit path inserts is built twice, identically: one set is stored with
``bulk_create`` and read back, then rolled back to a savepoint (so unique columns such as a
concern's ``public_id`` can be the same), and the other is stored with ``insert_new`` and read
back. Rows are read with plain SQL, so what is compared is what the database holds.
"""

import uuid
from datetime import date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.functions import Now
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult, get_date_max

from liaison.accounts.models import Role
from liaison.audit.models import AuditAction, AuditEvent
from liaison.concerns.models import (
    Concern,
    ConcernEvent,
    ConcernEventKind,
    ConcernPart,
    ConcernStandard,
    Occurrence,
)
from liaison.core import inserts
from liaison.core.inserts import insert_new, pipelined
from liaison.directory.models import Specialty
from liaison.notifications.models import Channel, DeliveryStatus, Notification, NotificationKind
from liaison.routing.models import Assignment, ConcernClock, RoutingDecision, RoutingRule
from liaison.routing.tests.conftest import make_concern  # noqa: F401 (fixture)
from liaison.standards.models import Standard, StandardTimeLimit
from liaison.standards.services import standards_baseline_load

LONDON = ZoneInfo("Europe/London")
MOMENT = datetime(2026, 11, 2, 10, 15, 30, 123456, tzinfo=LONDON)
RuleLink = RoutingDecision.rules.through


@pytest.fixture
def world(make_concern, reporter, responder, trust, practice, icb):  # noqa: F811
    """What the rows point at: three concerns, people, organisations, standards, rules, a decision."""
    standards_baseline_load()
    standards = list(Standard.objects.order_by("code")[:3])
    concerns = [
        make_concern(submitted_at=MOMENT + timedelta(minutes=minute), event_date=date(2026, 10, 28 + minute))
        for minute in range(3)
    ]
    rules = [
        RoutingRule.objects.create(icb=icb, recipient_organisation=trust, recipient_role=Role.RESPONDER),
        RoutingRule.objects.create(
            icb=icb,
            aspect_of_care="discharge",
            recipient_organisation=trust,
            recipient_role=Role.INTERFACE_LEAD,
        ),
        RoutingRule.objects.create(icb=icb, description="Catch-all", recipient_organisation=trust),
    ]
    decision = RoutingDecision.objects.create(concern=concerns[0], decided_at=MOMENT, explanation="Test")
    return SimpleNamespace(
        concerns=concerns,
        standards=standards,
        time_limit=StandardTimeLimit.objects.filter(standard__in=standards).first(),
        rules=rules,
        decision=decision,
        reporter=reporter,
        responder=responder,
        trust=trust,
        practice=practice,
        icb=icb,
        specialty=Specialty.objects.create(code="T100", name="Test general surgery"),
    )


# --- Builders: the same instances every time they are called -------------------------------------


def concerns(w, rows):
    return [
        Concern(
            public_id=uuid.UUID(int=1000 + i),
            part=ConcernPart.BREACH if i % 2 else ConcernPart.THEME,
            reporter=w.reporter.user,
            reporter_organisation=w.practice,
            reporter_icb=w.icb,
            about_organisation=w.trust,
            about_icb=w.icb if i != 1 else None,
            specialty=w.specialty if i == 2 else None,
            service_description=f"Ward {i}",
            staff_group="doctor" if i else "",
            aspect_of_care="discharge",
            event_date=date(2026, 10, 20 + i),
            what_happened=f"Discharge summary {i} arrived late — “three weeks”.",
            impact="Medication changes missed." if i else "",
            patient_reference=f"E1234{i}" if i == 1 else "",
            patient_reference_system="emis" if i == 1 else "",
            reporter_may_be_named=bool(i % 2),
            source="api" if i == 2 else "web",
            submitted_at=MOMENT + timedelta(seconds=i),
        )
        for i in range(rows)
    ]


def concern_standards(w, rows):
    return [
        ConcernStandard(
            concern=w.concerns[0],
            standard=w.standards[i],
            time_limit=w.time_limit if i == 0 else None,
            time_limit_text=f"Within {i + 2} working days" if i != 1 else "No time limit",
        )
        for i in range(rows)
    ]


def occurrences(w, rows):
    return [
        Occurrence(
            concern=w.concerns[i],
            organisation=w.practice,
            reported_by=w.responder.user,
            event_date=date(2026, 10, 25 + i),
            note=f"Again on ward {i}" if i else "",
            is_original=i == 0,
        )
        for i in range(rows)
    ]


def concern_events(w, rows):
    return [
        ConcernEvent(
            concern=w.concerns[0],
            kind=[ConcernEventKind.SUBMITTED, ConcernEventKind.ROUTED, ConcernEventKind.ASSIGNED][i],
            actor=w.reporter.user if i != 1 else None,
            organisation=w.practice if i == 0 else None,
            from_status="" if i == 0 else "new",
            to_status="new",
            reason=f"Reason {i}",
            occurred_at=MOMENT + timedelta(microseconds=i),
        )
        for i in range(rows)
    ]


def routing_decisions(w, rows):
    return [
        RoutingDecision(
            concern=w.concerns[i],
            decided_at=MOMENT + timedelta(minutes=i),
            actor=w.reporter.user if i else None,
            rule_versions={str(rule.pk): rule.version for rule in w.rules[: i + 1]},
            fallback="" if i else "icb_default",
            explanation=f"Matched {i} rules: ‘about’ the trust.",
            is_current=i != 2,
        )
        for i in range(rows)
    ]


def rule_links(w, rows):
    return [RuleLink(routingdecision=w.decision, routingrule=w.rules[i]) for i in range(rows)]


def assignments(w, rows):
    return [
        Assignment(
            concern=w.concerns[0],
            decision=w.decision if i != 1 else None,
            organisation=w.trust,
            role=Role.RESPONDER if i != 2 else "",
            user=w.responder.user if i == 2 else None,
            specialty=w.specialty if i == 1 else None,
            created_at=MOMENT,
            ended_at=MOMENT + timedelta(days=1) if i == 1 else None,
        )
        for i in range(rows)
    ]


def clocks(w, rows):
    # Row 0: nothing acknowledged (due on acknowledge_due, not overdue); row 1: acknowledged and
    # overdue (due on respond_due); row 2: responded and stopped (no due date, not overdue).
    return [
        ConcernClock(
            concern=w.concerns[i],
            cycle=1 + i,
            started_on=date(2026, 11, 2),
            acknowledge_due=date(2026, 11, 4 + i),
            respond_due=date(2026, 11, 30) + timedelta(days=i),
            acknowledged_at=MOMENT if i else None,
            responded_at=MOMENT if i == 2 else None,
            stopped_at=MOMENT if i == 2 else None,
            overdue_since=date(2026, 11, 6) if i else None,
        )
        for i in range(rows)
    ]


def audit_events(w, rows):
    return [
        AuditEvent(
            actor=w.reporter.user if i != 1 else None,
            actor_username=w.reporter.user.username if i != 1 else "",
            organisation=w.practice,
            action=[AuditAction.CREATE, AuditAction.VIEW, AuditAction.UPDATE][i],
            object_type="concerns.concern",
            object_id=str(w.concerns[0].pk),
            object_repr=w.concerns[0].reference,
            changes={
                "part": "B",
                "standards": ["S02", "S07"][: i + 1],
                "nested": {"n": i, "ok": True, "none": None, "text": "é “quoted”"},
            },
            ip_address="192.0.2.10" if i != 2 else None,
            request_id=f"req-{i}",
        )
        for i in range(rows)
    ]


def notifications(w, rows):
    return [
        Notification(
            kind=NotificationKind.CONCERN_ROUTED,
            channel=Channel.EMAIL if i != 1 else Channel.IN_APP,
            recipient_user=w.responder.user if i != 2 else None,
            recipient_email="" if i != 2 else "lead@example.nhs.net",
            concern=w.concerns[0],
            organisation=w.trust,
            link_path=f"/concerns/{w.concerns[0].public_id}/",
            status=DeliveryStatus.PENDING,
            next_attempt_at=MOMENT if i != 1 else None,
            delivery_key=f"delivery-{i:04d}",
            created_at=MOMENT,
        )
        for i in range(rows)
    ]


def task_results(w, rows):
    return [
        DBTaskResult(
            id=uuid.UUID(int=5000 + i),
            args_kwargs={"args": [w.concerns[0].pk], "kwargs": {"i": i}},
            priority=i,
            task_path="liaison.notifications.tasks.deliver_notifications",
            queue_name="default",
            run_after=get_date_max() if i != 1 else MOMENT,
            backend_name="default",
        )
        for i in range(rows)
    ]


BUILDERS = [
    concerns,
    concern_standards,
    occurrences,
    concern_events,
    routing_decisions,
    rule_links,
    assignments,
    clocks,
    audit_events,
    notifications,
    task_results,
]


# --- Reading back --------------------------------------------------------------------------------


def _auto_now_columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields if getattr(f, "auto_now_add", False)}


def _raw_rows(objs) -> list[dict]:
    """Every column of each object's row, in the objects' order, as the database driver returns it."""
    model = type(objs[0])
    pk = model._meta.pk
    table, column = connection.ops.quote_name(model._meta.db_table), connection.ops.quote_name(pk.column)
    pks = [pk.get_db_prep_value(obj.pk, connection) for obj in objs]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE {column} IN ({', '.join(['%s'] * len(pks))})", pks)
        names = [description[0] for description in cursor.description]
        by_pk = {}
        for row in cursor.fetchall():
            values = dict(zip(names, row, strict=True))
            by_pk[values[pk.column]] = values
    return [by_pk[key] for key in pks]


def _store(w, build, rows, store):
    """Store a fresh set, read it back and roll it back; what was read and the objects' values."""
    with transaction.atomic():
        objs = build(w, rows)
        before = timezone.now()
        with CaptureQueriesContext(connection) as queries:
            returned = store(objs)
        after = timezone.now()
        assert len(queries) == 1, [query["sql"] for query in queries]
        assert [id(obj) for obj in returned] == [id(obj) for obj in objs]
        model = type(objs[0])
        read = _raw_rows(objs)
        memory = [{f.attname: getattr(obj, f.attname) for f in model._meta.concrete_fields} for obj in objs]
        states = [(obj._state.adding, obj._state.db) for obj in objs]
        for obj in objs:  # auto_now_add: filled on the instance as stored, at the time of the call
            for field in model._meta.concrete_fields:
                if getattr(field, "auto_now_add", False):
                    stored = model._base_manager.get(pk=obj.pk)
                    assert getattr(stored, field.attname) == getattr(obj, field.attname)
                    assert before <= getattr(obj, field.attname) <= after
        transaction.set_rollback(True)
    return read, memory, states


def _comparable(model, read: list[dict], memory: list[dict]):
    """Rows and values without what must differ: an auto pk and the time of an auto_now_add."""
    skip = _auto_now_columns(model)
    skip_attnames = {f.attname for f in model._meta.concrete_fields if f.column in skip}
    pk = model._meta.pk
    if pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField"):
        skip.add(pk.column)
        skip_attnames.add(pk.attname)
    rows = [{k: (v, type(v)) for k, v in row.items() if k not in skip} for row in read]
    values = [{k: (v, type(v)) for k, v in row.items() if k not in skip_attnames} for row in memory]
    return rows, values


@pytest.mark.parametrize("rows", [1, 3])
@pytest.mark.parametrize("build", BUILDERS, ids=lambda build: build.__name__)
def test_insert_new_stores_what_bulk_create_stores(world, build, rows):
    model = type(build(world, 1)[0])
    bulk_read, bulk_memory, bulk_states = _store(
        world, build, rows, lambda objs: model._default_manager.bulk_create(objs)
    )
    new_read, new_memory, new_states = _store(world, build, rows, insert_new)

    assert _comparable(model, new_read, new_memory) == _comparable(model, bulk_read, bulk_memory)
    assert new_states == bulk_states == [(False, "default")] * rows
    # The pk on each instance is the pk of the row holding that instance's values (VALUES order).
    for read, memory in zip(new_read, new_memory, strict=True):
        assert read[model._meta.pk.column] == model._meta.pk.get_db_prep_value(
            memory[model._meta.pk.attname], connection
        )
    assert (model, rows) in {(key[1], key[2]) for key in inserts._plans}


def test_generated_fields_come_back_converted(world):
    stored = insert_new(clocks(world, 3))
    assert [(clock.queue_overdue, clock.queue_due_on) for clock in stored] == [
        (False, date(2026, 11, 4)),
        (True, date(2026, 12, 1)),
        (False, None),
    ]
    assert all(type(clock.queue_overdue) is bool for clock in stored)
    assert list(
        ConcernClock.objects.filter(pk__in=[c.pk for c in stored])
        .order_by("cycle")
        .values_list("queue_overdue", "queue_due_on")
    ) == [(clock.queue_overdue, clock.queue_due_on) for clock in stored]


def test_one_row_then_several_rows_in_one_call(world):
    (one,) = insert_new(audit_events(world, 1))
    several = insert_new(audit_events(world, 3))
    pks = [one.pk, *(event.pk for event in several)]
    assert len(set(pks)) == 4 and pks == sorted(pks)
    assert [AuditEvent.objects.get(pk=event.pk).request_id for event in several] == [
        "req-0",
        "req-1",
        "req-2",
    ]


def test_the_sql_is_built_once_per_model_and_row_count(world):
    inserts._plans.clear()
    with CaptureQueriesContext(connection) as queries:
        first = insert_new(notifications(world, 1))
        plan = inserts._plans[("default", Notification, 1, True, False)]
        second = Notification(**{**_fields(first[0]), "id": None, "delivery_key": "another"})
        insert_new([second])
    assert list(inserts._plans) == [("default", Notification, 1, True, False)]
    assert inserts._plans[("default", Notification, 1, True, False)] is plan
    assert len(queries) == 2
    assert first[0].pk != second.pk

    insert_new([Notification(**{**_fields(first[0]), "id": None, "delivery_key": f"k{i}"}) for i in range(2)])
    assert set(inserts._plans) == {
        ("default", Notification, 1, True, False),
        ("default", Notification, 2, True, False),
    }


def _fields(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def test_more_rows_than_kept_go_through_bulk_create(world):
    inserts._plans.clear()
    many = [
        AuditEvent(
            action=AuditAction.VIEW, object_type="concerns.concern", object_id=str(i), request_id="bulk"
        )
        for i in range(inserts.MAX_ROWS + 1)
    ]
    stored = insert_new(many)
    assert inserts._plans == {}
    assert all(event.pk is not None and not event._state.adding for event in stored)
    assert AuditEvent.objects.filter(request_id="bulk").count() == inserts.MAX_ROWS + 1


def test_a_related_instance_saved_after_assignment_is_linked(world):
    (concern,) = concerns(world, 1)
    occurrence = Occurrence(
        concern=concern,
        organisation=world.practice,
        reported_by=world.reporter.user,
        event_date=date(2026, 10, 1),
    )
    with pytest.raises(ValueError, match="unsaved related object 'concern'"):
        insert_new([occurrence])
    insert_new([concern])
    insert_new([occurrence])
    assert Occurrence.objects.get(pk=occurrence.pk).concern_id == concern.pk


# --- Refusals ------------------------------------------------------------------------------------


def test_refuses_instances_of_more_than_one_model(world):
    objs = [*concern_events(world, 1), *audit_events(world, 1)]
    with pytest.raises(ValueError, match="one model at a time: got ConcernEvent and AuditEvent"):
        insert_new(objs)
    assert not ConcernEvent.objects.filter(reason="Reason 0").exists()
    assert not AuditEvent.objects.filter(request_id="req-0").exists()


def test_refuses_instances_already_saved(world):
    (event,) = concern_events(world, 1)
    event.save()
    with pytest.raises(ValueError, match="new rows only: ConcernEvent .* already saved"):
        insert_new([event])

    (task,) = task_results(world, 1)
    insert_new([task])
    loaded = DBTaskResult.objects.get(pk=task.pk)
    with pytest.raises(ValueError, match="new rows only: DBTaskResult"):
        insert_new([loaded])
    assert ConcernEvent.objects.filter(reason="Reason 0").count() == 1


def test_rows_may_bring_their_own_auto_ids_all_or_none(world):
    """A new row with its auto primary key set (an id taken from the sequence beforehand) is stored
    with that id and asks nothing back; rows of which only some bring one are refused."""
    last = ConcernEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    first, second = concern_events(world, 2)
    first.pk, second.pk = last + 1000, last + 1001
    with CaptureQueriesContext(connection) as queries:
        assert insert_new([first, second]) == [first, second]
    assert "RETURNING" not in queries[0]["sql"].upper()
    assert set(ConcernEvent.objects.filter(pk__gte=last + 1000).values_list("pk", "reason")) == {
        (last + 1000, "Reason 0"),
        (last + 1001, "Reason 1"),
    }
    assert not first._state.adding

    given, left = concern_events(world, 2)
    given.pk = last + 2000
    with pytest.raises(ValueError, match="all given or all left to the database"):
        insert_new([given, left])
    assert not ConcernEvent.objects.filter(pk=last + 2000).exists()


def test_an_id_taken_beforehand_rides_with_the_next_answer(world):
    """next_id_later() inside pipelined() on PostgreSQL: the id comes from the model's own sequence,
    read with the answer to the next RETURNING insert; the row stored with it is held like any row
    that asks nothing back. Elsewhere it asks nothing and says so with None."""
    from liaison.core.inserts import next_id_later

    assert next_id_later(ConcernEvent) is None  # no pipelined change here
    with transaction.atomic(), pipelined():
        later = next_id_later(ConcernEvent)
        if connection.vendor != "postgresql":
            assert later is None
            return
        (audited,) = insert_new(audit_events(world, 1))  # a RETURNING insert: one answer for both
        event_id = later()
        (event,) = concern_events(world, 1)
        event.pk = event_id
        with CaptureQueriesContext(connection) as queries:
            insert_new([event])
        assert len(queries) == 0  # held until the change goes
        (after,) = concern_events(world, 1)
        insert_new([after])
    assert audited.pk is not None
    assert ConcernEvent.objects.get(pk=event_id).reason == "Reason 0"
    # The sequence moved on: the row stored without an id took a later one.
    assert ConcernEvent.objects.get(pk=after.pk).pk > event_id
    with pytest.raises(ValueError, match="auto primary keys"), transaction.atomic(), pipelined():
        next_id_later(DBTaskResult)


def test_refuses_an_expression_value(world):
    (event,) = concern_events(world, 1)
    event.occurred_at = Now()
    with pytest.raises(ValueError, match=r"expression Now\(\) in ConcernEvent.occurred_at"):
        insert_new([event])
    assert not ConcernEvent.objects.filter(reason="Reason 0").exists()
    assert event._state.adding and event.pk is None


def test_nothing_is_left_by_a_rolled_back_transaction(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        insert_new(concerns(world, 3))
        insert_new(notifications(world, 2))
        assert Concern.objects.filter(public_id=uuid.UUID(int=1000)).exists()
        raise RuntimeError("the change failed")
    assert not Concern.objects.filter(public_id__in=[uuid.UUID(int=1000 + i) for i in range(3)]).exists()
    assert not Notification.objects.filter(delivery_key__startswith="delivery-").exists()


def test_a_failed_insert_marks_the_transaction_for_rollback_as_bulk_create_does(world):
    insert_new(notifications(world, 1))
    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert_new(notifications(world, 1))  # the same delivery_key again
        assert transaction.get_rollback() is True
    assert Notification.objects.filter(delivery_key="delivery-0000").count() == 1


def test_rows_stored_without_asking_for_anything_back(world):
    """returning=False: the same rows, an INSERT with no RETURNING, and the instances left as they were."""
    expected = notifications(world, 2)
    Notification.objects.bulk_create(expected)
    wanted = [
        {name: value for name, value in _fields(row).items() if name not in ("id", "delivery_key")}
        for row in expected
    ]
    Notification.objects.all().delete()
    rows = notifications(world, 2)
    with CaptureQueriesContext(connection) as queries:
        stored = insert_new(rows, returning=False)
    assert stored == rows and all(row.pk is None and row._state.adding for row in rows)
    assert len(queries) == 1 and "RETURNING" not in queries[0]["sql"].upper()
    found = [
        {name: value for name, value in _fields(row).items() if name not in ("id", "delivery_key")}
        for row in Notification.objects.order_by("id")
    ]
    assert [{k: v for k, v in row.items() if k != "created_at"} for row in found] == [
        {k: v for k, v in row.items() if k != "created_at"} for row in wanted
    ]


def test_inside_a_transaction_on_postgresql_statements_are_pipelined(world):
    """pipelined(): PostgreSQL gets the INSERTs nobody waits for together; elsewhere it does nothing."""
    with transaction.atomic(), pipelined():
        if connection.vendor == "postgresql":
            from psycopg.pq import PipelineStatus

            assert connection.connection.pgconn.pipeline_status != PipelineStatus.OFF
        insert_new(notifications(world, 2), returning=False)
    assert Notification.objects.filter(delivery_key__startswith="delivery-").count() == 2


def test_in_a_pipeline_inserts_wait_for_the_next_statement_and_keep_their_order(world):
    """pipelined() on PostgreSQL holds an INSERT that returns nothing until the next statement of
    any kind runs (then sends the held ones first, in order) or the block ends; so a SELECT sees the
    rows written before it. Elsewhere each INSERT runs at once."""
    postgresql = connection.vendor == "postgresql"

    def kinds(queries):
        return [query["sql"].split()[0].upper() for query in queries]

    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        with pipelined():
            insert_new(notifications(world, 1), returning=False)
            assert len(queries) == (0 if postgresql else 1)
            insert_new(notifications(world, 2)[1:], returning=False)
            assert len(queries) == (0 if postgresql else 2)
            assert Notification.objects.filter(delivery_key__startswith="delivery-").count() == 2
            assert kinds(queries) == ["INSERT", "INSERT", "SELECT"]
            with pipelined():  # a nested block leaves the holding to the outer one
                insert_new(notifications(world, 3)[2:], returning=False)
            assert len(queries) == (3 if postgresql else 4)
        # The outer block's end sent the last one.
        assert kinds(queries) == ["INSERT", "INSERT", "SELECT", "INSERT"]
    assert Notification.objects.filter(delivery_key__startswith="delivery-").count() == 3


def test_an_insert_that_returns_its_key_is_never_held(world):
    """A row whose primary key comes back from the database is sent at once, even in a pipeline,
    and the rows held before it go first."""
    with transaction.atomic(), pipelined(), CaptureQueriesContext(connection) as queries:
        insert_new(notifications(world, 1), returning=False)
        (row,) = insert_new(notifications(world, 2)[1:])
        assert row.pk is not None
        assert len(queries) == 2 and "RETURNING" in queries[1]["sql"].upper()


def test_a_failed_insert_in_a_pipeline_leaves_nothing_of_the_change(world):
    """The second INSERT breaks a unique key: the error reaches the caller (when the pipeline is
    read, on PostgreSQL) and the transaction keeps nothing, the first row included."""
    with pytest.raises(IntegrityError), transaction.atomic(), pipelined():
        insert_new(notifications(world, 1), returning=False)
        insert_new(notifications(world, 1), returning=False)
    assert not Notification.objects.filter(delivery_key="delivery-0000").exists()
