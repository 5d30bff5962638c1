from django.core.management.base import BaseCommand, CommandError

from liaison.core.demo import DemoRefused
from liaison.nhs111.demo import demo_111_load


class Command(BaseCommand):
    help = "Send demo NHS 111 messages to the demo Liverpool practice and the ICB queue (after load_demo)."

    def handle(self, *args, **options):
        try:
            results = demo_111_load()
        except DemoRefused as error:
            raise CommandError(str(error)) from None
        for description, status in results:
            outcome = {200: "received", 409: "already there"}.get(status, f"answered {status}")
            self.stdout.write(f"{description}: {outcome}")
