from django.core.management.base import BaseCommand, CommandError

from liaison.directory.selectors import organisation_by_ods
from liaison.nhs111.services import sender_credential_issue


class Command(BaseCommand):
    help = (
        "Issue a credential for a 111 / 999 sending system at the organisation with ODS_CODE and print it "
        "(shown only once). The system may then send messages only as that organisation."
    )

    def add_arguments(self, parser):
        parser.add_argument("ods_code")
        parser.add_argument(
            "--name", required=True, help="Which system will use it, for example 'Adastra live'."
        )

    def handle(self, *args, ods_code, name, **options):
        organisation = organisation_by_ods(ods_code.strip().upper())
        if organisation is None:
            raise CommandError(
                f"No organisation has ODS code {ods_code!r}: import it with `liaison import_ods` first."
            )
        if not organisation.is_open:
            raise CommandError(
                f"{organisation} is closed: credentials are issued only to open organisations."
            )
        _, secret = sender_credential_issue(organisation=organisation, name=name)
        self.stdout.write(secret)
