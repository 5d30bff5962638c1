"""Filters available in every Jinja template."""

from datetime import date, datetime

from django.utils import timezone
from django.utils.formats import number_format


def nhs_date(value) -> str:
    """Dates as the NHS style guide writes them: 3 March 2026."""
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{value.day} {value:%B %Y}"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    return str(value)


def nhs_date_short(value) -> str:
    """Dates in tables, where space is short: 3 Mar 2026, kept on one line."""
    full = nhs_date(value)
    if not full:
        return ""
    day, month, year = full.split(" ")
    return "\u00a0".join((day, month[:3], year))


def nhs_datetime(value) -> str:
    if not value:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    hour = local.strftime("%I").lstrip("0") or "12"
    minutes = "" if local.minute == 0 else local.strftime(":%M")
    return f"{nhs_date(local)}, {hour}{minutes}{local.strftime('%p').lower()}"


def thousands(value) -> str:
    if value in (None, ""):
        return ""
    return number_format(value, force_grouping=True)


FILTERS = {
    "nhs_date": nhs_date,
    "nhs_date_short": nhs_date_short,
    "nhs_datetime": nhs_datetime,
    "thousands": thousands,
}
