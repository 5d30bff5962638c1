"""Background work for routing, run by the task worker (``liaison db_worker``).

The clocks run themselves: ``liaison run_clocks --enqueue`` (run once at deployment, and safe to run
at every deployment) queues a ``run_clocks`` task; each run queues the next one an hour later. There
is never more than one run waiting: queueing when one is already waiting does nothing.
"""

import logging
from datetime import timedelta
from zlib import crc32

from django.db import connections, router, transaction
from django.utils import timezone
from django_tasks import task
from django_tasks.base import TaskResultStatus

logger = logging.getLogger(__name__)

# How often the worker runs the clocks when it schedules them itself.
CLOCK_INTERVAL = timedelta(hours=1)
# PostgreSQL advisory lock that makes "is one waiting? if not, queue one" a single step.
_SCHEDULE_LOCK = crc32(b"liaison.routing.tasks.schedule_clocks")


@task()
def run_clocks(reschedule: bool = False) -> dict:
    """Do what ``liaison run_clocks`` does. With ``reschedule``, queue the next run an hour later,
    so a worker started with one ``schedule_clocks()`` keeps the clocks running."""
    from liaison.routing.services import clocks_run

    try:
        report = clocks_run()
    finally:
        # Even a failed run queues the next one, so one bad hour does not stop the clocks.
        if reschedule:
            schedule_clocks(run_after=timezone.now() + CLOCK_INTERVAL)
    return {
        "checked": report.checked,
        "marked_overdue": report.marked_overdue,
        "escalations": report.escalations,
    }


def _waiting_runs():
    """The queued ``run_clocks`` tasks not yet started, with the database backend; else None."""
    from django_tasks_db import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    if not isinstance(run_clocks.get_backend(), DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(task_path=run_clocks.module_path, status=TaskResultStatus.READY)


def schedule_clocks(run_after=None) -> bool | None:
    """Queue a clock run (now, or at ``run_after``) that reschedules itself, unless one is waiting.

    Returns True when it queued one, False when one was already waiting (or the backend cannot
    defer), None when the queue refused (logged). With the database backend the check and the insert happen under
    one lock, so two callers at once still leave one run waiting. A backend that cannot defer a
    task is not given the hourly repeat (it would run at once, for ever); use cron there.
    """
    job = run_clocks
    try:
        backend = job.get_backend()
        if run_after is not None:
            if not backend.supports_defer:
                logger.warning(
                    "The task backend cannot run a task later: schedule `liaison run_clocks` with cron"
                )
                return False
            job = job.using(run_after=run_after)
        waiting = _waiting_runs()
        if waiting is None:
            job.enqueue(reschedule=True)
            return True
        alias = router.db_for_write(waiting.model)
        with transaction.atomic(using=alias):
            if connections[alias].vendor == "postgresql":
                with connections[alias].cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEDULE_LOCK])
            if waiting.exists():
                return False
            job.enqueue(reschedule=True)
            return True
    except Exception:
        logger.exception(
            "Could not queue the clock run; `liaison run_clocks` from the scheduler still runs them"
        )
        return None
