"""Clocks in England working days: weekends and bank holidays (subdivision ENG)."""

from datetime import date, timedelta

import pytest

from liaison.routing.clocks import add_working_days, is_working_day, working_days_between


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (date(2026, 11, 2), 2, date(2026, 11, 4), "Monday + 2 is Wednesday"),
        (date(2026, 11, 5), 2, date(2026, 11, 9), "Thursday + 2 crosses the weekend to Monday"),
        (date(2026, 11, 7), 2, date(2026, 11, 11), "Saturday counts from Monday"),
        (date(2026, 11, 8), 0, date(2026, 11, 9), "day 0 on a Sunday is the Monday"),
        # Easter 2027: Good Friday 26 March, Easter Monday 29 March.
        (
            date(2027, 3, 25),
            2,
            date(2027, 3, 31),
            "Thursday before Easter skips Good Friday and Easter Monday",
        ),
        (date(2027, 3, 25), 1, date(2027, 3, 30), "the next working day after Maundy Thursday is Tuesday"),
        (date(2027, 3, 25), 20, date(2027, 4, 26), "20 working days from Maundy Thursday"),
        # Christmas 2026: Friday 25 and Saturday 26 December, so Boxing Day moves to Monday 28.
        (
            date(2026, 12, 24),
            2,
            date(2026, 12, 30),
            "Christmas Eve skips Christmas Day and the Boxing Day substitute",
        ),
        (date(2026, 12, 31), 1, date(2027, 1, 4), "New Year's Eve: 1 January 2027 is a Friday bank holiday"),
        (date(2026, 12, 23), 20, date(2027, 1, 25), "20 days over Christmas and New Year"),
        # Early May bank holiday 2027: Monday 3 May.
        (date(2027, 4, 30), 1, date(2027, 5, 4), "Friday before the early May bank holiday"),
        (
            date(2027, 5, 3),
            0,
            date(2027, 5, 4),
            "a concern sent on the early May bank holiday counts from Tuesday",
        ),
    ],
)
def test_add_working_days(start, days, expected, why):
    assert add_working_days(start, days) == expected, why


def test_bank_holidays_in_england_are_not_working_days():
    for holiday in [
        date(2027, 3, 26),  # Good Friday
        date(2027, 3, 29),  # Easter Monday
        date(2027, 5, 3),  # Early May
        date(2027, 5, 31),  # Spring
        date(2027, 8, 30),  # Summer (England, not Scotland's 2 August)
        date(2026, 12, 25),
        date(2026, 12, 28),  # Boxing Day substitute
        date(2027, 1, 1),
    ]:
        assert not is_working_day(holiday), holiday
    # Scotland's 2 January and St Andrew's Day are working days in England.
    assert is_working_day(date(2026, 11, 30))
    assert is_working_day(date(2026, 8, 3))


def test_working_days_between_is_the_inverse_of_adding():
    start = date(2026, 12, 1)
    for days in range(0, 45):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days
    assert working_days_between(date(2027, 3, 31), date(2027, 3, 25)) == -2
    assert working_days_between(date(2027, 3, 25), date(2027, 3, 29)) == 0


def test_add_working_days_refuses_negative_days():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 11, 2), -1)


def test_twenty_working_days_is_never_sooner_than_four_weeks():
    day = date(2026, 1, 1)
    while day < date(2028, 1, 1):
        assert add_working_days(day, 20) >= day + timedelta(days=28)
        day += timedelta(days=1)
