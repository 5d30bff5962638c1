from django.core.management.base import BaseCommand, CommandError

from liaison.directory.models import Organisation, OrganisationType
from liaison.themes import services


class Command(BaseCommand):
    help = (
        "Re-cluster every ICB's concerns into themes, keeping analysts' decisions (renames, merges, "
        "splits, pins, placements), then test each theme for a rise. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--icb", action="append", default=[], help="An ICB's ODS code (repeatable).")
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Hand each rebuild to the task worker instead of running it here.",
        )

    def handle(self, *args, icb, enqueue, **options):
        icbs = Organisation.objects.filter(org_type=OrganisationType.ICB).order_by("ods_code")
        if icb:
            codes = [code.upper() for code in icb]
            icbs = icbs.filter(ods_code__in=codes)
            missing = sorted(set(codes) - set(icbs.values_list("ods_code", flat=True)))
            if missing:
                raise CommandError(f"No ICB with the ODS code {', '.join(missing)}.")
        for organisation in icbs:
            build = services.theme_build_start(icb=organisation, enqueue=enqueue)
            if enqueue:
                self.stdout.write(f"{organisation.ods_code}: rebuild {build.pk} queued for the task worker.")
                continue
            build = services.theme_build_run(build_id=build.pk)
            result = build.result
            self.stdout.write(
                f"{organisation.ods_code}: {result.get('concerns', 0)} concerns, {result.get('clusters', 0)} groups, "
                f"{result.get('themes_created', 0)} new themes, {result.get('themes_archived', 0)} archived, "
                f"{result.get('analyst_placements_kept', 0)} analyst placements kept, "
                f"{result.get('rising', 0)} rising."
            )
