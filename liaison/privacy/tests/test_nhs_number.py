import csv
import os
from pathlib import Path

import pytest

from liaison.privacy import Kind, is_valid_nhs_number, scan_text
from liaison.privacy.nhs_number import check_digit, in_issued_range, passes_modulus_11

TEST_PATIENTS = Path(os.environ.get("LIAISON_TEST_PATIENTS", "/work/shared/data/test-patients"))
TEST_RANGE_CSV = TEST_PATIENTS / "nhs_numbers_test_range_999_generated.csv"


def test_check_digit_follows_the_modulus_11_rule():
    # 943 476 591 → 9×10 + 4×9 + 3×8 + 4×7 + 7×6 + 6×5 + 5×4 + 9×3 + 1×2 = 299; 299 mod 11 = 2; 11 − 2 = 9
    assert check_digit("943476591") == 9
    assert passes_modulus_11("9434765919")
    assert not passes_modulus_11("9434765918")


def test_check_digit_11_becomes_0_and_10_means_no_valid_number():
    assert check_digit("999000001") == 8  # 9990000018
    digits_with_remainder_1 = next(
        f"{n:09d}" for n in range(400000000, 400001000) if check_digit(f"{n:09d}") is None
    )
    assert not any(passes_modulus_11(digits_with_remainder_1 + str(last)) for last in range(10))
    digits_with_remainder_0 = next(
        f"{n:09d}" for n in range(400000000, 400001000) if check_digit(f"{n:09d}") == 0
    )
    assert passes_modulus_11(digits_with_remainder_0 + "0")


@pytest.mark.parametrize(
    "text",
    ["999 000 0018", "9990000018", "999-000-0018", "999.000.0018", " 999 000 0018 ", "999000 0018"],
)
def test_valid_in_every_separator_form(text):
    assert is_valid_nhs_number(text)


@pytest.mark.parametrize(
    ("digits", "issued"),
    [
        ("4503909967", True),  # England and Wales, 400–499 million
        ("6120308245", True),  # England and Wales, 600–799 million
        ("7346281942", True),
        ("3458219935", True),  # Northern Ireland, 320–399 million
        ("1509378650", True),  # Scottish CHI: 15/09 is a real day and month
        ("0711862524", True),  # Scottish CHI: 07/11
        ("9990000018", True),  # test range
        ("5900046192", False),  # passes modulus 11, but 590 million has not been issued
        ("8000000008", False),  # nor 800 million
    ],
)
def test_issued_ranges(digits, issued):
    assert passes_modulus_11(digits)
    assert in_issued_range(digits) is issued
    assert is_valid_nhs_number(digits) is issued
    assert is_valid_nhs_number(digits, issued_ranges_only=False)


def test_chi_range_needs_a_real_day_and_month():
    # 3113… would be 31/13, not a date; 3002… is 30 February.
    for nine in ("311300000", "300200000", "001000000"):
        digit = check_digit(nine)
        if digit is not None:
            assert not in_issued_range(nine + str(digit))


def test_not_ten_digits_is_never_valid():
    for text in ("", "999 000 001", "99900000188", "999 000 00I8", "abc"):
        assert not is_valid_nhs_number(text)


@pytest.mark.skipif(
    not TEST_RANGE_CSV.exists(),
    reason=f"the shared synthetic NHS numbers ({TEST_RANGE_CSV}) are not on this machine; CI has them",
)
def test_every_synthetic_test_range_number_is_blocked_in_every_form():
    with TEST_RANGE_CSV.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) >= 1000
    missed = []
    for row in rows:
        digits, formatted = row["nhs_number"], row["formatted"]
        for form in (digits, formatted, formatted.replace(" ", "-"), formatted.replace(" ", ".")):
            result = scan_text(f"Discharge summary for {form} not received.")
            if not (result.blocked and [f.kind for f in result.findings] == [Kind.NHS_NUMBER]):
                missed.append(form)
        assert is_valid_nhs_number(digits)
    assert missed == []
