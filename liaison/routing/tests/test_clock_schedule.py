"""The task worker runs the clocks every hour: `run_clocks --enqueue` starts it, never two waiting."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from liaison.routing import tasks
from liaison.routing.models import ConcernClock

pytestmark = pytest.mark.django_db

RUN_CLOCKS = "liaison.routing.tasks.run_clocks"


def _waiting():
    return list(DBTaskResult.objects.filter(task_path=RUN_CLOCKS, status=TaskResultStatus.READY))


def _enqueue() -> str:
    out = StringIO()
    call_command("run_clocks", "--enqueue", stdout=out)
    return out.getvalue()


def _work_once():
    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", "--interval", "0")


def test_enqueue_queues_one_run_and_a_second_enqueue_adds_nothing():
    assert "Queued the clock run" in _enqueue()
    assert "already waiting" in _enqueue()
    assert tasks.schedule_clocks() is False
    (waiting,) = _waiting()
    assert waiting.args_kwargs["kwargs"] == {"reschedule": True}


# The worker closes its database connection between tasks, as in production: that needs a real
# commit, not the test's wrapping transaction (PostgreSQL would answer "the connection is closed").
@pytest.mark.django_db(transaction=True)
def test_each_run_queues_the_next_an_hour_later_and_only_one(make_concern):
    concern = make_concern()
    ConcernClock.objects.create(
        concern=concern,
        started_on=concern.submitted_at.date(),
        acknowledge_due=concern.submitted_at.date(),
        respond_due=concern.submitted_at.date(),
    )
    _enqueue()
    before = timezone.now()
    _work_once()  # runs the waiting task; the next one is not due for an hour, so the batch ends
    assert DBTaskResult.objects.filter(task_path=RUN_CLOCKS, status=TaskResultStatus.SUCCESSFUL).count() == 1
    assert ConcernClock.objects.get(concern=concern).overdue_since is not None  # the run did its work
    (following,) = _waiting()
    assert (
        before + tasks.CLOCK_INTERVAL - timedelta(minutes=1)
        <= following.run_after
        <= timezone.now() + tasks.CLOCK_INTERVAL
    )
    # A deployment that enqueues again while that run waits adds nothing.
    assert "already waiting" in _enqueue()
    assert len(_waiting()) == 1


@pytest.mark.django_db(transaction=True)
def test_a_failed_run_still_queues_the_next(monkeypatch):
    def clocks_down(**kwargs):
        raise RuntimeError("database unavailable")

    monkeypatch.setattr("liaison.routing.services.clocks_run", clocks_down)
    _enqueue()
    _work_once()
    assert DBTaskResult.objects.filter(task_path=RUN_CLOCKS, status=TaskResultStatus.FAILED).count() == 1
    assert len(_waiting()) == 1


def test_a_backend_that_cannot_defer_is_not_given_the_repeat(settings):
    """The immediate backend would run the repeat at once, and again, for ever: cron runs it there."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    assert tasks.schedule_clocks(run_after=timezone.now() + tasks.CLOCK_INTERVAL) is False
