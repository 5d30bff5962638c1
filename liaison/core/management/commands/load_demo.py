import json

from django.core.management.base import BaseCommand, CommandError

from liaison.core import demo


class Command(BaseCommand):
    help = (
        "Load the demo: Cheshire & Merseyside and Sussex organisations from the shipped ODS files, "
        "demo users for every role and a who's who. Refused in production mode."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--list-users", action="store_true", help="Print the demo logins and load nothing."
        )
        parser.add_argument("--json", action="store_true", help="With --list-users: print JSON.")
        parser.add_argument("--skip-directory", action="store_true", help="Do not re-run the ODS import.")

    def handle(self, *args, list_users, json: bool, skip_directory, **options):
        if not demo.demo_allowed():
            raise CommandError(
                "Demo data is refused: LIAISON_DEMO_DATA is off or Liaison is in production mode."
            )
        if list_users:
            self._print_users(demo.demo_users(), as_json=json)
            return
        try:
            if not skip_directory:
                demo.demo_directory_load(stdout=self.stdout if options["verbosity"] > 1 else None)
            rows = demo.demo_people_load()
        except demo.DemoRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Demo loaded: {len(rows)} demo memberships for {len({r['username'] for r in rows})} users."
        )

    def _print_users(self, rows, *, as_json: bool) -> None:
        if as_json:
            fields = ("username", "password", "role", "organisation_ods")
            self.stdout.write(json_dumps([{key: row[key] for key in fields} for row in rows]))
            return
        if not rows:
            self.stdout.write("No demo users yet: run `liaison load_demo` first.")
            return
        self.stdout.write(f"Demo logins (password for all: {rows[0]['password']}):")
        for row in rows:
            self.stdout.write(
                f"  {row['username']:<22} {row['role']:<15} {row['organisation_name']} ({row['organisation_ods']})"
            )


def json_dumps(value) -> str:
    return json.dumps(value, indent=2)
