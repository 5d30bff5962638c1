"""Tasks of one change written together: the same rows the database backend's enqueue writes, in one
insert, committed with the change or not at all."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_tasks_db.models import DBTaskResult

from liaison.core.tasking import enqueue_in_this_database, tasks_written_together
from liaison.notifications.tasks import deliver_notifications
from liaison.themes.tasks import assign_concern_to_theme

pytestmark = pytest.mark.django_db

COMPARED = ("status", "args_kwargs", "priority", "task_path", "queue_name", "backend_name", "run_after")


def _row(result_id) -> tuple:
    row = DBTaskResult.objects.get(pk=result_id)
    return tuple(getattr(row, name) for name in COMPARED)


def test_tasks_written_together_are_the_rows_enqueue_writes_in_one_insert():
    one = deliver_notifications.enqueue(notification_ids=[4, 5])
    two = assign_concern_to_theme.enqueue(7)
    before = set(DBTaskResult.objects.values_list("pk", flat=True))
    with transaction.atomic(), CaptureQueriesContext(connection) as captured, tasks_written_together():
        enqueue_in_this_database(deliver_notifications, notification_ids=[4, 5])
        enqueue_in_this_database(assign_concern_to_theme, 7)
        assert DBTaskResult.objects.count() == len(before)  # nothing written yet
    inserts = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    new = DBTaskResult.objects.exclude(pk__in=before).order_by("task_path")
    assert [_row(row.pk) for row in new] == [_row(one.id), _row(two.id)]  # by task path
    # The worker reads them as it reads any queued task.
    assert {row.task_result.task.name for row in new} == {"deliver_notifications", "assign_concern_to_theme"}


def test_nothing_is_queued_when_the_change_fails():
    with pytest.raises(RuntimeError), transaction.atomic(), tasks_written_together():
        enqueue_in_this_database(assign_concern_to_theme, 7)
        raise RuntimeError("the change failed")
    assert not DBTaskResult.objects.exists()


def test_outside_a_block_a_task_is_queued_at_once():
    enqueue_in_this_database(assign_concern_to_theme, 8)
    assert DBTaskResult.objects.get().args_kwargs == {"args": [8], "kwargs": {}}
