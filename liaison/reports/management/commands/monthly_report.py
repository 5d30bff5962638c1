"""``liaison monthly_report --month 2026-10 [--icb QYG]``: issue, archive and send a month's breach reports."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from liaison.directory.models import OrganisationType
from liaison.directory.selectors import organisation_by_ods
from liaison.reports.scorecard import month_counts_for
from liaison.reports.selectors import icbs_with_concerns, parse_month
from liaison.reports.services import monthly_reports_issue_and_send
from liaison.reports.tasks import schedule_monthly_reports


class Command(BaseCommand):
    help = (
        "Issue the monthly breach report for a calendar month that has ended: the ICB's own version, "
        "the practice newsletter and one version per provider, stored under LIAISON_VAR_DIR/reports as "
        "PDF and CSV, then emailed as links to subscribed practices and each provider's CQRG contacts. "
        "A version issued before is left as it is and not sent again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="The month, such as 2026-10 (default: last month).")
        parser.add_argument(
            "--icb", help="One ICB's ODS code, such as QYG (default: every ICB with concerns)."
        )
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Instead, queue the task that runs on the first working day of every month.",
        )

    def handle(self, *args, month=None, icb=None, enqueue=False, **options):
        if enqueue:
            schedule_monthly_reports()
            self.stdout.write("Queued the monthly reports for the first working day of next month.")
            return
        this_month = timezone.localdate().replace(day=1)
        if month:
            chosen = parse_month(month)
            if chosen is None:
                raise CommandError("--month must be a year and month such as 2026-10")
        else:
            chosen = parse_month(
                f"{this_month.year if this_month.month > 1 else this_month.year - 1}-"
                f"{this_month.month - 1 or 12}"
            )
        if chosen >= this_month:
            raise CommandError(f"{chosen:%B %Y} has not ended yet: choose an earlier month")
        if icb:
            organisation = organisation_by_ods(icb)
            if organisation is None or organisation.org_type != OrganisationType.ICB:
                raise CommandError(f"{icb} is not an ICB's ODS code")
            icbs = [organisation]
        else:
            icbs = list(icbs_with_concerns())
        counts = month_counts_for(icbs=icbs, month=chosen)
        for organisation in icbs:
            result = monthly_reports_issue_and_send(
                icb=organisation, month=chosen, counts=counts[organisation.pk]
            )
            self.stdout.write(
                f"{organisation.ods_code} {chosen:%Y-%m}: {len(result.issued)} issued, "
                f"{len(result.already)} issued before, {result.notified} notifications"
            )
