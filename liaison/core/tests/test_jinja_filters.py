"""Dates as the NHS style guide writes them, in full in text and abbreviated in tables."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from liaison.core.jinja_filters import nhs_date, nhs_date_short


def test_dates_in_full_and_short_for_tables():
    assert nhs_date(date(2026, 3, 3)) == "3 March 2026"
    assert nhs_date_short(date(2026, 3, 3)) == "3\u00a0Mar\u00a02026"
    assert nhs_date_short(date(2026, 9, 30)) == "30\u00a0Sep\u00a02026"


def test_a_short_date_is_the_local_day_of_a_timestamp():
    late_evening_utc = datetime(2026, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))  # 1 July in London (BST)
    assert nhs_date_short(late_evening_utc) == "1\u00a0Jul\u00a02026"


def test_no_date_is_an_empty_cell():
    assert nhs_date_short(None) == nhs_date_short("") == ""
