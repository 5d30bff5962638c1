"""The monthly job: on the first working day of each month, issue and send last month's reports."""

import logging
from datetime import date, datetime, time

from django.utils import timezone
from django_tasks import task

from liaison.reports.selectors import add_months
from liaison.routing.clocks import add_working_days

logger = logging.getLogger(__name__)

RUN_AT = time(7, 0)


def first_working_day(month: date) -> date:
    """The first working day in England (weekends and bank holidays skipped) of ``month``."""
    return add_working_days(month.replace(day=1), 0)


def next_run_after(now: datetime) -> datetime:
    """07:00 on the next first working day of a month strictly after ``now``."""
    local = timezone.localtime(now)
    month = local.date().replace(day=1)
    for offset in (0, 1, 2):
        candidate = first_working_day(add_months(month, offset))
        at = timezone.make_aware(datetime.combine(candidate, RUN_AT))
        if at > now:
            return at
    raise AssertionError("unreachable")


@task()
def issue_monthly_reports(reschedule: bool = False, today: str = "") -> dict:
    """Issue and send last month's reports for every ICB with concerns (what ``liaison monthly_report``
    does for one). Issuing is idempotent, so a repeated run sends nothing twice. With ``reschedule``
    it queues itself for the next month's first working day."""
    from liaison.reports.scorecard import month_counts_for
    from liaison.reports.selectors import icbs_with_concerns
    from liaison.reports.services import monthly_reports_issue_and_send

    day = date.fromisoformat(today) if today else timezone.localdate()
    month = add_months(day.replace(day=1), -1)
    issued = 0
    icbs = list(icbs_with_concerns())
    counts = month_counts_for(icbs=icbs, month=month)
    for icb in icbs:
        issued += len(monthly_reports_issue_and_send(icb=icb, month=month, counts=counts[icb.pk]).issued)
    if reschedule:
        schedule_monthly_reports(run_after=next_run_after(timezone.now()))
    return {"month": f"{month:%Y-%m}", "issued": issued}


def schedule_monthly_reports(run_after: datetime | None = None) -> None:
    """Queue the monthly job at ``run_after`` (the next first working day by default), repeating itself."""
    run_after = run_after or next_run_after(timezone.now())
    job = issue_monthly_reports
    try:
        if job.get_backend().supports_defer:
            job = job.using(run_after=run_after)
        job.enqueue(reschedule=True)
    except Exception:
        logger.exception("Could not queue the monthly reports; `liaison monthly_report` still issues them")
