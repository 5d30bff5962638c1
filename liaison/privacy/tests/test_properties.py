"""Property tests: generated identifiers, in every written form, inside real clinical sentences."""

import datetime
import re

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from liaison.privacy import FORENAMES, Kind, is_valid_nhs_number, scan_text
from liaison.privacy.detection import _PLACE_WORDS as PLACE_WORDS
from liaison.privacy.nhs_number import check_digit
from liaison.privacy.tests.corpora import HARD_NEGATIVES

# Shared machines are noisy: no per-example deadline; the speed targets live in bench/.
PROPERTY = settings(deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])

NHS_FORMS = ("{}{}{}", "{} {} {}", "{}-{}-{}", "{}.{}.{}")
WRAPPERS = ("{}", "({})", "{}.", "{},", "NHS no. {}", "NHS:{}", "'{}'", "[{}]")


@st.composite
def valid_nhs_digits(draw) -> str:
    """Ten digits with a correct check digit in an issued range; a check digit of 10 is skipped."""
    issued = draw(st.sampled_from(["england_and_wales", "northern_ireland", "scotland", "test"]))
    if issued == "scotland":
        born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2099, 12, 31)))
        first_nine = born.strftime("%d%m%y") + draw(st.from_regex(r"[0-9]{3}", fullmatch=True))
    else:
        low_high = {
            "england_and_wales": draw(st.sampled_from([(400, 499), (600, 799)])),
            "northern_ireland": (320, 399),
            "test": (900, 999),
        }[issued]
        prefix = draw(st.integers(*low_high))
        first_nine = f"{prefix:03d}" + draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    check = check_digit(first_nine)
    assume(check is not None)
    return first_nine + str(check)


@st.composite
def written_nhs_number(draw, digits_strategy) -> str:
    digits = draw(digits_strategy)
    return draw(st.sampled_from(NHS_FORMS)).format(digits[:3], digits[3:6], digits[6:])


@st.composite
def failing_nhs_digits(draw) -> str:
    first_nine = draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
    check = check_digit(first_nine)
    last = draw(st.integers(0, 9).filter(lambda digit: digit != check))
    return first_nine + str(last)


@st.composite
def unissued_nhs_digits(draw) -> str:
    """A correct check digit but a range that has never been issued."""
    prefix = draw(
        st.one_of(st.integers(0, 9), st.integers(312, 319), st.integers(500, 599), st.integers(800, 899))
    )
    first_nine = f"{prefix:03d}" + draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    check = check_digit(first_nine)
    assume(check is not None)
    return first_nine + str(check)


# Postcode letters by position (Royal Mail's rules).
FIRST = "ABCDEFGHIJKLMNOPRSTUWYZ"
SECOND = "ABCDEFGHKLMNOPQRSTUVWXY"
THIRD_A9A = "ABCDEFGHJKPSTUW"
FOURTH_AA9A = "ABEHMNPRVWXY"
INWARD = "ABDEFGHJLNPQRSTUWXYZ"
DIGIT = "0123456789"


@st.composite
def postcodes(draw) -> str:
    def pick(letters: str) -> str:
        return draw(st.sampled_from(letters))

    shape = draw(st.sampled_from(["A9", "A99", "AA9", "AA99", "A9A", "AA9A"]))
    outward = {
        "A9": lambda: pick(FIRST) + pick(DIGIT),
        "A99": lambda: pick(FIRST) + pick(DIGIT) + pick(DIGIT),
        "AA9": lambda: pick(FIRST) + pick(SECOND) + pick(DIGIT),
        "AA99": lambda: pick(FIRST) + pick(SECOND) + pick(DIGIT) + pick(DIGIT),
        "A9A": lambda: pick(FIRST) + pick(DIGIT) + pick(THIRD_A9A),
        "AA9A": lambda: pick(FIRST) + pick(SECOND) + pick(DIGIT) + pick(FOURTH_AA9A),
    }[shape]()
    inward = pick(DIGIT) + pick(INWARD) + pick(INWARD)
    spaces = " " * draw(st.integers(0, 2))
    postcode = outward + spaces + inward
    case = draw(st.sampled_from(["upper", "lower", "mixed"]))
    if case == "lower":
        postcode = postcode.lower()
    elif case == "mixed":
        postcode = "".join(char.lower() if draw(st.booleans()) else char for char in postcode)
    # Documented exception: a lower-case inward code that reads as an ordinal ("t2 2nd") is English.
    assume(inward.lower() not in {"1st", "2nd", "3rd"} and not (inward[1:] == "TH" and inward[0] in "456789"))
    return postcode


LABEL = r"[a-z][a-z0-9]{0,9}"


@st.composite
def emails(draw) -> str:
    local = draw(st.from_regex(rf"{LABEL}([._+-][a-z0-9]{{1,8}})?", fullmatch=True))
    domain = draw(
        st.one_of(
            st.sampled_from(["nhs.net", "gmail.com", "hotmail.co.uk", "outlook.com", "btinternet.com"]),
            st.from_regex(rf"{LABEL}\.(com|org|net|co\.uk|org\.uk|nhs\.uk|ac\.uk|scot)", fullmatch=True),
        )
    )
    address = f"{local}@{domain}"
    return address.upper() if draw(st.booleans()) and draw(st.booleans()) else address


@st.composite
def spelled_out_emails(draw) -> str:
    local = draw(st.from_regex(LABEL, fullmatch=True))
    provider = draw(st.sampled_from(["nhs", "gmail", "hotmail", "btinternet"]))
    top = draw(st.sampled_from(["net", "com", "co dot uk"]))
    return draw(
        st.sampled_from(
            [
                f"{local} at {provider} dot {top}",
                f"{local}(at){provider}(dot){top.replace(' dot ', '(dot)')}",
                f"{local} [at] {provider} [dot] {top.replace(' dot ', ' [dot] ')}",
            ]
        )
    )


@st.composite
def uk_mobiles(draw) -> str:
    digits = "7" + draw(st.from_regex(r"[0-9]{9}", fullmatch=True))
    return draw(
        st.sampled_from(
            [
                f"0{digits}",
                f"0{digits[:4]} {digits[4:]}",
                f"0{digits[:4]} {digits[4:7]} {digits[7:]}",
                f"+44 {digits[:4]} {digits[4:]}",
                f"+44 (0){digits[:4]} {digits[4:]}",
                f"+44{digits}",
            ]
        )
    )


BIRTH_WORDS = ("DOB", "DOB:", "D.O.B.", "dob", "date of birth", "born on", "Date of birth:", "born on the")


@st.composite
def dates_of_birth(draw) -> str:
    born = draw(st.dates(min_value=datetime.date(1900, 1, 1), max_value=datetime.date(2025, 12, 31)))
    written = draw(
        st.sampled_from(
            [
                born.strftime("%d/%m/%Y"),
                f"{born.day}/{born.month}/{born.year}",
                born.strftime("%d.%m.%Y"),
                born.strftime("%d-%m-%Y"),
                born.strftime("%d/%m/%y"),
                f"{born.day} {born:%B %Y}",
                f"{born.day} {born:%b %Y}",
                born.strftime("%Y-%m-%d"),
            ]
        )
    )
    return f"{draw(st.sampled_from(BIRTH_WORDS))} {written}"


@st.composite
def in_a_sentence(draw, identifiers):
    """(text, start, identifier): the identifier placed between two words of a hard-negative sentence.

    Only between words without digits, so that the neighbours cannot run into it ("500 mg").
    """
    identifier = draw(identifiers)
    words = draw(st.sampled_from(HARD_NEGATIVES)).split(" ")
    slots = [
        index
        for index in range(len(words) + 1)
        if not any(char.isdigit() for word in words[max(0, index - 1) : index + 1] for char in word)
    ]
    index = draw(st.sampled_from(slots))
    before, after = " ".join(words[:index]), " ".join(words[index:])
    text = " ".join(part for part in (before, identifier, after) if part)
    start = len(before) + 1 if before else 0
    assert text[start : start + len(identifier)] == identifier
    return text, start, identifier


def spans(text: str, kind: Kind) -> list[tuple[int, int]]:
    return [(f.start, f.end) for f in scan_text(text).findings if f.kind is kind]


def revealed(masked: str) -> int:
    return sum(char.isalnum() for char in masked)


@PROPERTY
@given(in_a_sentence(st.builds(lambda wrap, number: wrap.format(number), st.sampled_from(WRAPPERS),
                               written_nhs_number(valid_nhs_digits()))))  # fmt: skip
def test_valid_nhs_numbers_are_always_blocked(case):
    text, start, identifier = case
    result = scan_text(text)
    assert result.blocked
    (finding,) = [f for f in result.findings if f.kind is Kind.NHS_NUMBER]
    number = text[finding.start : finding.end]
    assert number in identifier and is_valid_nhs_number(number)
    assert start <= finding.start and finding.end <= start + len(identifier)
    assert revealed(finding.masked) == 5
    digits = "".join(char for char in number if char.isdigit())
    assert "".join(char for char in finding.masked if char.isdigit()) == digits[:3] + digits[-2:]


@PROPERTY
@given(in_a_sentence(written_nhs_number(failing_nhs_digits())))
def test_numbers_failing_modulus_11_are_never_nhs_numbers(case):
    text, _, _ = case
    assert spans(text, Kind.NHS_NUMBER) == []


@PROPERTY
@given(in_a_sentence(written_nhs_number(unissued_nhs_digits())))
def test_numbers_outside_the_issued_ranges_are_never_nhs_numbers(case):
    text, _, _ = case
    assert spans(text, Kind.NHS_NUMBER) == []


@PROPERTY
@given(in_a_sentence(postcodes()))
def test_full_postcodes_are_always_blocked(case):
    text, start, identifier = case
    result = scan_text(text)
    end = start + len(identifier)
    (covering,) = [f for f in result.blocks if f.start <= start and end <= f.end]
    if covering.kind is Kind.POSTCODE:
        assert (covering.start, covering.end) == (start, end)
        assert revealed(covering.masked) <= 4
        assert covering.masked.endswith(" •••")
    else:
        # Written without its space and next to " at england.nhs.uk", a postcode reads as a mailbox
        # ("CH14BJ at …"): still blocked whole, as an email.
        assert covering.kind is Kind.EMAIL
        assert identifier.replace(" ", "") == identifier


@PROPERTY
@given(in_a_sentence(st.one_of(emails(), spelled_out_emails())))
def test_emails_are_always_blocked(case):
    text, start, identifier = case
    result = scan_text(text)
    assert result.blocked
    assert (start, start + len(identifier)) in spans(text, Kind.EMAIL)


@PROPERTY
@given(in_a_sentence(uk_mobiles()))
def test_uk_mobile_numbers_are_always_blocked(case):
    text, start, identifier = case
    assert scan_text(text).blocked
    assert (start, start + len(identifier)) in spans(text, Kind.PHONE)


@PROPERTY
@given(in_a_sentence(dates_of_birth()))
def test_dates_next_to_a_birth_word_are_always_blocked(case):
    text, start, identifier = case
    keyword = max((word for word in BIRTH_WORDS if identifier.startswith(word + " ")), key=len)
    date_start = start + len(keyword) + 1
    assert spans(text, Kind.DATE_OF_BIRTH) == [(date_start, start + len(identifier))]


@PROPERTY
@given(
    in_a_sentence(
        st.one_of(
            written_nhs_number(valid_nhs_digits()),
            postcodes(),
            emails(),
            spelled_out_emails(),
            uk_mobiles(),
            dates_of_birth(),
        )
    )
)
def test_masks_never_reveal_more_than_five_characters(case):
    text, _, _ = case
    for finding in scan_text(text).blocks:
        assert revealed(finding.masked) <= 5, finding.masked
        assert finding.masked in finding.message


@PROPERTY
@given(st.text(max_size=300))
def test_any_text_gives_ordered_non_overlapping_findings_inside_the_text(text):
    findings = scan_text(text).findings
    for finding in findings:
        assert 0 <= finding.start < finding.end <= len(text)
    for earlier, later in zip(findings, findings[1:], strict=False):
        assert earlier.end <= later.start


@PROPERTY
@given(st.text(alphabet="0123456789 -./()+@abcLMNDOBat:", max_size=80))
def test_number_heavy_text_never_fails(text):
    result = scan_text(text)
    for finding in result.findings:
        assert text[finding.start : finding.end].strip() == text[finding.start : finding.end]


SURNAMES = ("Smith", "Okonkwo", "Kowalczyk", "O'Riordan", "McAllister", "Holloway-Reid", "Nguyen", "Begum")
# Accents people type on forenames that the list holds without them.
ACCENTS = {"a": "áà", "e": "éèë", "i": "íï", "o": "óöø", "u": "úü", "c": "ç", "n": "ñ", "L": "Ł"}


@st.composite
def accented_forenames(draw) -> str:
    forename = draw(st.sampled_from(sorted(FORENAMES)))
    return "".join(
        draw(st.sampled_from(char + ACCENTS[char])) if char in ACCENTS else char for char in forename
    )


@st.composite
def name_in_a_sentence(draw):
    """(text, start, name): a full name put before a lower-case word of a hard-negative sentence.

    Before a capitalised word or a place word the name could be part of a place ("the Jane Smith
    team", "Linda McCartney Centre"), which the guard allows on purpose.
    """
    name = f"{draw(accented_forenames())} {draw(st.sampled_from(SURNAMES))}"
    words = draw(st.sampled_from(HARD_NEGATIVES)).split(" ")
    slots = [
        index
        for index in range(1, len(words))
        if words[index][:1].islower() and re.match(r"[a-z]*", words[index]).group() not in PLACE_WORDS
    ]
    assume(slots)
    index = draw(st.sampled_from(slots))
    before = " ".join(words[:index])
    return f"{before} {name} {' '.join(words[index:])}", len(before) + 1, name


@PROPERTY
@given(name_in_a_sentence())
def test_a_listed_forename_before_a_surname_warns_with_or_without_accents(case):
    text, start, identifier = case
    # Overlapping rather than covering: in "the Dr Foster Amy Smith data" the title reading wins.
    overlapping = [f for f in scan_text(text).findings if f.start < start + len(identifier) and start < f.end]
    assert [f.kind for f in overlapping] == [Kind.PERSONAL_NAME], (text, identifier)
    assert not scan_text(text).blocked
