"""The PID guard: find patient-identifiable data in free text before Liaison stores it.

Every free-text field passes through ``scan_text``. It blocks NHS numbers, postcodes, email
addresses, phone numbers and dates of birth, and warns about probable personal names and other full
dates, which the user may confirm. It is deliberately narrow: clinical eponyms, drug doses,
durations, ODS codes, bleeps, extensions, wards, times, years, contract clauses and Dx codes pass.

Decisions (see also the tests, which pin each one):

- A name after "Dr" warns like any other title. Patients can be doctors, and a concern about
  an interface problem rarely needs a colleague's name: the message suggests naming the role.
- Dates only block as dates of birth when a birth word ("DOB", "born", "date of birth",
  "birthday") is within a few words, or when typed as a bare DDMMYYYY token, which in clinical
  free text is almost always a date of birth copied from a clinical system.
- An NHS number must pass the modulus-11 check *and* fall in an issued range, so that a random
  ten-digit number that happens to pass the check is not reported as an NHS number.

- Ten digits grouped in an unusual way ("9990 000 018") only count after an NHS cue ("NHS no.",
  "CHI", "H&C"): without one, such groupings are more often order or referral numbers.
- Forenames are compared without their accents (Zoë, Seán, Łukasz match Zoe, Sean, Lukasz), and
  surnames may carry particles ("de la Cruz", "Ní Bhriain") and print in capitals ("SMITH, Jane").
- A forename on its own ("Jane rang") does not warn: it does not identify a patient by itself, and
  warning on it would flag every sentence that mentions a colleague.

Speed: every pattern is compiled once at import and starts with a character class (boundary checks
come after the first character), so the engine skips ahead instead of trying every position; cheap
gates skip whole detectors when their tell-tale characters are absent; phonenumbers only sees
candidate spans; digit-based detectors are skipped when the text has no digit.
"""

import bisect
import datetime
import logging
import re
import string
import unicodedata
from collections.abc import Iterator
from functools import cache
from importlib import resources

import phonenumbers

from .findings import (
    Finding,
    Kind,
    ScanResult,
    Severity,
    mask_characters,
    mask_digits,
    mask_email,
    mask_name,
    mask_postcode,
)
from .nhs_number import digits_of, in_issued_range, passes_modulus_11

logger = logging.getLogger("liaison.privacy")

__all__ = ["check_patient_reference", "log_detections", "scan_fields", "scan_text"]

_ANY_DIGIT = re.compile(r"[0-9]")
_WORD_CHARACTER = re.compile(r"\w")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- NHS numbers -------------------------------------------------------------------------------

# One optional separator between groups: one or two spaces (also no-break and thin spaces), or a
# dash, dot or slash with at most a space either side.
_NHS_SEPARATOR = r"(?:[ \u00a0\u2009\u202f]{1,2}|[ ]?[./\-\u2010\u2011\u2013][ ]?)?"
# Each separator is optional on its own, so this also finds the 6-4 form in which Scottish CHI numbers
# (date of birth, then four digits) are often written: "120345 1234". The first digit comes before the
# boundary check so that the regular expression engine can skip straight to digits.
_NHS_NUMBER = re.compile(
    rf"[0-9](?<![0-9]{{2}})[0-9]{{2}}{_NHS_SEPARATOR}[0-9]{{3}}{_NHS_SEPARATOR}[0-9]{{4}}(?![0-9])"
)
# After an explicit cue ("NHS no.", "CHI", "H&C number") any grouping counts: "9990 000 018",
# "999 00 00 018", "999_000_0018". Without a cue such groupings are too like other references.
_NHS_CUE = re.compile(
    r"(?:NHS|nhs|Nhs|CHI|H[ ]?&[ ]?C)(?:[ ]*(?:[Nn]o|NO|[Nn]umber|NUMBER|[Nn]um)\b)?\.?(?:[ ]+(?:is|was))?"
    r"[ ]*[:#=\-]?[ ]*"
    r"(?P<number>[0-9](?:(?:[ \u00a0]{1,2}|[ ]?[./_\-\u2010\u2011\u2013][ ]?)?[0-9]){9})(?![0-9])"
)


_ASCII_LETTERS_AND_DIGITS = frozenset(string.ascii_letters + string.digits)


def _nhs_finding(text: str, start: int, end: int) -> Finding:
    return Finding.make(Kind.NHS_NUMBER, start, end, mask_digits(text[start:end], 3, 2))


def _find_nhs_numbers(text: str, found: list[Finding]) -> None:
    for match in _NHS_NUMBER.finditer(text):
        digits = digits_of(match.group())
        if passes_modulus_11(digits) and in_issued_range(digits):
            found.append(_nhs_finding(text, match.start(), match.end()))
    for match in _NHS_CUE.finditer(text):
        if match.start() and text[match.start() - 1] in _ASCII_LETTERS_AND_DIGITS:
            continue  # "SNHS", "ACHI": not a cue
        digits = digits_of(match.group("number"))
        if passes_modulus_11(digits) and in_issued_range(digits):
            found.append(_nhs_finding(text, match.start("number"), match.end("number")))


# --- Postcodes ---------------------------------------------------------------------------------

# The full UK postcode format (outward and inward code, 0–2 spaces, any case), GIR 0AA, British Forces
# (BFPO 1234) and the overseas territories that use UK-style codes (ASCN 1ZZ, TDCU 1ZZ, GX11 1AA …).
# Outward: A9, A99, A9A, AA9, AA99, AA9A with the letters each position can take; inward: 9AA
# without C, I, K, M, O or V. A partial outward code ("L7") never matches.
_POSTCODE = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?:
        GIR[ \u00a0]{0,2}0AA
      | BFPO[ \u00a0]{0,2}[0-9]{1,4}
      | (?:ASCN|STHL|TDCU|BBND|BIQQ|FIQQ|PCRN|SIQQ|TKCA)[ \u00a0]{0,2}1ZZ
      | (?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)
        [ \u00a0]{0,2}
        (?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})
    )
    (?![A-Za-z0-9])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Every postcode ends in a digit and two letters ("8XP", "0AA", "1ZZ") or is a BFPO number: only text
# that has one is searched in full. The gates start with a character class, so the engine skips ahead.
_POSTCODE_GATE = re.compile(r"[0-9][A-Za-z]{2}(?![A-Za-z0-9])")
_BFPO_GATE = re.compile(r"[Bb][Ff][Pp][Oo]")
# "T2 2nd", "S1 1st": a lower-case ordinal after an outward-looking code is English, not a postcode.
_ORDINAL = re.compile(r"1st|2nd|3rd|[4-9]th")


def _find_postcodes(text: str, found: list[Finding]) -> None:
    if _POSTCODE_GATE.search(text) is None and _BFPO_GATE.search(text) is None:
        return
    for match in _POSTCODE.finditer(text):
        inward = match.group("inward")
        if inward and inward.islower() and _ORDINAL.fullmatch(inward):
            continue
        found.append(Finding.make(Kind.POSTCODE, match.start(), match.end(), mask_postcode(match.group())))


# --- Email addresses ---------------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![\w.+'%-])[A-Za-z0-9](?:[\w.+'%-]*\w)?[ ]?@[ ]?"
    r"(?P<domain>[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])"
)
# Obfuscated forms: "jane.doe at nhs dot net", "jane(at)nhs(dot)net", "jane [at] nhs.net". The
# pattern starts at the "at" (a space or a bracket, so most positions fail at once) and the mailbox
# before it is found afterwards, only for the few "at"s followed by something domain-like.
_DOT = r"(?:[ ]*[\[({<][ ]*dot[ ]*[\])}>][ ]*|[ ]+dot[ ]+|\.)"
_SPELLED_DOT = re.compile(r"[\[({<][ ]*dot[ ]*[\])}>]|[ ]dot[ ]", re.IGNORECASE)
_TOP_LEVEL_DOMAINS = r"(?:com|net|org|uk|gov|nhs|ac|co|io|scot|wales|cymru|ie|info|me|email|mail)"
_OBFUSCATED_AT = re.compile(
    rf"(?:(?P<bracketed>[\[({{<][ ]*at[ ]*[\])}}>])[ ]*|[ ]+at[ ]+)"
    rf"(?P<domain>[A-Za-z0-9][A-Za-z0-9-]*(?:{_DOT}[A-Za-z0-9][A-Za-z0-9-]*)*){_DOT}"
    rf"(?P<tld>{_TOP_LEVEL_DOMAINS})(?![A-Za-z0-9]|\.[A-Za-z0-9]|/)",
    re.IGNORECASE,
)
_LOCAL_PART_BEFORE = re.compile(
    rf"(?<![\w.+'-])[A-Za-z0-9][\w+'-]*(?:{_DOT}[A-Za-z0-9][\w+'-]*)*[ ]*\Z", re.IGNORECASE
)
_MAILBOX_LIKE = re.compile(r"[._0-9]")
# Mail providers, for the one ambiguous form: a plain " at " before a real dotted domain.
_MAIL_PROVIDERS = _words(
    """gmail googlemail hotmail outlook live yahoo icloud me btinternet sky aol virginmedia talktalk
    protonmail proton msn ntlworld blueyonder tiscali mail nhs"""
)


def _looks_like_mailbox(local: str, domain: str) -> bool:
    """For "name at example.org": true for "j.doe at …", "jdoe at hotmail.com", "jdoe at nhs.net".

    Ordinary English has "guidance from NHS England at england.nhs.uk" and "available at
    www.nhs.uk", which are web addresses, not email addresses.
    """
    if local.lower() in _NOT_A_MAILBOX or domain.lower().startswith("www."):
        return False
    return bool(_MAILBOX_LIKE.search(local)) or domain.split(".", 1)[0].lower() in _MAIL_PROVIDERS


# Words that come before a plain " at " in ordinary English ("available at nhs.uk").
_NOT_A_MAILBOX = _words(
    """available found seen is are was were be been online look looked looking visit visited published
    located accessible here there info information guidance details website site it them us him her me
    this that which email e-mail emailed mail contact contacted write written letter reply respond sent
    send copied cc advice leaflet leaflets resources resource forms form link links page pages
    listed posted held stored kept shown"""
)


def _ends_a_postcode(found: list[Finding], start: int, end: int) -> bool:
    """Is this "mailbox" part of a postcode already found? In "CH1 4BJ at england.nhs.uk" the
    "4BJ" is a postcode's inward code followed by "at" and a web address, not a mailbox: the
    postcode is blocked whole as a postcode rather than half of it as an email."""
    return any(f.kind is Kind.POSTCODE and f.start < end and start < f.end for f in found)


# Spelled-out forms all have "at" between spaces or brackets: only text with one is searched for them.
_AT_GATE = re.compile(r"[ \[({<][Aa][Tt][ \])}>]")


def _find_emails(text: str, found: list[Finding]) -> None:
    if "@" in text:
        for match in _EMAIL.finditer(text):
            local = match.group().split("@", 1)[0].strip()
            found.append(
                Finding.make(Kind.EMAIL, match.start(), match.end(), mask_email(local, match.group("domain")))
            )
    if _AT_GATE.search(text) is None:
        return
    for match in _OBFUSCATED_AT.finditer(text):
        local_match = _LOCAL_PART_BEFORE.search(text, max(0, match.start() - 80), match.start())
        if local_match is None:
            continue
        local = local_match.group().strip()
        spelled_out = match.group("bracketed") or _SPELLED_DOT.search(match.group())
        if not spelled_out and (
            not _looks_like_mailbox(local, f"{match.group('domain')}.{match.group('tld')}")
            or _ends_a_postcode(found, local_match.start(), local_match.end())
        ):
            continue
        found.append(
            Finding.make(
                Kind.EMAIL, local_match.start(), match.end(), mask_email(local, "." + match.group("tld"))
            )
        )


# --- Phone numbers -----------------------------------------------------------------------------

# Candidates only: UK forms starting 0, (0, +44 or 0044, then digit groups. phonenumbers decides.
# A bleep ("bleep 1234") or extension ("ext 4521") never starts with 0 or +44, so never matches.
# The first character comes before the boundary check so that the engine can skip straight to it.
_PHONE_CANDIDATE = re.compile(
    r"""
    [+(0](?<![\w+].)
    (?:(?<=\+)[ ]?44[ ]?(?:\(0\)[ ]?)?|(?<=\()0|(?<=0)(?:0[ ]?44[ ]?(?:\(0\)[ ]?)?)?)
    [0-9]{1,5}\)?
    (?:[ .\-]?[0-9]{2,6}){1,4}
    (?![0-9])
    """,
    re.VERBOSE,
)
_LAST_PHONE_GROUP = re.compile(r"[ .\-][0-9]+\Z")


_NOT_DIGITS = re.compile(r"[^0-9]+")


def _full_length_national_number(candidate: str) -> bool:
    """True for a ten-digit national number starting 1, 2, 3, 5, 7 or 8, however it is written.

    phonenumbers would parse these and find them possible (a length check) every time, so the
    common case skips the parse: the candidate pattern has already fixed the "0", "+44", "0044" or
    "+44 (0)" in front.
    """
    digits = _NOT_DIGITS.sub("", candidate)
    if candidate[0] == "+" or candidate.startswith("00"):
        digits = digits[4 if candidate[0] == "0" else 2 :]
        if "(0)" in candidate:
            digits = digits[1:]
    else:
        digits = digits[1:]
    return len(digits) == 10 and digits[0] in "123578"


def _is_uk_phone_number(candidate: str) -> bool:
    if _full_length_national_number(candidate):
        return True
    try:
        number = phonenumbers.parse(candidate, "GB")
    except phonenumbers.NumberParseException:
        return False
    if number.country_code != 44:
        return False
    national = str(number.national_number)
    # Lenient for full-length numbers (including Ofcom's drama ranges, 07700 900xxx), which a
    # person typed as a whole number; strict (a number actually in the plan) for shorter ones.
    if len(national) == 10 and national[0] in "123578":
        return phonenumbers.is_possible_number(number)
    return phonenumbers.is_valid_number(number)


def _find_phones(text: str, found: list[Finding]) -> None:
    for match in _PHONE_CANDIDATE.finditer(text):
        candidate = match.group()
        # The candidate may run into following numbers ("07700 900123 15 tablets", "0151 496 0123
        # 999 000 0018"): drop trailing groups until it is a phone number or too short to be one.
        while sum(char.isdigit() for char in candidate) >= 10:
            if _is_uk_phone_number(candidate):
                start = match.start()
                found.append(
                    Finding.make(Kind.PHONE, start, start + len(candidate), mask_digits(candidate, 2, 2))
                )
                break
            last_group = _LAST_PHONE_GROUP.search(candidate)
            if last_group is None:
                break
            candidate = candidate[: last_group.start()]


# --- Dates -------------------------------------------------------------------------------------

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_MONTH_NUMBERS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
# Dates that start with a number. Scanning is two-step for speed: a cheap pattern finds the numbers
# that start a word, and this one is tried only there.
_NUMERIC_DATE = re.compile(
    rf"""
    (?<![\w/.])
    (?:
        (?P<d1>[0-9]{{1,2}})(?P<sep>[/.\-])(?P<m1>[0-9]{{1,2}})(?P=sep)(?P<y1>[0-9]{{4}}|[0-9]{{2}})
            (?![\w/]|[.\-][0-9])
      | (?P<y2>(?:19|20)[0-9]{{2}})-(?P<m2>[0-9]{{2}})-(?P<d2>[0-9]{{2}})(?![\w/]|[.\-][0-9])
      | (?P<d3>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:[ ]+of)?[ ]+(?P<m3>{_MONTH}),?[ ]+(?P<y3>[0-9]{{4}}|'?[0-9]{{2}})
            (?![\w])
      | (?P<d6>[0-9]{{2}})(?P<m6>[0-9]{{2}})(?P<y6>(?:19|20)[0-9]{{2}})(?![\w])
      | (?P<d7>[0-3][0-9])(?P<m7>[01][0-9])(?P<y7>[0-9]{{2}})(?![\w])
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Where a numeric date could start: a number starting a word and followed by a date separator, by a
# word ("12th of March"), or six or eight digits in all. Most numbers in clinical text fail this.
_NUMBER_STARTS_WORD = re.compile(
    r"[0-9](?<![\w/.].)(?=[0-9]{0,3}[/.\-][0-9]|[0-9]?(?:st|nd|rd|th)?(?:[ ]+of)?[ ]+[A-Za-z]|[0-9]{5}(?:[0-9]{2})?(?!\w))"
)
# Dates that start with the month ("March 4, 1977", "July 1944") all end in a four-digit year.
_MONTH_FIRST_DATE = re.compile(
    rf"""
    (?<![\w/.])
    (?P<m4>{_MONTH})[ ]+
    (?:(?P<d4>[0-9]{{1,2}})(?:st|nd|rd|th)?,?[ ]+(?P<y4>[0-9]{{4}})|(?P<y5>(?:19|20)[0-9]{{2}}))(?![\w])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# A four-digit number on its own: the year that every month-first date ends with.
_YEAR = re.compile(r"[0-9](?<![0-9].)[0-9]{3}(?![0-9])")
# "September 30th, " is the longest text a month-first date has before its year.
_MONTH_FIRST_REACH = 24
_BIRTH_WORDS = re.compile(
    r"\b(?:d\.?[ ]?o\.?[ ]?b\b\.?|date[ ]+of[ ]+birth|born|birthday|birth[ ]?date)", re.IGNORECASE
)
# "12/03/1956 (DOB)", "12/03/1956 is her date of birth": a birth word just after the date.
_BIRTH_WORD_AFTER = re.compile(
    r"[ ]*[(\-–,:]?[ ]*(?:[A-Za-z']+[ ]+){0,3}(?:d\.?[ ]?o\.?[ ]?b\b|date[ ]+of[ ]+birth|birthday)",
    re.IGNORECASE,
)
_DATE_FOLLOWS = re.compile(r"[ :.\-]*[0-9]")
_NEAR_WORDS = 4


_DATE_PARTS = (
    ("d1", "m1", "y1"),
    ("d2", "m2", "y2"),
    ("d3", "m3", "y3"),
    ("d4", "m4", "y4"),
    ("d6", "m6", "y6"),
    ("d7", "m7", "y7"),
)


def _date_shape(match: re.Match) -> str:
    """What kind of date a match is.

    "full"; "bare" (a DDMMYYYY token); "partial", only a date of birth next to a birth word (month
    and year, "March 1956"; a written month with a two-digit year, "12 Mar 56", which could as well
    be "3 May 10 patients"; or six digits, "120356", which could as well be a lab number); or
    "impossible" (not a real date).
    """
    groups = match.groupdict()
    y3 = groups.get("y3")
    if groups.get("y5") or (y3 and len(y3.lstrip("'")) == 2):
        return "partial"
    for day_key, month_key, year_key in _DATE_PARTS:
        if groups.get(day_key) is None:
            continue
        month_text = groups[month_key].lower().rstrip(".")
        month = _MONTH_NUMBERS.get(month_text) or (int(month_text) if month_text.isdigit() else 0)
        year_text = groups[year_key].lstrip("'")
        # Two-digit years: check against a leap year so 29/02/xx is never rejected.
        year = int(year_text) if len(year_text) == 4 else 2000
        try:
            datetime.date(max(year, 1), month, int(groups[day_key]))
        except ValueError:
            return "impossible"
        return {"d6": "bare", "d7": "partial"}.get(day_key, "full")
    return "impossible"


def _near_birth_word(text: str, start: int, end: int, birth_words: list[re.Match]) -> bool:
    for word in birth_words:
        if word.end() <= start:
            gap = text[word.end() : start]
            # Close, in the same sentence, and with no other number (or date) in between.
            if (
                len(gap) <= 40
                and len(gap.split()) <= _NEAR_WORDS
                and "." not in gap.strip(" .:")
                and not _ANY_DIGIT.search(gap)
            ):
                return True
        elif word.start() >= end:
            break
    # "12/03/1956 (DOB)"; but in "14/02/2026 asked DOB 01/01/2000" the birth word has its own date.
    after = _BIRTH_WORD_AFTER.match(text, end)
    return after is not None and _DATE_FOLLOWS.match(text, after.end()) is None


def _date_matches(text: str) -> Iterator[re.Match]:
    """Every date-shaped match, in order: numeric forms first found where a number starts a word."""
    end = 0
    for start in _NUMBER_STARTS_WORD.finditer(text):
        if start.start() < end:
            continue
        match = _NUMERIC_DATE.match(text, start.start())
        if match is not None:
            end = match.end()
            yield match
    # Month-first dates are found from their year backwards, so text without one costs one scan.
    for year in _YEAR.finditer(text):
        after = year.end()
        match = _MONTH_FIRST_DATE.search(text, max(0, year.start() - _MONTH_FIRST_REACH), after)
        if match is not None and match.end() == after and not _WORD_CHARACTER.match(text, after):
            yield match


def _find_dates(text: str, found: list[Finding]) -> None:
    birth_words: list[re.Match] | None = None
    for match in _date_matches(text):
        shape = _date_shape(match)
        if shape == "impossible":
            continue
        if birth_words is None:
            birth_words = list(_BIRTH_WORDS.finditer(text))
        if shape == "bare" or _near_birth_word(text, match.start(), match.end(), birth_words):
            kind = Kind.DATE_OF_BIRTH
        elif shape == "full":
            kind = Kind.FULL_DATE
        else:
            continue  # a partial date ("since March 2024") is not identifying on its own
        found.append(Finding.make(kind, match.start(), match.end(), mask_characters(match.group(), 2, 2)))


# --- Personal names ----------------------------------------------------------------------------

# A name word: Smith, O'Neill, D'Souza, McDonald, McDONALD, Smith-Jones, or SMITH as clinical systems
# print surnames. Letters include Latin-1 and Latin Extended-A (Zoë, Sørensen, Łukasz, Wiśniewski);
# Extended-A mixes cases in one range, so it counts as both, which is close enough for names.
_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_LOWER = "a-zß-öø-ÿ\u0100-\u017f"
_NAME_WORD = (
    rf"(?:[{_UPPER}][{_LOWER}]+(?:['’][{_UPPER}][{_LOWER}]+|[{_UPPER}][{_LOWER}]+)?"
    rf"|[ODL]['’][{_UPPER}][{_LOWER}]+|Ma?c[{_UPPER}]{{2,}}"
    rf"|[{_UPPER}]{{2,}}(?:['’][{_UPPER}]+)?)(?:-[{_UPPER}][{_LOWER}{_UPPER}]+)?"
)
# Lower-case parts of surnames: "de Souza", "van der Berg", "bin Salman", "Ní Bhriain", "Ó Súilleabháin".
_PARTICLE_WORDS = _words(
    "de da di du del della dos van von der den ten ter le la bin ibn al el ap Ó Ní Nic Uí"
)
_PARTICLE = "(?:" + "|".join(sorted(_PARTICLE_WORDS, key=len, reverse=True)) + ")"
_SURNAME = rf"(?:{_PARTICLE}[ ]+){{0,2}}{_NAME_WORD}"
_NAMES = rf"(?P<names>{_SURNAME}(?:[ ]+{_SURNAME})?)(?![\w])"
# Titles are case-sensitive: "MS" is multiple sclerosis (or Microsoft), "MR" mitral regurgitation, so
# the upper-case forms only count before an upper-case listed forename ("MR JOHN SMITH"). The pattern
# starts with the title itself (the engine skips to its first letters); the word boundary before it is
# checked in Python.
_TITLED_NAME = re.compile(
    rf"(?P<lead>Mrs|Mr|Ms|Miss|Mx|Dr|Master|Professor|Prof|Sir|Dame|Revd|Rev|MRS|MISS|MR|MS|MX|DR)\.?[ ]+"
    rf"(?P<initials>(?:[{_UPPER}]\.?[ ]+){{0,2}}){_NAMES}"
)
_UPPER_CASE_TITLES = frozenset(("MR", "MS", "MX", "DR"))
_PATIENT_NAME = re.compile(rf"(?P<lead>[Pp](?<![\w].)(?:atient|t\.?))(?:[ ]*:)?[ ]+{_NAMES}")
# A capitalised word followed by a name word: the first is checked against the forename list in
# Python, which is cheaper than an alternation of 400 names. The lookahead lets pairs overlap.
_FORENAME_PAIR = re.compile(
    rf"(?P<lead>[{_UPPER}](?<![\w'’\-].)[{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)(?=[ ]+{_NAMES})"
)
# As clinical systems print a patient: "SMITH, Jane", "O'BRIEN, Mary Ann".
_SURNAME_FIRST = re.compile(
    rf"(?P<surname>[{_UPPER}](?<![\w'’\-].)[{_UPPER}]*(?:['’\-][{_UPPER}]{{2,}})?),[ ]*"
    rf"(?P<lead>[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)(?![\w])"
)
_NAME_PART = re.compile(r"\S+")
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
_FOLLOWING_WORD = re.compile(r"(['’]s?)?[ ]+([A-Za-z]+)")


@cache
def _forenames() -> frozenset[str]:
    lines = resources.files("liaison.privacy").joinpath("data/forenames.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in lines.splitlines() if line.strip() and not line.startswith("#"))


FORENAMES = _forenames()

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = str.maketrans(
    {"ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae"}
)


def _fold(word: str) -> str:
    """The word without accents, for comparing with the list: Zoë → Zoe, Łukasz → Lukasz, Seán → Sean."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_UNDECOMPOSED))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_FOLDED_FORENAMES = frozenset(_fold(name) for name in FORENAMES)


def _is_forename(word: str) -> bool:
    """True for a listed forename, with or without accents, or a double one: "Mary-Jane", "Anne-Marie"."""
    if word in FORENAMES:
        return True
    if not word.isascii():
        return _is_forename(_fold(word)) if _fold(word) != word else False
    return "-" in word and any(part in FORENAMES for part in word.split("-"))


# Words that make a "name" part of a place: "Florence Nightingale ward", "Linda McCartney Centre".
_PLACE_WORDS = _words(
    """ward wards unit units wing building house centre center hospital hospitals suite lodge clinic
    clinics practice surgery surgeries medical health court road street lane avenue drive way close
    hall block theatre theatres institute trust foundation memorial hospice room department service
    services infirmary library park place square gardens terrace crescent grove pavilion tower campus
    site annexe annex floor level corridor entrance outpatients lounge bay team teams partnership
    network board university college school academy hub cottage conservatory museum gallery chapel
    church mosque temple station stadium arena market pharmacy chemist bridge dock docks quay wharf
    estate village farm manor mill"""
)
# Organisations and things named after people, which clinicians mention often: "Marie Curie nurses",
# "a Jack Russell bite".
_NAMED_AFTER_PEOPLE = frozenset(
    (
        "Marie Curie",
        "Florence Nightingale",
        "Mary Seacole",
        "Linda McCartney",
        "Ronald McDonald",
        "Dr Foster",
        "Jack Russell",
        "Sue Ryder",
        "Douglas Macmillan",
        "Michael Sobell",
        "Elizabeth Garrett Anderson",
        "Alexander Fleming",
    )
)
# Capitalised words that follow a title, "patient" or a forename but are not names.
_NOT_NAMES = _words(
    """Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
    July August September October November December On Call Registrar Consultant Patient Patients Index
    Data Copy List Lists Record Records Teams Team Please Can Could Would Should Will Who The This That
    And Or But With Without For From In At To Of Transport Advice Liaison Access Safety Experience
    Participation Group Groups Portal Online Information Leaflet Leaflets Choice Pathway Passport Tracking
    Demographic Demographics Identifier Summary Care Flow Initiated Led Reported Outcome Outcomes Feedback
    Service Services Director Directions Direction Knows Line Journey Panel Voice Forum Council
    Environment Transfer Transfers Charter Champion Champions Initiative Reference Number Numbers
    Details Name Names Letter Letters Discharge Referral Referrals Admission Clinic Appointment
    Appointments Review Reviews Notes Note Medication Medications Prescription Prescriptions Request
    Requests Hospital Practice Surgery Ward Unit Centre Trust Health Medical General Primary Secondary
    Community Mental Emergency Urgent Acute Consultants Doctors Doctor Nurse Nurses Children Childrens
    Women Womens Royal Queen Saint St District Teaching County First Contact Zoom Kardex
    GP GPs NHS ICB ICS PCN PCNs CCG ED AE SDEC OOH MDT AMU CDU ITU ICU HDU EPR EPS EMIS TPP SCR GMC BMA
    LMC TTO TTA PALS ICE PDS ODS CQC UK UKHSA CT MRI CXR ECG BP FBC UE LFT INR CRP HbA1c PSA DNA
    Is Was Were Has Had Have Does Did Do Not No Says Said Went Attended Needs Needed Declined Refused
    Died Rang Called Asked Told Wants Wanted Office Teams Word Excel Outlook"""
)
_NOT_NAMES_LOWER = frozenset(word.lower() for word in _NOT_NAMES) | _PLACE_WORDS
_EPONYMS = _words(
    """addison alzheimer asperger barrett bell crohn cushing down graves hashimoto hodgkin huntington
    kaposi meniere parkinson raynaud reiter sjogren sjögren tourette wilson wernicke korsakoff guillain
    barre barré dupuytren osgood perthes paget bowen"""
)


def _is_name_word(word: str) -> bool:
    if word.isupper() and len(word) < 3:
        return False
    return word.lower() not in _NOT_NAMES_LOWER


def _is_place(text: str, end: int) -> bool:
    """True when the words after a name make it part of a place.

    "Florence Nightingale ward", "Linda McCartney Centre", "Jenny Lind Children's Hospital": up to
    three following words are read while they are capitalised. "Jane Smith's hospital appointment"
    is not a place: after a possessive, only a capitalised place word counts.
    """
    position = end
    for _ in range(3):
        match = _FOLLOWING_WORD.match(text, position)
        if match is None:
            return False
        possessive, word = match.groups()
        if word.lower() in _PLACE_WORDS:
            return word[0].isupper() or not possessive
        if not word[0].isupper():
            return False
        position = match.end()
    return False


def _leading_names(text: str, match: re.Match) -> tuple[list[str], int]:
    """The name words at the start of ``names`` (stopping at a non-name), and where they end."""
    names: list[str] = []
    end = match.start("names")
    for part in _NAME_PART.finditer(text, match.start("names"), match.end("names")):
        word = part.group()
        if word in _PARTICLE_WORDS:
            names.append(word)
            continue
        if not _is_name_word(word):
            break
        if word.lower() in _EPONYMS and _POSSESSIVE_AFTER.match(text, part.end()):
            break  # Parkinson's, Graves' disease
        names.append(word)
        end = part.end()
    while names and names[-1] in _PARTICLE_WORDS:
        names.pop()  # "Mr de Ward": the particle belongs to no name
    return names, end


def _starts_a_word(text: str, start: int) -> bool:
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_'’-")


# Each finder yields (match, end of the name, masked form) for the names it finds.
NameFinds = Iterator[tuple[re.Match, int, str]]


def _titled_names(text: str) -> NameFinds:
    for match in _TITLED_NAME.finditer(text):
        lead = match.group("lead")
        if not _starts_a_word(text, match.start()):
            continue
        names, end = _leading_names(text, match)
        if not names:
            continue
        if lead in _UPPER_CASE_TITLES and not (names[0].isupper() and _is_forename(names[0].title())):
            continue  # "MR severe", "MS relapse", "DR" as an abbreviation
        initials = [initial.strip(". ") for initial in match.group("initials").split()]
        yield match, end, mask_name(lead, initials + names)


def _patient_names(text: str) -> NameFinds:
    for match in _PATIENT_NAME.finditer(text):
        names, end = _leading_names(text, match)
        if names and not names[0].isupper():  # "patient DNA'd", "patient GP": acronyms, not names
            yield match, end, mask_name("", names)


def _forename_pairs(text: str) -> NameFinds:
    for match in _FORENAME_PAIR.finditer(text):
        lead = match.group("lead")
        if _is_forename(lead):
            names, end = _leading_names(text, match)
            if names:
                yield match, end, mask_name("", [lead, *names])


def _find_names(text: str, found: list[Finding]) -> None:
    """Four ways in: a title ("Mrs Jones"), the word patient ("patient Jones"), a listed forename
    before a name ("Jane Smith"), and a surname in capitals before a listed forename ("SMITH, Jane")."""
    for finder in (_titled_names, _patient_names, _forename_pairs):
        for match, end, masked in finder(text):
            if _is_place(text, end) or text[match.start() : end] in _NAMED_AFTER_PEOPLE:
                continue
            found.append(Finding.make(Kind.PERSONAL_NAME, match.start(), end, masked))
    for match in _SURNAME_FIRST.finditer(text):
        surname, forename = match.group("surname"), match.group("lead")
        if _is_forename(forename) and _is_name_word(surname) and surname.lower() not in _PLACE_WORDS:
            found.append(
                Finding.make(
                    Kind.PERSONAL_NAME, match.start(), match.end(), mask_name("", [surname, forename])
                )
            )


# --- Putting it together -----------------------------------------------------------------------

_PRIORITY = {
    Kind.NHS_NUMBER: 0,
    Kind.DATE_OF_BIRTH: 1,
    Kind.PHONE: 2,
    Kind.EMAIL: 3,
    Kind.POSTCODE: 4,
    Kind.FULL_DATE: 5,
    Kind.PERSONAL_NAME: 6,
}


def _resolve(candidates: list[Finding]) -> list[Finding]:
    """Keep one finding per stretch of text: blocks before warnings, then the more specific kind.

    ``kept`` stays sorted and non-overlapping, so only a candidate's neighbours need checking.
    """
    if len(candidates) < 2:
        return candidates
    kept: list[Finding] = []
    starts: list[int] = []
    for candidate in sorted(candidates, key=lambda f: (_PRIORITY[f.kind], f.start - f.end, f.start)):
        index = bisect.bisect_left(starts, candidate.start)
        if index > 0 and kept[index - 1].end > candidate.start:
            continue
        if index < len(kept) and kept[index].start < candidate.end:
            continue
        kept.insert(index, candidate)
        starts.insert(index, candidate.start)
    return kept


def scan_text(text: str) -> ScanResult:
    """Find patient-identifiable data in one free-text value.

    ``result.blocked`` means the text must not be saved as it is; ``result.warnings`` need the
    user to confirm. Each finding's ``start``/``end`` index the original ``text``.
    """
    if not text:
        return ScanResult([])
    found: list[Finding] = []
    if _ANY_DIGIT.search(text):
        _find_nhs_numbers(text, found)
        _find_phones(text, found)
        _find_postcodes(text, found)
        _find_dates(text, found)
    _find_emails(text, found)
    _find_names(text, found)
    return ScanResult(_resolve(found))


def scan_fields(fields: dict[str, str]) -> dict[str, ScanResult]:
    """Scan several fields at once: ``{"summary": "...", "detail": "..."}`` → result per field."""
    return {name: scan_text(value or "") for name, value in fields.items()}


_REFERENCE_NUMBER = re.compile(r"[0-9][0-9 .\-\u00a0]*[0-9]")


def check_patient_reference(text: str) -> list[Finding]:
    """Problems with a local patient reference (EMIS, SystmOne or Vision number, hospital number).

    The reference must identify the patient only inside the organisation's own system, so it must
    not be an NHS number (in any range, with or without separators: a ten-digit number with a valid
    check digit is treated as one here), an email address, a phone number, a postcode or a date.
    A date in this field is taken to be a date of birth.
    """
    value = text or ""
    findings: list[Finding] = []
    for match in _REFERENCE_NUMBER.finditer(value):
        digits = digits_of(match.group())
        if digits.isdigit() and passes_modulus_11(digits):
            findings.append(
                Finding.make(Kind.NHS_NUMBER, match.start(), match.end(), mask_digits(match.group(), 3, 2))
            )
    for finding in scan_text(value).findings:
        if finding.kind is Kind.FULL_DATE:
            finding = Finding.make(Kind.DATE_OF_BIRTH, finding.start, finding.end, finding.masked)
        if finding.severity is Severity.BLOCK:
            findings.append(finding)
    return _resolve(findings)


def log_detections(field_name: str, result: ScanResult) -> None:
    """Record that the guard found something, its kind and the field: never the text itself."""
    for finding in result.findings:
        level = logging.WARNING if finding.severity is Severity.BLOCK else logging.INFO
        logger.log(
            level,
            "PID guard %s: %s in field %s",
            finding.severity.value,
            finding.kind.value,
            field_name,
            extra={
                "pid_kind": finding.kind.value,
                "pid_severity": finding.severity.value,
                "pid_field": field_name,
            },
        )
