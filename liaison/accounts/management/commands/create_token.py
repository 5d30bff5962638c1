from django.core.management.base import BaseCommand, CommandError

from liaison.accounts.models import User
from liaison.accounts.services import api_token_create


class Command(BaseCommand):
    help = "Create a personal API token for USERNAME and print it (it is shown only once)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="Personal token", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        try:
            user = User.objects.get(username=username, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user with username {username!r}.") from None
        _, token = api_token_create(user=user, name=name)
        self.stdout.write(token)
