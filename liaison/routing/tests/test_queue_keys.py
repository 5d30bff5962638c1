"""Every assignment's copy of its concern's queue keys follows every write, however it is made.

The inbox counts and pages from these copies (``liaison.routing.queue_keys``): a stale one would hide
a concern from an inbox or put an overdue one below the fold (hazard H-04). So each test makes a
change one way or another (a service, a queryset ``update()``, a ``save()`` of a stale instance, a
delete, plain SQL) and checks every assignment's keys against what its concern and clock say, read
afresh. They run on both databases, whose triggers differ.
"""

import random
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from liaison.accounts.models import Role
from liaison.concerns.models import OPEN_STATUSES, ConcernStatus
from liaison.routing import queue_keys, selectors
from liaison.routing.models import Assignment, ConcernClock

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
MOMENT = datetime(2026, 11, 3, 12, 0, tzinfo=LONDON)


def _expected(assignment: Assignment) -> tuple:
    concern = assignment.concern
    concern.refresh_from_db()
    clock = ConcernClock.objects.filter(concern_id=concern.pk).first()
    overdue = bool(clock and clock.overdue_since is not None and clock.stopped_at is None)
    due = None
    if clock is not None:
        due = clock.acknowledge_due if clock.acknowledged_at is None else None
        if clock.acknowledged_at is not None and clock.responded_at is None:
            due = clock.respond_due
    return (concern.status in OPEN_STATUSES, overdue, due, concern.submitted_at)


def _stored(assignment: Assignment) -> tuple:
    row = Assignment.objects.filter(pk=assignment.pk).values_list(
        "queue_open", "queue_overdue", "queue_due_on", "queue_submitted_at"
    )
    return tuple(row.get())


def _assert_all_agree():
    assignments = list(Assignment.objects.select_related("concern"))
    assert assignments
    for assignment in assignments:
        assert _stored(assignment) == _expected(assignment), assignment.pk


def _clock(concern, **fields) -> ConcernClock:
    return ConcernClock.objects.create(
        concern=concern,
        started_on=date(2026, 11, 2),
        acknowledge_due=fields.pop("acknowledge_due", date(2026, 11, 4)),
        respond_due=fields.pop("respond_due", date(2026, 11, 30)),
        **fields,
    )


def test_the_triggers_are_installed_and_remade_by_migrate():
    assert queue_keys.missing_triggers() == []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("DROP TRIGGER liaison_queue_keys_assignment ON routing_assignment")
        else:
            cursor.execute("DROP TRIGGER liaison_queue_keys_assignment_insert")
    assert queue_keys.missing_triggers() != []
    call_command("migrate", verbosity=0)
    assert queue_keys.missing_triggers() == []


def test_a_new_assignment_takes_its_keys_whatever_it_was_given(make_concern, trust):
    concern = make_concern(submitted_at=MOMENT)
    _clock(concern, overdue_since=date(2026, 11, 5))
    assignment = Assignment(concern=concern, organisation=trust, role=Role.RESPONDER, created_at=MOMENT)
    # What Liaison's code writes is replaced: the database derives the keys.
    assignment.queue_open, assignment.queue_overdue, assignment.queue_due_on = False, False, date(2000, 1, 1)
    assignment.save()
    assert _stored(assignment) == (True, True, date(2026, 11, 4), MOMENT)
    # An assignment stored before its concern has a clock: open, not overdue, no due date.
    later = make_concern(submitted_at=MOMENT + timedelta(hours=1))
    early = Assignment.objects.create(concern=later, organisation=trust, created_at=MOMENT)
    assert _stored(early) == (True, False, None, MOMENT + timedelta(hours=1))
    _clock(later)  # ... until the clock starts
    assert _stored(early) == (True, False, date(2026, 11, 4), MOMENT + timedelta(hours=1))
    _assert_all_agree()


def test_clock_changes_reach_every_assignment_of_the_concern(make_concern, trust, responder):
    concern = make_concern()
    by_org = Assignment.objects.create(
        concern=concern, organisation=trust, role=Role.RESPONDER, created_at=MOMENT
    )
    to_me = Assignment.objects.create(
        concern=concern, organisation=trust, user=responder.user, created_at=MOMENT
    )
    clock = _clock(concern)
    assert _stored(by_org)[1:3] == _stored(to_me)[1:3] == (False, date(2026, 11, 4))
    clock.acknowledged_at = MOMENT
    clock.save()  # acknowledged: now due for the response
    assert _stored(by_org)[1:3] == (False, date(2026, 11, 30))
    ConcernClock.objects.filter(pk=clock.pk).update(overdue_since=date(2026, 12, 1))  # run_clocks' way
    assert _stored(to_me)[1:3] == (True, date(2026, 11, 30))
    ConcernClock.objects.filter(pk=clock.pk).update(stopped_at=MOMENT, responded_at=MOMENT)
    assert _stored(by_org)[1:3] == (False, None)
    _assert_all_agree()
    clock.delete()
    assert _stored(by_org)[1:3] == _stored(to_me)[1:3] == (False, None)
    _assert_all_agree()


def test_status_and_time_reported_reach_every_assignment(make_concern, trust):
    concern = make_concern()
    assignment = Assignment.objects.create(concern=concern, organisation=trust, created_at=MOMENT)
    ended = Assignment.objects.create(
        concern=concern, organisation=trust, created_at=MOMENT, ended_at=MOMENT + timedelta(days=1)
    )
    concern.status = ConcernStatus.CLOSED
    concern.save(update_fields=["status"])
    assert _stored(assignment)[0] is False and _stored(ended)[0] is False
    type(concern).objects.filter(pk=concern.pk).update(status=ConcernStatus.INVESTIGATING)  # reopened
    assert _stored(assignment)[0] is True
    type(concern).objects.filter(pk=concern.pk).update(submitted_at=MOMENT)
    assert _stored(assignment)[3] == MOMENT
    with connection.cursor() as cursor:  # a data fix in plain SQL
        cursor.execute("UPDATE concerns_concern SET status = 'closed' WHERE id = %s", [concern.pk])
    assert _stored(assignment)[0] is False
    _assert_all_agree()


def test_saving_a_stale_assignment_keeps_the_keys_right(make_concern, trust):
    concern = make_concern()
    assignment = Assignment.objects.create(concern=concern, organisation=trust, created_at=MOMENT)
    stale = Assignment.objects.get(pk=assignment.pk)
    _clock(concern, overdue_since=date(2026, 11, 6))
    concern.status = ConcernStatus.ACKNOWLEDGED
    concern.save()
    stale.ended_at = MOMENT  # a whole-row save from an instance read before the changes above
    stale.save()
    assert _stored(assignment)[:2] == (True, True)
    _assert_all_agree()


def test_random_histories_keep_every_assignment_right(make_concern, trust, responder):
    rng = random.Random(20261130)
    concerns = [make_concern(submitted_at=MOMENT + timedelta(minutes=rng.randrange(600))) for _ in range(12)]
    for _ in range(150):
        concern = rng.choice(concerns)
        step = rng.choice(["assign", "clock", "acknowledge", "overdue", "stop", "status", "end", "unclock"])
        clock = ConcernClock.objects.filter(concern=concern).first()
        if step == "assign":
            Assignment.objects.create(
                concern=concern,
                organisation=trust,
                user=rng.choice([None, responder.user]),
                created_at=MOMENT,
            )
        elif step == "clock" and clock is None:
            _clock(concern, acknowledge_due=date(2026, 11, rng.randrange(3, 20)))
        elif step == "acknowledge" and clock is not None:
            ConcernClock.objects.filter(pk=clock.pk).update(acknowledged_at=rng.choice([None, MOMENT]))
        elif step == "overdue" and clock is not None:
            clock.overdue_since = rng.choice([None, date(2026, 11, 20)])
            clock.save(update_fields=["overdue_since"])
        elif step == "stop" and clock is not None:
            ConcernClock.objects.filter(pk=clock.pk).update(stopped_at=rng.choice([None, MOMENT]))
        elif step == "status":
            type(concern).objects.filter(pk=concern.pk).update(status=rng.choice(list(ConcernStatus.values)))
        elif step == "end":
            Assignment.objects.filter(concern=concern).update(ended_at=rng.choice([None, MOMENT]))
        elif step == "unclock" and clock is not None:
            clock.delete()
    _assert_all_agree()


def test_the_organisation_inbox_counts_and_pages_from_the_assignments_alone(make_concern, trust, responder):
    for minutes in range(3):
        concern = make_concern(submitted_at=MOMENT + timedelta(minutes=minutes))
        Assignment.objects.create(concern=concern, organisation=trust, role=Role.RESPONDER, created_at=MOMENT)
        _clock(concern)
    queue = selectors.inbox_for(responder, scope="organisation", state="open")
    with CaptureQueriesContext(connection) as queries:
        assert queue.count() == 3
        page = queue[0:2]
    assert [concern.submitted_at for concern in page] == [MOMENT, MOMENT + timedelta(minutes=1)]
    counting, ordering = queries.captured_queries[0]["sql"], queries.captured_queries[1]["sql"]
    for sql in (counting, ordering):
        assert "routing_assignment" in sql
        assert "concerns_concern" not in sql and "routing_concernclock" not in sql, sql


def test_refill_puts_right_keys_loaded_with_triggers_off(make_concern, trust):
    concerns = [make_concern(submitted_at=MOMENT + timedelta(minutes=n)) for n in range(3)]
    for concern in concerns:
        Assignment.objects.create(concern=concern, organisation=trust, created_at=MOMENT)
    _clock(concerns[0], overdue_since=date(2026, 11, 6))
    with connection.cursor() as cursor:  # a load with the triggers off leaves the keys wrong
        for statement in queue_keys._drop_statements(connection.vendor):
            cursor.execute(statement)
        cursor.execute("UPDATE routing_assignment SET queue_open = %s, queue_due_on = NULL", [False])
    out = StringIO()
    call_command("refill_queue_keys", stdout=out)
    assert out.getvalue().startswith("3 assignments had stale queue keys")
    assert queue_keys.missing_triggers() == []
    _assert_all_agree()
    assert queue_keys.refill() == 0  # nothing left to put right


@pytest.mark.django_db(transaction=True)
def test_migrating_back_takes_the_triggers_away_and_forward_brings_them_back(make_concern, trust):
    """Left behind, the triggers would write to columns a backward migration removed: every new
    assignment and clock would fail."""
    call_command("migrate", "routing", "0003", verbosity=0)
    try:
        assert len(queue_keys.missing_triggers()) == len(queue_keys.TRIGGERS[connection.vendor])
        concern = make_concern()
        with connection.cursor() as cursor:  # the old schema's columns only
            cursor.execute(
                "INSERT INTO routing_assignment (concern_id, organisation_id, role, created_at) "
                "VALUES (%s, %s, '', %s)",
                [concern.pk, trust.pk, MOMENT],
            )
        _clock(concern)
    finally:
        call_command("migrate", verbosity=0)
    assert queue_keys.missing_triggers() == []
    _assert_all_agree()  # the migration filled in the keys of what was stored meanwhile
