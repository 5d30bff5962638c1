"""``liaison deliver_notifications``: send every due notification email, for cron or a scheduler."""

from django.core.management.base import BaseCommand

from liaison.notifications.services import notifications_deliver


class Command(BaseCommand):
    help = (
        "Send every notification email that is due, including retries. Safe to run while the task "
        "worker runs, and from several machines at once: each email is claimed by one sender."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=1000, help="Send at most this many (default 1000).")

    def handle(self, *args, limit, **options):
        report = notifications_deliver(limit=limit, schedule_retry=False)
        self.stdout.write(report.summary())
