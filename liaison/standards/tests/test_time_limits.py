from datetime import date

import pytest

from liaison.standards.models import Standard, StandardTimeLimit
from liaison.standards.selectors import standard_by_code, time_limit_on

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2016, 3, 31), None),
        (date(2016, 4, 1), 14),
        (date(2016, 6, 1), 14),
        (date(2017, 3, 31), 14),
        (date(2017, 4, 1), 10),
        (date(2017, 6, 1), 10),
        (date(2018, 3, 31), 10),
        (date(2018, 4, 1), 7),
        (date(2026, 1, 1), 7),
    ],
)
def test_clinic_letter_time_limit_on_a_date(baseline, day, expected):
    s03 = Standard.objects.get(code="S03")
    limit = time_limit_on(standard=s03, day=day)
    assert (limit.amount if limit else None) == expected


@pytest.mark.parametrize("day", [date(2017, 3, 31), date(2017, 4, 1), date(2018, 4, 1)])
def test_prefetched_and_queried_lookups_agree(baseline, day, django_assert_num_queries):
    fresh = Standard.objects.get(code="S03")
    prefetched = standard_by_code(code="s03")
    with django_assert_num_queries(0):
        from_cache = time_limit_on(standard=prefetched, day=day)
    assert time_limit_on(standard=fresh, day=day) == from_cache


def test_standard_without_a_limit_has_none(baseline):
    assert time_limit_on(standard=Standard.objects.get(code="S04"), day=date(2025, 1, 1)) is None


def test_advice_and_guidance_limit_starts_on_1_april_2025(baseline):
    s10 = Standard.objects.get(code="S10")
    assert time_limit_on(standard=s10, day=date(2025, 3, 31)) is None
    limit = time_limit_on(standard=s10, day=date(2025, 4, 1))
    assert limit.describe() == "5 working days (Advice & Guidance)"


def test_a_general_limit_is_preferred_to_a_specific_one(baseline):
    s02 = Standard.objects.get(code="S02")
    StandardTimeLimit.objects.create(
        standard=s02, amount=4, unit="hours", applies_to="A&E", in_force_from=date(2016, 4, 1)
    )
    assert time_limit_on(standard=s02, day=date(2020, 1, 1)).amount == 24


def test_unit_descriptions():
    assert StandardTimeLimit(amount=1, unit="days").describe() == "1 calendar day"
    assert StandardTimeLimit(amount=7, unit="days").describe() == "7 calendar days"
