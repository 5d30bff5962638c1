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

Speed: every pattern is compiled once at import; each runs once over the text; phonenumbers only
sees candidate spans; digit-based detectors are skipped when the text has no digit.
"""

import bisect
import datetime
import logging
import re
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


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- NHS numbers -------------------------------------------------------------------------------

# One optional separator between groups: one or two spaces (also no-break and thin spaces), or a
# dash or dot with at most a space either side.
_NHS_SEPARATOR = r"(?:[ \u00a0\u2009\u202f]{1,2}|[ ]?[.\-\u2010\u2011\u2013][ ]?)?"
# Each separator is optional on its own, so this also finds the 6-4 form in which Scottish CHI numbers
# (date of birth, then four digits) are often written: "120345 1234".
_NHS_NUMBER = re.compile(
    rf"(?<![0-9])[0-9]{{3}}{_NHS_SEPARATOR}[0-9]{{3}}{_NHS_SEPARATOR}[0-9]{{4}}(?![0-9])"
)


def _find_nhs_numbers(text: str, found: list[Finding]) -> None:
    for match in _NHS_NUMBER.finditer(text):
        digits = digits_of(match.group())
        if passes_modulus_11(digits) and in_issued_range(digits):
            found.append(
                Finding.make(Kind.NHS_NUMBER, match.start(), match.end(), mask_digits(match.group(), 3, 2))
            )


# --- Postcodes ---------------------------------------------------------------------------------

# The full UK postcode format (outward and inward code, 0–2 spaces, any case), and GIR 0AA.
# Outward: A9, A99, A9A, AA9, AA99, AA9A with the letters each position can take; inward: 9AA
# without C, I, K, M, O or V. A partial outward code ("L7") never matches.
_POSTCODE = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?:
        GIR[ \u00a0]{0,2}0AA
      | (?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRVWXY]?)
        [ \u00a0]{0,2}
        (?P<inward>[0-9][ABD-HJLNP-UW-Z]{2})
    )
    (?![A-Za-z0-9])
    """,
    re.IGNORECASE | re.VERBOSE,
)
# "T2 2nd", "S1 1st": a lower-case ordinal after an outward-looking code is English, not a postcode.
_ORDINAL = re.compile(r"1st|2nd|3rd|[4-9]th")


def _find_postcodes(text: str, found: list[Finding]) -> None:
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


def _find_emails(text: str, found: list[Finding]) -> None:
    if "@" in text:
        for match in _EMAIL.finditer(text):
            local = match.group().split("@", 1)[0].strip()
            found.append(
                Finding.make(Kind.EMAIL, match.start(), match.end(), mask_email(local, match.group("domain")))
            )
    for match in _OBFUSCATED_AT.finditer(text):
        local_match = _LOCAL_PART_BEFORE.search(text, max(0, match.start() - 80), match.start())
        if local_match is None:
            continue
        local = local_match.group().strip()
        spelled_out = match.group("bracketed") or _SPELLED_DOT.search(match.group())
        if not spelled_out and not _looks_like_mailbox(
            local, f"{match.group('domain')}.{match.group('tld')}"
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
_PHONE_CANDIDATE = re.compile(
    r"""
    (?<![\w+])
    (?:(?:\+|00)[ ]?44[ ]?(?:\(0\)[ ]?)?|\(0|0)
    [0-9]{1,5}\)?
    (?:[ .\-]?[0-9]{2,6}){1,4}
    (?![0-9])
    """,
    re.VERBOSE,
)
_LAST_PHONE_GROUP = re.compile(r"[ .\-]?[0-9]{2,6}\Z")


def _is_uk_phone_number(candidate: str) -> bool:
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
        # The candidate may run into following numbers ("07700 900123 15 tablets"): drop trailing
        # groups until it is a phone number or too short to be one.
        for _ in range(4):
            if sum(char.isdigit() for char in candidate) < 10:
                break
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
# One pass for every date form. The lookaheads after the lookbehind send each position straight to
# the numeric or the month-name forms, which keeps this the cheapest way to find all of them at once.
_DATE = re.compile(
    rf"""
    (?<![\w/.])
    (?:
        (?=[0-9])
        (?:
            (?P<d1>[0-9]{{1,2}})(?P<sep>[/.\-])(?P<m1>[0-9]{{1,2}})(?P=sep)(?P<y1>[0-9]{{4}}|[0-9]{{2}})
                (?![\w/]|[.\-][0-9])
          | (?P<y2>(?:19|20)[0-9]{{2}})-(?P<m2>[0-9]{{2}})-(?P<d2>[0-9]{{2}})(?![\w/]|[.\-][0-9])
          | (?P<d3>[0-9]{{1,2}})(?:st|nd|rd|th)?(?:[ ]+of)?[ ]+(?P<m3>{_MONTH}),?[ ]+(?P<y3>[0-9]{{4}}|'?[0-9]{{2}})
                (?![\w])
          | (?P<d6>[0-9]{{2}})(?P<m6>[0-9]{{2}})(?P<y6>(?:19|20)[0-9]{{2}})(?![\w])
        )
      | (?=[jfmasond])
        (?P<m4>{_MONTH})[ ]+
        (?:(?P<d4>[0-9]{{1,2}})(?:st|nd|rd|th)?,?[ ]+(?P<y4>[0-9]{{4}})|(?P<y5>(?:19|20)[0-9]{{2}}))(?![\w])
    )
    """,
    re.IGNORECASE | re.VERBOSE,
)
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
)


def _date_shape(match: re.Match) -> str:
    """What kind of date a match is.

    "full"; "bare" (a DDMMYYYY token); "partial", only a date of birth next to a birth word (month
    and year, "March 1956", or a written month with a two-digit year, "12 Mar 56", which could as
    well be "3 May 10 patients"); or "impossible" (not a real date).
    """
    groups = match.groupdict()
    if groups["y5"] or (groups["y3"] and len(groups["y3"].lstrip("'")) == 2):
        return "partial"
    for day_key, month_key, year_key in _DATE_PARTS:
        if groups[day_key] is None:
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
        return "bare" if day_key == "d6" else "full"
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


def _find_dates(text: str, found: list[Finding]) -> None:
    birth_words: list[re.Match] | None = None
    for match in _DATE.finditer(text):
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

# A name word: Smith, O'Neill, McDonald, Smith-Jones, or SMITH as clinical systems print surnames.
# Letters include Latin-1 and Latin Extended-A (Zoë, Sørensen, Łukasz, Wiśniewski); Extended-A mixes
# cases in one range, so it counts as both, which is close enough for names.
_UPPER = "A-ZÀ-ÖØ-Þ\u0100-\u017f"
_LOWER = "a-zß-öø-ÿ\u0100-\u017f"
_NAME_WORD = (
    rf"(?:[{_UPPER}][{_LOWER}]+(?:['’][{_UPPER}][{_LOWER}]+|[{_UPPER}][{_LOWER}]+)?|O['’][{_UPPER}][{_LOWER}]+"
    rf"|[{_UPPER}]{{2,}}(?:['’][{_UPPER}]+)?)(?:-[{_UPPER}][{_LOWER}{_UPPER}]+)?"
)
_NAMES = rf"(?P<names>{_NAME_WORD}(?:[ ]+{_NAME_WORD})?)(?![\w])"
# Titles are case-sensitive: "MS" is multiple sclerosis (or Microsoft), "MR" mitral regurgitation.
_TITLED_NAME = re.compile(
    rf"\b(?P<lead>Mrs|Mr|Ms|Miss|Mx|Dr|Master|Professor|Prof|MRS|MISS)\.?[ ]+"
    rf"(?P<initials>(?:[{_UPPER}]\.?[ ]+){{0,2}}){_NAMES}"
)
_PATIENT_NAME = re.compile(rf"\b(?P<lead>[Pp]atient|[Pp]t)(?:[ ]*:)?[ ]+{_NAMES}")
# A capitalised word followed by a name word: the first is checked against the forename list in
# Python, which is cheaper than an alternation of 400 names. The lookahead lets pairs overlap.
_FORENAME_PAIR = re.compile(rf"\b(?P<lead>[A-Z][{_LOWER}]+)(?=[ ]+{_NAMES})")
_NAME_PART = re.compile(r"\S+")
_POSSESSIVE_AFTER = re.compile(r"['’]s?\b")
_FOLLOWING_WORD = re.compile(r"(['’]s?)?[ ]+([A-Za-z]+)")


@cache
def _forenames() -> frozenset[str]:
    lines = resources.files("liaison.privacy").joinpath("data/forenames.txt").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in lines.splitlines() if line.strip() and not line.startswith("#"))


FORENAMES = _forenames()

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
# Organisations named after people, which clinicians mention often: "Marie Curie nurses".
_NAMED_ORGANISATIONS = frozenset(
    ("Marie Curie", "Florence Nightingale", "Mary Seacole", "Linda McCartney", "Ronald McDonald", "Dr Foster")
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
    LMC TTO TTA PALS ICE PDS ODS CQC UK UKHSA CT MRI CXR ECG BP FBC UE LFT INR CRP HbA1c PSA DNA"""
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
        if not _is_name_word(word):
            break
        if word.lower() in _EPONYMS and _POSSESSIVE_AFTER.match(text, part.end()):
            break  # Parkinson's, Graves' disease
        names.append(word)
        end = part.end()
    return names, end


def _find_names(text: str, found: list[Finding]) -> None:
    """Three ways in: a title ("Mrs Jones"), the word patient ("patient Jones"), a listed forename."""
    for pattern in (_TITLED_NAME, _PATIENT_NAME, _FORENAME_PAIR):
        for match in pattern.finditer(text):
            lead = match.group("lead")
            if pattern is _FORENAME_PAIR and lead not in FORENAMES:
                continue
            names, end = _leading_names(text, match)
            if not names or _is_place(text, end) or text[match.start() : end] in _NAMED_ORGANISATIONS:
                continue
            if pattern is _TITLED_NAME:
                initials = [initial.strip(". ") for initial in match.group("initials").split()]
                masked = mask_name(lead, initials + names)
            elif pattern is _PATIENT_NAME:
                if names[0].isupper():
                    continue  # "patient DNA'd", "patient GP": acronyms, not names
                masked = mask_name("", names)
            else:
                masked = mask_name("", [lead, *names])
            found.append(Finding.make(Kind.PERSONAL_NAME, match.start(), end, masked))


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
