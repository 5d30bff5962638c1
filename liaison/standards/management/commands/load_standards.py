"""``liaison load_standards``: refresh the national baseline of interface standards.

Safe to run on every deployment: standards and time limits that already match are left alone, and
every row created or changed is written to the audit log with its old and new values.
"""

from django.core.management.base import BaseCommand

from liaison.standards.services import standards_baseline_load


class Command(BaseCommand):
    help = "Create or update the national baseline standards (S01–S12) and their dated time limits."

    def handle(self, *args, **options):
        changes = standards_baseline_load()
        if not changes.changed:
            self.stdout.write("The national baseline is up to date: nothing changed.")
            return
        for code in changes.standards_created:
            self.stdout.write(f"Created standard {code}")
        for code, fields in changes.standards_updated.items():
            self.stdout.write(f"Updated standard {code}: {', '.join(sorted(fields))}")
        for label in changes.time_limits_created:
            self.stdout.write(f"Created time limit {label}")
        for label, fields in changes.time_limits_updated.items():
            self.stdout.write(f"Updated time limit {label}: {', '.join(sorted(fields))}")
        self.stdout.write(self.style.SUCCESS("The national baseline is loaded."))
