"""``liaison refill_queue_keys``: derive every assignment's queue keys afresh."""

from django.core.management.base import BaseCommand

from liaison.routing import queue_keys


class Command(BaseCommand):
    help = (
        "Copy each concern's queue keys (open, overdue, due date, time reported) to its assignments "
        "afresh, and remake the triggers that keep them. Needed only after rows were loaded with "
        "triggers switched off (session_replication_role = replica); safe to run at any time."
    )

    def handle(self, *args, **options):
        queue_keys.install_triggers()
        fixed = queue_keys.refill()
        self.stdout.write(
            f"{fixed} assignment{'s' if fixed != 1 else ''} had stale queue keys; all are right now."
        )
