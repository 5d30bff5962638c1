"""``liaison send_digests``: one summary email a day for people who chose the daily digest."""

from django.core.management.base import BaseCommand

from liaison.notifications.services import digests_send, notifications_deliver


class Command(BaseCommand):
    help = (
        "Gather each person's held notifications into one daily digest email and send it. Run once a "
        "day from the scheduler; running it again the same day sends nothing more."
    )

    def handle(self, *args, **options):
        made = digests_send()
        report = notifications_deliver(schedule_retry=False)
        self.stdout.write(f"Daily digests made: {made}. {report.summary()}")
