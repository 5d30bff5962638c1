"""Dashboards and the monthly breach report: activity figures, who receives the report, and the archive.

Breach counts themselves are never stored while they can still change: the dashboard and a report in
preparation count from the concerns every time (``selectors``). Once a monthly report is issued its
rows and files are kept exactly as issued (``MonthlyReport``, ``MonthlyReportRow``), and neither can
be changed or deleted through the ORM.
"""

from django.conf import settings
from django.db import models


class ActivityFigure(models.Model):
    """How much a provider did in a month (for example 12,400 outpatient attendances), for rates per 1,000."""

    provider = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the calendar month.")
    measure = models.CharField(max_length=80, help_text="For example: outpatient attendances.")
    count = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["provider__name", "month", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "month", "measure"], name="one_activity_figure_per_measure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_id} {self.month:%Y-%m} {self.measure}: {self.count}"


class Audience(models.TextChoices):
    NEWSLETTER = "newsletter", "Practice newsletter"
    CQRG = "cqrg", "Provider CQRG contact"


class ReportSubscription(models.Model):
    """Who is sent the monthly report: a practice that subscribed to the newsletter, or a provider's
    contact for its Clinical Quality Review Group (CQRG), who gets that provider's version."""

    icb = models.ForeignKey("directory.Organisation", on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(
        "directory.Organisation", on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    audience = models.CharField(max_length=16, choices=Audience.choices)
    email = models.EmailField()
    name = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation__name", "email"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "audience", "email"], name="one_subscription_per_address"
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.get_audience_display()}, {self.organisation_id})"


class ReportVersion(models.TextChoices):
    ICB = "icb", "ICB internal (exact numbers)"
    PROVIDER = "provider", "Provider and CQRG (small numbers suppressed)"
    NEWSLETTER = "newsletter", "Newsletter for practices (small numbers suppressed)"


class ImmutableModel(models.Model):
    """Rows that, once written, are never changed or deleted: an issued report stays as issued."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("An issued report cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("An issued report cannot be deleted.")


class MonthlyReport(ImmutableModel):
    """One issued version of an ICB's monthly breach report, with its files under ``LIAISON_VAR_DIR``."""

    icb = models.ForeignKey("directory.Organisation", on_delete=models.PROTECT, related_name="+")
    month = models.DateField(help_text="The first day of the calendar month reported on.")
    version = models.CharField(max_length=16, choices=ReportVersion.choices)
    provider = models.ForeignKey(
        "directory.Organisation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Set for a provider version only.",
    )
    financial_year_start = models.DateField()
    issued_at = models.DateTimeField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pdf_path = models.CharField(max_length=300, help_text="Relative to the reports directory.")
    csv_path = models.CharField(max_length=300)
    pdf_sha256 = models.CharField(max_length=64)
    csv_sha256 = models.CharField(max_length=64)
    summary = models.JSONField(default=dict, help_text="Totals, themes and actions as issued.")

    class Meta:
        ordering = ["-month", "icb__name", "version", "provider__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["icb", "month", "version", "provider"],
                name="issue_each_report_version_once",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return f"{self.icb_id} {self.month:%Y-%m} {self.version}"


class Period(models.TextChoices):
    MONTH = "month", "The month"
    PREVIOUS = "previous", "The previous month"
    YEAR_TO_DATE = "ytd", "The financial year to date"


class MonthlyReportRow(ImmutableModel):
    """One cell of an issued report: a provider × standard count for one period, and what was shown."""

    report = models.ForeignKey(MonthlyReport, on_delete=models.PROTECT, related_name="rows")
    period = models.CharField(max_length=8, choices=Period.choices)
    provider_ods = models.CharField(max_length=12)
    provider_name = models.CharField(max_length=255)
    standard_code = models.CharField(max_length=16)
    count = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="Empty where the version suppressed it: the exact number never leaves.",
    )
    shown = models.CharField(max_length=8, help_text="As printed: the number, or <5 where suppressed.")

    class Meta:
        ordering = ["report", "period", "provider_name", "standard_code"]

    def __str__(self) -> str:
        return f"{self.report_id} {self.period} {self.provider_ods} {self.standard_code}: {self.shown}"
