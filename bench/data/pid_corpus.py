"""Writes bench/data/pid_corpus.jsonl: a labelled, synthetic corpus for the PID guard benchmark.

Entirely made up. Each line is {"id", "text", "spans": [{"kind", "start", "end"}]} where kind is one
of nhs_number, postcode, email, phone, date_of_birth, personal_name, full_date (the guard's kinds);
texts with no spans are clinical hard negatives that no guard should flag.

How it is made: sentences in the style of interface concerns (discharge summaries, clinic letters,
referrals, results, 111, prescribing) are written here as frames with slots. Texts with identifiers
fill one to three slots with a generated identifier in one of the spellings people really type:

- NHS numbers: the 999 test range only, valid check digit, spaced, unspaced, dashed, dotted, with
  and without "NHS no".
- Postcodes: real outward codes of Cheshire and Merseyside and elsewhere with an invented inward code,
  upper and lower case, with 0, 1 or 2 spaces.
- Email addresses: invented mailboxes at common providers and nhs.net, some spelled out ("at … dot").
- Phone numbers: Ofcom's ranges for drama (07700 900xxx, 0151 496 0xxx, 020 7946 0xxx, …), spaced,
  unspaced, +44, bracketed, dashed.
- Dates of birth: a birth cue ("DOB", "born on", "date of birth") and a date in one of many shapes.
- Names: titles and surnames, forename and surname, "patient X", "SURNAME, Forename" — from lists
  written here, which are deliberately not the guard's own list of forenames.
- Full dates: appointment, admission and letter dates with a year.

Hard negatives are frames filled only with clinical detail: eponyms, drugs and doses, ODS codes,
bleeps and extensions, wards and buildings (several named after people), times, results, durations
("2/52"), dates without a year. The spans are known by construction, never by running a guard.
Run it again to regenerate (the seed keeps it stable):

    .venv/bin/python bench/data/pid_corpus.py
"""

import json
import random
from pathlib import Path

SEED = 20261129
WITH_IDENTIFIERS = 420
HARD_NEGATIVES = 300
OUTPUT = Path(__file__).with_name("pid_corpus.jsonl")


def words(text: str) -> list[str]:
    return text.split()


TITLES = ["Mr", "Mrs", "Ms", "Miss", "Dr", "Mr.", "Mrs."]
FORENAMES = words("""Margaret Patricia Susan Linda Barbara Elaine Joan Carol Dawn Sandra Tracey Kerry Jade Chantelle
Kayleigh Demi Leanne Zainab Parveen Agnieszka Oluwaseun Chiamaka Siobhan Mairead Bethan Gwen Eilidh
Zoë Chloé Renée Seán Łukasz John David Michael Paul Stephen Gary Wayne Dean Lee Craig Terry Keith
Derek Barry Kevin Mohammed Imran Tariq Rajesh Kwame Emeka Tomasz Piotr Ciaran Dylan Rhys Callum
Bartholomew Ezekiel Tallulah Kehinde Wiktoria Florin Ionela Bogdan Precious""")
SURNAMES = words(
    """Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts Robinson Thompson Wright
Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel Jackson Wood Turner Martin Cooper Hill
Morris Moore Clark Lee King Baker Harrison Morgan Allen James Scott Phillips Watson Parker Price Bennett
Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins Bell Shaw Murphy Miller Cox Khan
Marshall Anderson Simpson Ellis Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason
Ali Hunt Hussain Campbell Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Barker Fisher Stevens
Jenkins Murray Dixon Harvey Nowak Kowalski Okafor Adeyemi Nguyen O'Brien McDonald O'Neill Fitzgerald
Ó Súilleabháin""".replace("Ó Súilleabháin", "Ó_Súilleabháin")
)

OUTWARD = words("""L1 L3 L4 L5 L6 L7 L8 L9 L11 L13 L15 L17 L18 L19 L20 L24 L25 L32 L35 L36 CH41 CH42 CH43 CH44
CH45 CH46 CH49 CH60 CH62 CH63 CH64 CH65 WA1 WA2 WA4 WA5 WA7 WA8 WA9 WA10 WA11 PR8 PR9 WN8 M1 M13 M20
SK10 CW1 B15 LS1 NE1 EC1A SW1A W1A E14 G12 CF10 BT9""")
INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"

MAIL_PROVIDERS = [
    "gmail.com",
    "hotmail.co.uk",
    "outlook.com",
    "yahoo.co.uk",
    "btinternet.com",
    "icloud.com",
    "nhs.net",
]

PHONE_RANGES = [
    ("07700", "900", 3),  # mobile: 07700 900000–900999
    ("0113", "496 0", 3),
    ("0114", "496 0", 3),
    ("0116", "496 0", 3),
    ("0117", "496 0", 3),
    ("0121", "496 0", 3),
    ("0131", "496 0", 3),
    ("0141", "496 0", 3),
    ("0151", "496 0", 3),
    ("0161", "496 0", 3),
    ("020", "7946 0", 3),
    ("01632", "960", 3),
    ("029", "2018 0", 3),
]

MONTHS = words("January February March April May June July August September October November December")

HOSPITALS = [
    "the Royal Liverpool",
    "Aintree University Hospital",
    "Arrowe Park",
    "Whiston Hospital",
    "Southport and Formby District General",
    "Alder Hey",
    "the Walton Centre",
    "Clatterbridge",
    "Warrington Hospital",
    "Leighton Hospital",
    "the Countess of Chester",
    "Broadgreen",
    "Liverpool Women's",
    "Ormskirk District General",
]
WARDS = ["Ward 7B", "Ward 23", "Ward 4", "the Florence Nightingale ward", "Mary Seacole ward", "Daisy Ward",
         "the acute medical unit", "the discharge lounge", "SDEC", "the stroke unit", "Ward 32"]  # fmt: skip
SPECIALTIES = ["cardiology", "respiratory", "gastroenterology", "orthopaedics", "rheumatology", "urology",
               "neurology", "diabetes", "haematology", "dermatology", "ENT", "gynaecology"]  # fmt: skip
DRUGS = ["amoxicillin 500mg tds", "apixaban 5 mg bd", "ramipril 2.5mg od", "furosemide 40 mg om",
         "prednisolone 30mg od", "metformin 1g bd", "co-amoxiclav 625mg tds", "levetiracetam 750 mg bd",
         "clopidogrel 75mg od", "methotrexate 15 mg weekly", "sertraline 50mg on", "enoxaparin 40 mg sc od",
         "paracetamol 1g qds prn", "insulin glargine 10 units at 22:00"]  # fmt: skip
EPONYMS = ["Crohn's disease", "Parkinson's disease", "Addison's disease", "Cushing's syndrome",
           "Hodgkin lymphoma", "Bell's palsy", "Graves' disease", "Alzheimer's disease", "Down's syndrome",
           "Raynaud's", "Barrett's oesophagus", "Guillain-Barré syndrome", "Paget's disease"]  # fmt: skip
ODS = ["N82001", "N81013", "Y02653", "REM", "RBQ", "RBT", "RVY", "RW4", "RBS", "RWW", "N82054"]
NO_YEAR_DATES = ["on 3 March", "on the 12th", "on 14 Feb", "last Tuesday", "on 2 April", "since 5th June",
                 "on Monday", "in January"]  # fmt: skip
RESULTS = ["Hb 102", "eGFR 44", "INR 4.2", "CRP 45", "HbA1c 58 mmol/mol", "Na 134", "K 5.9", "BP 168/98",
           "PSA 6.1", "TSH 0.02", "ALT 210", "platelets 88"]  # fmt: skip
DURATIONS = ["2/52", "6/52", "3/7", "5/7", "3/12", "10 days", "6 weeks", "48 hours", "24 hours"]
STAFF = ["the on-call registrar", "the ward pharmacist", "the consultant", "the SHO", "the discharge co-ordinator",
         "the district nurse", "the practice pharmacist", "the care co-ordinator", "the Dr on call"]  # fmt: skip


def nhs_digits(rng: random.Random) -> str:
    while True:
        first_nine = "999" + "".join(rng.choice("0123456789") for _ in range(6))
        total = sum(int(digit) * weight for digit, weight in zip(first_nine, range(10, 1, -1), strict=True))
        check = 11 - total % 11
        if check == 10:
            continue
        return first_nine + str(0 if check == 11 else check)


def nhs_number(rng: random.Random) -> tuple[str, str]:
    """(lead-in, number): the lead-in is context before the span, not part of it."""
    digits = nhs_digits(rng)
    a, b, c = digits[:3], digits[3:6], digits[6:]
    written = rng.choice(
        [f"{a} {b} {c}", digits, f"{a}-{b}-{c}", f"{a} {b} {c}", f"{a}.{b}.{c}", f"{a} {b}{c}"]
    )
    lead = rng.choice(["NHS number ", "NHS no. ", "NHS No: ", "nhs no ", "NHS# ", "", "", "ref ", "number "])
    return lead, written


def postcode(rng: random.Random) -> str:
    outward = rng.choice(OUTWARD)
    inward = f"{rng.randint(0, 9)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    code = outward + " " * rng.choice([1, 1, 1, 0, 2]) + inward
    return rng.choice([code, code, code, code.lower()])


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FORENAMES), rng.choice(SURNAMES).replace("_", " ")


def email(rng: random.Random) -> str:
    forename, surname = person(rng)
    forename = forename.encode("ascii", "ignore").decode().lower() or "jo"
    surname = surname.encode("ascii", "ignore").decode().lower().replace("'", "").replace(" ", "") or "smith"
    mailbox = rng.choice(
        [
            f"{forename}.{surname}",
            f"{forename[0]}{surname}",
            f"{forename}{surname}{rng.randint(1, 99)}",
            f"{forename}_{surname}",
            f"{surname}.{forename[0]}",
        ]  # fmt: skip
    )
    provider = rng.choice(MAIL_PROVIDERS)
    if rng.random() < 0.2:
        name, _, top = provider.partition(".")
        return rng.choice(
            [f"{mailbox} at {name} dot {top.replace('.', ' dot ')}", f"{mailbox}(at){name}(dot){top}"]
        )
    return f"{mailbox}@{provider}"


def phone(rng: random.Random) -> str:
    area, exchange, tail_length = rng.choice(PHONE_RANGES)
    tail = "".join(rng.choice("0123456789") for _ in range(tail_length))
    national = f"{area} {exchange}{tail}"
    compact = national.replace(" ", "")
    mobile = area.startswith("07")
    shapes = [national, compact, f"+44 {national[1:]}", f"+44 (0){national[1:]}"]
    shapes.append(
        f"{compact[:5]} {compact[5:8]} {compact[8:]}" if mobile else f"({area}) {national[len(area) + 1 :]}"
    )
    if not mobile:
        shapes.append(national.replace(" ", "-"))
    return rng.choice(shapes)


def a_date(rng: random.Random, start_year: int, end_year: int, *, shapes: str = "all") -> str:
    year, month, day = rng.randint(start_year, end_year), rng.randint(1, 12), rng.randint(1, 28)
    suffix = "th" if 11 <= day <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    written = [
        f"{day:02d}/{month:02d}/{year}",
        f"{day}/{month}/{year}",
        f"{day:02d}.{month:02d}.{year}",
        f"{day:02d}-{month:02d}-{year}",
        f"{day} {MONTHS[month - 1]} {year}",
        f"{day}{suffix} {MONTHS[month - 1]} {year}",
        f"{day} {MONTHS[month - 1][:3]} {year}",
        f"{year}-{month:02d}-{day:02d}",
        f"{MONTHS[month - 1]} {day}, {year}",
    ]
    if shapes == "birth":
        written += [f"{day:02d}/{month:02d}/{year % 100:02d}", f"{day:02d}{month:02d}{year}"]
    return rng.choice(written)


def date_of_birth(rng: random.Random) -> tuple[str, str]:
    cue = rng.choice(
        ["DOB ", "DOB: ", "D.O.B. ", "dob ", "date of birth ", "Date of birth: ", "born on ", "born "]
    )
    return cue, a_date(rng, 1925, 2020, shapes="birth")


def full_date(rng: random.Random) -> tuple[str, str]:
    lead = rng.choice(["on ", "dated ", "on ", "from ", "for "])
    return lead, a_date(rng, 2024, 2026)


def personal_name(rng: random.Random) -> str:
    forename, surname = person(rng)
    return rng.choice(
        [
            f"{rng.choice(TITLES)} {surname}",
            f"{rng.choice(TITLES)} {surname}",
            f"{rng.choice(TITLES)} {forename} {surname}",
            f"{forename} {surname}",
            f"{forename} {surname}",
            f"patient {surname}",
            f"{surname.upper()}, {forename}",
        ]
    )


# Frames for texts with identifiers: {x} marks where an identifier (with its lead-in) goes.
FRAMES = [
    "Discharge summary for {x} not received from {hospital}.",
    "The TTO for {x} was missing {drug} when the patient got home.",
    "{x} was discharged from {ward} at {hospital} without a discharge letter.",
    "Clinic letter about {x} took {duration} to arrive from {specialty}.",
    "A&G request about {x} was returned after {duration} with no advice.",
    "e-RS referral for {x} was rejected by {specialty} with no reason given.",
    "Results for {x} ({result}) were sent to the wrong practice.",
    "The 111 Post Event Message for {x} came {duration} late.",
    "The ward asked the GP to chase {x}, but {staff} should have done it.",
    "Please can {hospital} resend the letter for {x}; it was addressed to the old practice.",
    "Referral for {x} bounced back from {ods}.",
    "{x} was told to ring the GP for {drug}, which is a hospital-only drug.",
    "The 2WW referral for {x} was downgraded without telling us.",
    "Letter from {specialty} quotes {x} and asks the GP to arrange bloods in {duration}.",
    "Transport never arrived for {x}, so the {specialty} appointment was missed.",
    "The discharge letter lists {x} and {eponym}, but not the plan.",
    "Community nurses could not visit {x} because the referral was incomplete.",
    "MDT outcome for {x} was not sent to the practice.",
]
# Frames for hard negatives: the same kind of sentence with only clinical detail.
NEGATIVE_FRAMES = [
    "Discharge summary not received from {hospital} after discharge from {ward}.",
    "TTO supplied {drug} for {duration} but the summary said {duration2}.",
    "Clinic letter from {specialty} arrived {duration} after the appointment {no_year_date}.",
    "A&G reply from {specialty} took {duration} and asked the GP to refer anyway.",
    "e-RS shows no slots for {specialty} at {hospital} for {duration}.",
    "The patient with {eponym} was discharged without {drug}.",
    "Bleep {bleep} was not answered {no_year_date}, so the practice rang ext {ext}.",
    "Practice {ods} and trust {ods2} both use the same referral form for {specialty}.",
    "{result} on the day of discharge and no plan for who rechecks it in {duration}.",
    "{staff} at {hospital} asked the GP to prescribe {drug}.",
    "The letter asked the GP to review {eponym} in {duration}, which is a specialist task.",
    "Seen in {ward} at {time}, discharged at {time2} with no TTO.",
    "MDT outcome letter from {specialty} not sent to {ods}.",
    "PEM from 111 arrived {duration} after the call {no_year_date}.",
    "2WW referral for {specialty} rejected via e-RS because the old form was used.",
    "Follow up in {duration} was requested but no appointment was booked at {hospital}.",
    "{staff} said {eponym} monitoring is for primary care, contrary to the shared care agreement.",
    "Discharged from {ward} on {drug}; {result} was not mentioned in the summary.",
]


def _fill(frame: str, rng: random.Random) -> str:
    values = {
        "hospital": rng.choice(HOSPITALS),
        "ward": rng.choice(WARDS),
        "specialty": rng.choice(SPECIALTIES),
        "drug": rng.choice(DRUGS),
        "duration": rng.choice(DURATIONS),
        "duration2": rng.choice(DURATIONS),
        "result": rng.choice(RESULTS),
        "staff": rng.choice(STAFF),
        "ods": rng.choice(ODS),
        "ods2": rng.choice(ODS),
        "eponym": rng.choice(EPONYMS),
        "no_year_date": rng.choice(NO_YEAR_DATES),
        "bleep": str(rng.randint(1000, 9999)),
        "ext": str(rng.randint(2000, 7999)),
        "time": f"{rng.randint(7, 23):02d}:{rng.choice(['00', '15', '30', '45'])}",
        "time2": f"{rng.randint(0, 23):02d}:{rng.choice(['05', '20', '40'])}",
    }
    return frame.format(x="{x}", **values) if "{x}" in frame else frame.format(**values)


def identifier(rng: random.Random, kind: str) -> tuple[str, str]:
    """(lead-in, identifier) for one kind."""
    if kind == "nhs_number":
        return nhs_number(rng)
    if kind == "postcode":
        return rng.choice(["living at ", "from ", "postcode ", "at "]), postcode(rng)
    if kind == "email":
        return rng.choice(["email ", "contact ", "reply to ", ""]), email(rng)
    if kind == "phone":
        return rng.choice(["mobile ", "tel ", "on ", "call ", "landline "]), phone(rng)
    if kind == "date_of_birth":
        return date_of_birth(rng)
    if kind == "full_date":
        return full_date(rng)
    return "", personal_name(rng)


KINDS = ["nhs_number", "postcode", "email", "phone", "date_of_birth", "personal_name", "full_date"]


def labelled_text(rng: random.Random) -> dict:
    frame = _fill(rng.choice(FRAMES), rng)
    kinds = rng.sample(KINDS, rng.choice([1, 1, 1, 2, 2, 3]))
    parts, spans, position = [], [], 0
    for index, kind in enumerate(kinds):
        lead, value = identifier(rng, kind)
        joiner = "" if index == 0 else rng.choice([", ", " ", "; "])
        parts.append(joiner + lead)
        start = position + len(joiner) + len(lead)
        parts.append(value)
        spans.append({"kind": kind, "start": start, "end": start + len(value)})
        position = start + len(value)
    inserted = "".join(parts)
    before, _, after = frame.partition("{x}")
    text = before + inserted + after
    if not before and text[:1].islower() and spans[0]["start"] != 0:
        text = text[0].upper() + text[1:]
    for span in spans:
        span["start"] += len(before)
        span["end"] += len(before)
    return {"text": text, "spans": spans}


def main() -> None:
    rng = random.Random(SEED)
    records = [labelled_text(rng) for _ in range(WITH_IDENTIFIERS)]
    negatives = (_fill(rng.choice(NEGATIVE_FRAMES), rng) for _ in range(HARD_NEGATIVES))
    records += [{"text": text[0].upper() + text[1:], "spans": []} for text in negatives]
    rng.shuffle(records)
    with OUTPUT.open("w", encoding="utf-8") as handle:
        for number, record in enumerate(records, start=1):
            handle.write(json.dumps({"id": f"pid-{number:04d}", **record}, ensure_ascii=False) + "\n")
    print(f"wrote {len(records)} texts to {OUTPUT}")


if __name__ == "__main__":
    main()
