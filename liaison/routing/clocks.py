"""Response clocks in England working days.

A working day is Monday to Friday and not a bank holiday in England (the ``holidays`` package,
country GB, subdivision ENG: New Year's Day, Good Friday, Easter Monday, the early May, spring and
summer bank holidays, Christmas Day and Boxing Day, with their substitute days and any one-off
bank holidays).

Counting follows NHS complaints practice: the day something arrives is day 0, whatever day it is,
so "acknowledge within 2 working days" of a concern sent on a Thursday means by the end of the
next Monday. A concern sent on a Saturday counts from the Monday after.
"""

from datetime import date, timedelta
from functools import lru_cache

import holidays


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year).keys())


def is_bank_holiday(day: date) -> bool:
    """Is ``day`` a bank holiday in England?"""
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    """Monday to Friday and not a bank holiday in England."""
    return day.weekday() < 5 and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days after ``start`` (day 0). ``days`` must not be negative.

    ``add_working_days(start, 0)`` is ``start`` itself when that is a working day, else the next
    working day.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    while not is_working_day(day):
        day += timedelta(days=1)
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """How many working days after ``start`` up to and including ``end`` (negative if ``end`` is earlier).

    It is the inverse of ``add_working_days`` on working days:
    ``working_days_between(d, add_working_days(d, n)) == n`` when ``d`` is a working day.
    """
    if end < start:
        return -working_days_between(end, start)
    count = 0
    day = start + timedelta(days=1)
    while day <= end:
        if is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count
