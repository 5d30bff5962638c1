import json
from pathlib import Path

from django.core.management.base import BaseCommand

from liaison.nhs111.checking import Issue, message_check, operation_outcome


class Command(BaseCommand):
    help = (
        "Check 111 message Bundles (BaRS R4 or the 111 adaptor's STU3) as Liaison would on receipt, and print "
        "the OperationOutcome JSON for each FILE. Exits with status 1 when any file has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE")

    def handle(self, *args, files, **options):
        failed = 0
        for name in files:
            try:
                data = json.loads(Path(name).read_text(encoding="utf-8"))
            except (OSError, ValueError) as error:
                outcome = operation_outcome(
                    [
                        Issue(
                            severity="error",
                            code="structure",
                            diagnostics=f"Cannot read {name}: {error}",
                            expression="Bundle",
                        )
                    ]
                )
                has_errors = True
            else:
                result = message_check(data)
                outcome, has_errors = result.operation_outcome(), result.has_errors
            failed += has_errors
            self.stdout.write(
                json.dumps({"file": name, "valid": not has_errors, "outcome": outcome}, indent=2)
            )
        if failed:
            self.stderr.write(f"{failed} of {len(files)} file(s) have errors.")
            raise SystemExit(1)
