"""``liaison run_clocks``: mark overdue concerns and escalate them, for cron or a scheduler."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from liaison.routing.services import clocks_run
from liaison.routing.tasks import schedule_clocks


class Command(BaseCommand):
    help = (
        "Mark concerns not acknowledged or responded to in time (England working days) as overdue "
        "and escalate them up the ladder: service lead, trust interface lead, medical director, ICB "
        "quality lead. Safe to run as often as you like: each step happens once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD), to catch up.")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help=(
                "Instead of running now, queue a run for the task worker that repeats every hour. "
                "Does nothing when a run is already waiting, so it is safe at every deployment."
            ),
        )

    def handle(self, *args, today=None, enqueue=False, **options):
        if enqueue:
            queued = schedule_clocks()
            if queued is None:
                raise CommandError("Could not queue the clock run: the task queue refused it (see the log)")
            if queued:
                self.stdout.write("Queued the clock run for the task worker; it repeats every hour.")
            else:
                self.stdout.write(
                    "A clock run is already waiting for the task worker (it repeats every hour): "
                    "nothing more queued."
                )
            return
        try:
            day = date.fromisoformat(today) if today else None
        except ValueError:
            raise CommandError("--today must be a date such as 2027-03-31") from None
        self.stdout.write(clocks_run(today=day).summary())
