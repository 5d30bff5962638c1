"""Background work for routing, run by the task worker (``liaison db_worker``)."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)

# How often the worker runs the clocks when it schedules them itself.
CLOCK_INTERVAL = timedelta(hours=1)


@task()
def run_clocks(reschedule: bool = False) -> dict:
    """Do what ``liaison run_clocks`` does. With ``reschedule``, queue the next run an hour later,
    so a worker started with one ``schedule_clocks()`` keeps the clocks running."""
    from liaison.routing.services import clocks_run

    report = clocks_run()
    if reschedule:
        schedule_clocks(run_after=timezone.now() + CLOCK_INTERVAL)
    return {
        "checked": report.checked,
        "marked_overdue": report.marked_overdue,
        "escalations": report.escalations,
    }


def schedule_clocks(run_after=None) -> None:
    """Queue a clock run (now, or at ``run_after`` when the backend can defer) that reschedules itself.

    Running twice at once is harmless (``clocks_run`` is idempotent), so a duplicate schedule only
    costs a few queries.
    """
    job = run_clocks
    try:
        if run_after is not None and job.get_backend().supports_defer:
            job = job.using(run_after=run_after)
        job.enqueue(reschedule=True)
    except Exception:
        logger.exception(
            "Could not queue the clock run; `liaison run_clocks` from the scheduler still runs them"
        )
