"""NHS number rules: the modulus-11 check digit and the ranges actually issued.

About 1 in 11 random ten-digit numbers passes the check digit, so a phone-like number that happens
to pass is only treated as an NHS number when it also falls in an issued range (domain.md §5).
"""

import datetime
import re

# Ranges by the first three digits, inclusive. Scottish CHI numbers start with the holder's date of
# birth (DDMMYY), so the CHI range also needs a real day and month.
ENGLAND_AND_WALES = ((400, 499), (600, 799))
NORTHERN_IRELAND = ((320, 399),)
SCOTLAND_CHI = ((10, 311),)
TEST_RANGE = ((900, 999),)

_SEPARATORS = re.compile(r"[\s./_\-\u2010\u2011\u2013]")


def check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no valid number can have them."""
    total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        return 0
    if check == 10:
        return None
    return check


def passes_modulus_11(digits: str) -> bool:
    """True when ten digits carry a correct modulus-11 check digit."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    return check_digit(digits[:9]) == int(digits[9])


def _is_chi_date(digits: str) -> bool:
    day, month = int(digits[0:2]), int(digits[2:4])
    try:
        # A leap year, so that 29 February is allowed whatever the two-digit year.
        datetime.date(2000, month, day)
    except ValueError:
        return False
    return True


def in_issued_range(digits: str) -> bool:
    """True when ten digits fall in a range that has been issued (or is reserved for testing)."""
    prefix = int(digits[:3])
    for low, high in ENGLAND_AND_WALES + NORTHERN_IRELAND + TEST_RANGE:
        if low <= prefix <= high:
            return True
    return any(low <= prefix <= high for low, high in SCOTLAND_CHI) and _is_chi_date(digits)


def digits_of(text: str) -> str:
    """The text without the separators people put inside NHS numbers (space, dash, dot, slash)."""
    return _SEPARATORS.sub("", text.strip())


def is_valid_nhs_number(text: str, *, issued_ranges_only: bool = True) -> bool:
    """True when ``text`` is one NHS number, with or without space, dash or dot separators.

    With ``issued_ranges_only`` (the default) the number must also be in an issued range:
    England and Wales 400–499 and 600–799 million, Northern Ireland 320–399 million, a Scottish
    CHI number (010–311 million with a real day and month), or the 9xx test range.
    """
    digits = digits_of(text)
    if not passes_modulus_11(digits):
        return False
    return in_issued_range(digits) if issued_ranges_only else True
