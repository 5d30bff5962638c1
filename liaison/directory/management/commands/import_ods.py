"""``liaison import_ods [DIRECTORY]``: load the directory from NHS ODS files."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from liaison.directory import services

FILE_OPTIONS = {
    "practices": "epraccur: GP practices and hubs",
    "trusts": "etr: NHS trusts",
    "sub_icbs": "eccg: sub-ICB locations",
    "icbs": "ICB names and codes (ONS)",
    "successions": "ICB successions (old code → new code, date)",
    "list_sizes": "registered patients per practice",
    "places": "the Place of each practice",
    "pcns": "practice → PCN map",
}


class Command(BaseCommand):
    help = (
        "Load ICBs, sub-ICB locations, GP practices, hubs, trusts, PCNs, Places, list sizes and "
        "specialties from NHS ODS files. Checks every file before writing; safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "directory",
            nargs="?",
            help="A folder holding the standard ODS file names (default: the files shipped with Liaison).",
        )
        for name, text in FILE_OPTIONS.items():
            parser.add_argument(f"--{name.replace('_', '-')}", dest=name, metavar="FILE", help=text)
        parser.add_argument("--specialties", metavar="FILE", help="treatment function codes (code,name)")
        parser.add_argument("--no-specialties", action="store_true", help="Do not load specialties.")
        parser.add_argument(
            "--icb",
            action="append",
            default=[],
            metavar="CODE",
            help="Load only the practices, PCNs, sub-ICB locations and Places of this ICB (before or "
            "after successions). Every trust is loaded: concerns are raised about out-of-area providers "
            "too. Repeat for several.",
        )
        parser.add_argument(
            "--as-of",
            type=date.fromisoformat,
            metavar="YYYY-MM-DD",
            help="Apply the ICB successions effective on this day (default: today).",
        )

    def handle(self, *args, directory, icb, as_of, specialties, no_specialties, verbosity, **options):
        files = {name: options[name] for name in FILE_OPTIONS if options.get(name)}
        progress = self.stdout.write if verbosity >= 1 else None
        specialty_file = None if no_specialties else (specialties or services.SPECIALTIES_FILE)
        try:
            report = services.ods_import(
                directory=directory,
                files=files,
                specialties=specialty_file,
                chosen_icbs=icb,
                today=as_of,
                progress=progress,
            )
        except services.ODSImportError as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        if verbosity >= 1:
            for line in report.lines():
                self.stdout.write(line)
