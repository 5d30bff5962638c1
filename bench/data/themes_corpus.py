"""Writes bench/data/themes_corpus.jsonl: a labelled, synthetic corpus of interface concerns.

Entirely made up: no patient, person or real event. Each line is {"id", "text", "theme", "standard"},
eleven themes each tied to the standard it is about. Each text is one core sentence written for its
theme, with the details (specialty, test, medicine, days) filled in and, often, a sentence that any
concern might carry (impact, frequency, a request) before or after, so that themes share words the
way real concerns do. Run it again to regenerate (the seed keeps it stable):

    .venv/bin/python bench/data/themes_corpus.py
"""

import json
import random
from pathlib import Path

SEED = 20261129
PER_THEME = 40

SPECIALTIES = [
    "cardiology",
    "respiratory",
    "gastroenterology",
    "orthopaedics",
    "dermatology",
    "rheumatology",
    "urology",
    "gynaecology",
    "ENT",
    "neurology",
    "diabetes",
    "renal",
    "haematology",
    "paediatrics",
    "ophthalmology",
    "general surgery",
    "care of the elderly",
    "memory clinic",
    "mental health",
]
TESTS = [
    "MRI",
    "CT scan",
    "ultrasound",
    "blood tests",
    "echocardiogram",
    "biopsy",
    "ECG",
    "X-ray",
    "thyroid function tests",
    "HbA1c",
    "liver function tests",
    "urine culture",
    "Holter monitor",
]
MEDICINES = [
    "antibiotics",
    "insulin",
    "apixaban",
    "methotrexate",
    "lithium",
    "inhalers",
    "steroids",
    "analgesia",
    "anti-epileptics",
    "eye drops",
    "enoxaparin injections",
    "Parkinson's medication",
]
SHARED_CARE_MEDICINES = [
    "methotrexate",
    "azathioprine",
    "lithium",
    "ADHD medication",
    "denosumab",
    "mycophenolate",
    "leflunomide",
    "testosterone",
    "DMARDs",
    "antipsychotic depot",
]
DAYS = ["two", "three", "four", "five", "six", "eight", "ten", "twelve", "fourteen", "twenty"]
WEEKS = ["two", "three", "four", "five", "six", "eight"]

# Sentences any concern might include, before or after the core sentence: most texts have none,
# and each one is rare, so that the theme, not the boilerplate, is what a text is about.
PREFIXES = [""] * 24 + [
    "Raising this on behalf of our practice team.",
    "Another example of this problem.",
    "This keeps happening.",
    "Third time this month.",
    "Logging as agreed at the locality meeting.",
    "Reception fielded several calls about this.",
    "Flagging for the interface group.",
    "Second report from our surgery this week.",
]
SUFFIXES = [""] * 20 + [
    "This took up a lot of clinician time.",
    "The patient was understandably upset.",
    "We would like the department to review its process.",
    "Please can this be fed back to the team.",
    "This is not in line with the contract.",
    "We have raised this before without a response.",
    "It caused a delay in care.",
    "Our duty doctor had to pick this up.",
    "Happy to discuss.",
    "Grateful for a response.",
    "The family complained to the practice.",
    "Appointment time was used up sorting this out.",
]

THEMES = {
    "discharge_summary": (
        "S02",
        [
            "No discharge summary received {days} days after the patient left the {specialty} ward.",
            "Patient discharged from hospital at the weekend and we still have no discharge summary.",
            "Discharge letter arrived {days} days late, after the patient had already come in for review.",
            "The discharge summary did not say what the GP was expected to do next.",
            "Discharge summary sent by post rather than electronically, received {days} days after discharge.",
            "Patient seen in A&E and discharged, but no attendance letter or summary reached the practice.",
            "We only found out about the admission when the family rang; no discharge notification sent.",
            "Discharge summary missing the medication changes made on the {specialty} ward.",
            "Summary from the day case unit never arrived, so we do not know what procedure was done.",
            "Electronic discharge summary was blank apart from the patient details.",
            "Discharged from {specialty} with actions for the GP but the summary came {days} days later.",
            "No TTO or discharge information sent after an overnight stay on the assessment unit.",
        ],
    ),
    "clinic_letter": (
        "S03",
        [
            "Clinic letter from {specialty} outpatients received {weeks} weeks after the appointment.",
            "Patient attended {specialty} clinic in the spring and no clinic letter has been sent.",
            "Outpatient letter is unreadable: dictated notes with no plan or diagnosis.",
            "The clinic letter asks us to start a medicine but arrived {weeks} weeks after the clinic.",
            "We are waiting on a letter from the {specialty} clinic before we can act.",
            "Clinic correspondence still typed weeks after the visit; the patient keeps asking us what was said.",
            "Follow-up clinic letter went to the wrong practice, so we never received it.",
            "Outpatient clinic letter lacked the results discussed in clinic.",
            "Consultant letter from {specialty} was delayed by over a month due to typing backlog.",
            "Virtual clinic outcome not communicated to the practice in writing.",
            "Letter after the {specialty} outpatient review is still not on the system {weeks} weeks later.",
            "Clinic letter addressed to the patient only, with no copy to the GP.",
        ],
    ),
    "test_results": (
        "S05",
        [
            "Hospital asked the GP to chase the {test} result that the consultant ordered.",
            "Patient told by {specialty} to ring the GP for the results of their {test}.",
            "We were asked to follow up an abnormal {test} requested in the {specialty} clinic.",
            "Consultant requested {test} and wrote that the GP should review the result and act on it.",
            "Patient came to the surgery wanting us to explain their {test} which the hospital had ordered.",
            "Abnormal {test} requested by the ward was sent to the practice to sort out.",
            "The {specialty} team ordered the {test} but expects the practice to tell the patient the outcome.",
            "Repeat {test} ordered by the hospital was left for primary care to arrange and interpret.",
            "Results of the hospital's {test} sent to us with no indication of who is acting on them.",
            "We received a result for a {test} we did not request and the team will not take ownership.",
            "Hospital letter says GP to check the {test} result and refer back if abnormal.",
            "The registrar told the patient the GP would give them their {test} results.",
        ],
    ),
    "discharge_medication": (
        "S06",
        [
            "Patient discharged with only {days_short} days of {medicine}; they should have had at least a week.",
            "No {medicine} supplied on discharge and the patient came straight to the surgery for a prescription.",
            "Discharged on new {medicine} but given only a two-day supply.",
            "TTO medication missing: patient left the ward without their {medicine}.",
            "After clinic the patient was told to get urgent {medicine} from the GP instead of being supplied it.",
            "Patient discharged from {specialty} with a prescription for the GP to issue rather than medication.",
            "Patient ran out of {medicine} the day after discharge because the pharmacy supplied too little.",
            "Hospital started {medicine} in clinic and asked us to prescribe it the same day.",
            "Short supply of {medicine} on discharge left the patient without doses over the weekend.",
            "Discharge medication did not include the {medicine} listed on the summary.",
            "Outpatient team wrote to say the patient needs {medicine} urgently but gave no supply.",
            "Only three days of {medicine} dispensed at discharge, which is below the seven-day minimum.",
        ],
    ),
    "fit_note": (
        "S07",
        [
            "Patient told by the ward to get a fit note from their GP after surgery.",
            "No fit note issued on discharge despite {weeks} weeks off work expected.",
            "Hospital issued a fit note for one week only, though recovery takes {weeks} weeks.",
            "Patient sent to the surgery for a sick note covering their hospital stay.",
            "A&E advised the patient to see the GP for a fit note for their fracture.",
            "After the {specialty} operation, the patient was not given a statement of fitness for work.",
            "Fit note requested from us for the period the patient was an inpatient.",
            "Day surgery unit told patients to ask their GP for a fit note.",
            "Patient needed a fit note after the {specialty} procedure and the clinic refused to provide one.",
            "Hospital consultant asked us to issue a fit note for the full recovery period.",
            "Ward discharged the patient without a sick note, saying the GP does those.",
            "Patient off work after their hospital admission and was told the practice would sign them off.",
        ],
    ),
    "onward_referral": (
        "S04",
        [
            "{specialty} asked us to refer the patient on to another specialty instead of doing it themselves.",
            "Clinic letter says please refer to {specialty2}; this is a related condition and should be an internal referral.",
            "Patient discharged back to the GP to be re-referred to a different hospital team.",
            "Consultant identified a suspected problem needing urgent {specialty2} review but asked the GP to refer.",
            "Hospital will not make a tertiary referral and has asked the practice to do it.",
            "The {specialty} team told the patient to get their GP to refer them to {specialty2}.",
            "A&E found an incidental finding and told the patient to ask their GP for a referral.",
            "Onward referral to {specialty2} not made by the hospital; we were asked to send a new referral.",
            "Ward team asked the GP to refer on to the community team rather than referring directly.",
            "The registrar advised a referral to {specialty2} but expected us to write it.",
            "Inter-specialty referral bounced back to primary care.",
            "Patient had to come back to us for a referral the hospital should have made internally.",
        ],
    ),
    "missed_appointment": (
        "S01",
        [
            "Patient discharged back to GP after missing one {specialty} appointment.",
            "Vulnerable patient who did not attend was discharged from {specialty} without any clinical review.",
            "Blanket DNA policy: one missed appointment and the patient was sent back to us.",
            "Patient never received the appointment letter, missed the clinic, and was discharged.",
            "Hospital discharged a child from {specialty} after a single did-not-attend.",
            "Discharged for non-attendance even though the patient rang to rearrange.",
            "Letter says the patient was discharged after one DNA and we must re-refer if still needed.",
            "Patient with learning disabilities missed one appointment and was discharged from clinic.",
            "DNA discharge from {specialty} with no consideration of the patient's circumstances.",
            "Patient could not attend due to hospital transport failing and was discharged.",
            "The department has discharged the patient for missing an appointment they were not told about.",
            "After one missed outpatient appointment the patient was removed from the waiting list.",
        ],
    ),
    "shared_care": (
        "S09",
        [
            "Hospital asked us to take over prescribing {shared} without a shared care agreement.",
            "{specialty} transferred {shared} prescribing to the GP without asking us first.",
            "We have been asked to prescribe and monitor {shared} but no shared care protocol was sent.",
            "Letter states the GP will now prescribe {shared}; we did not agree to this.",
            "Shared care request for {shared} arrived after the hospital had already stopped supplying it.",
            "Asked to monitor bloods for {shared} with no shared care arrangement in place.",
            "Specialist initiated {shared} and expects primary care to continue it; not on the shared care list.",
            "Hospital pharmacy stopped issuing {shared} and told the patient to get it from the GP.",
            "Transfer of prescribing for {shared} made without the GP's agreement.",
            "No shared care document received, yet the clinic letter says the GP will prescribe {shared}.",
            "The {specialty} team is refusing to continue {shared} prescribing while the shared care agreement is declined.",
            "Patient left without {shared} because the hospital handed prescribing to us without notice.",
        ],
    ),
    "referral_rejected": (
        "S10",
        [
            "Referral to {specialty} rejected because we did not use their own referral form.",
            "Advice and Guidance request to {specialty} unanswered after {days} working days.",
            "Referral bounced back for being on the wrong template even though it had all the information.",
            "{specialty} rejected a clinically appropriate referral and asked for more tests first.",
            "Advice & Guidance reply took {weeks} weeks; the patient deteriorated meanwhile.",
            "E-referral returned with a request to resubmit on a different proforma.",
            "Our A&G query to {specialty} was closed without an answer.",
            "Referral rejected as the department only accepts its own pro forma.",
            "Referral was returned because the letter format was not accepted.",
            "Advice and Guidance request converted to a rejection without explanation.",
            "{specialty} declined the referral, saying the GP should manage it, with no advice given.",
            "We sent an A&G request to {specialty} {weeks} weeks ago and have heard nothing.",
        ],
    ),
    "follow_up_recall": (
        "S11",
        [
            "Hospital asked the GP to arrange the patient's follow-up {test} in {weeks} weeks.",
            "Clinic letter asks us to book the patient back into {specialty} clinic if symptoms continue.",
            "{specialty} wants the practice to recall the patient for monitoring every three months.",
            "We were asked to organise a repeat {test} and send the patient back to clinic.",
            "Patient told to ask the GP to book their hospital follow-up appointment.",
            "The consultant wants the GP to run ongoing surveillance that the hospital started.",
            "Follow-up booking not made by the hospital; patient told to contact the practice to arrange it.",
            "Hospital requested that we re-refer for a planned review rather than booking it themselves.",
            "Letter says GP to arrange {test} in six months and re-refer if abnormal.",
            "The {specialty} service discharged the patient with a plan for the GP to recall them.",
            "Surveillance {test} the hospital should book has been passed to primary care to organise.",
            "{specialty} asked us to arrange their post-operative follow-up.",
        ],
    ),
    "points_of_contact": (
        "S08",
        [
            "Cannot get through to the {specialty} secretaries; the phone rings out every time.",
            "Patient told by the hospital to ring their GP with questions about their hospital care.",
            "No direct number for the {specialty} team; switchboard could not help.",
            "The department's email bounces and nobody answers the phone.",
            "Patients are being sent to the GP to ask when their operation will be.",
            "We have no way to contact the ward to clarify the discharge plan.",
            "Hospital told patients to contact the GP about their waiting list position.",
            "Bypass number for {specialty} is unanswered during working hours.",
            "The appointments line directs patients to their GP for queries about cancelled clinics.",
            "No named contact for queries about the {specialty} clinic letter.",
            "Patient could not reach the hospital team and came to us for answers we do not have.",
            "{specialty} secretaries do not respond to professional queries for {weeks} weeks.",
        ],
    ),
}


def fill(template: str, rng: random.Random) -> str:
    specialty, specialty2 = rng.sample(SPECIALTIES, 2)
    text = template.format(
        specialty=specialty,
        specialty2=specialty2,
        test=rng.choice(TESTS),
        medicine=rng.choice(MEDICINES),
        shared=rng.choice(SHARED_CARE_MEDICINES),
        days=rng.choice(DAYS),
        days_short=rng.choice(["two", "three", "four"]),
        weeks=rng.choice(WEEKS),
    )
    return text[0].upper() + text[1:]


def corpus() -> list[dict]:
    rng = random.Random(SEED)
    rows = []
    for theme, (standard, templates) in THEMES.items():
        for number in range(PER_THEME):
            core = fill(templates[number % len(templates)], rng)
            text = " ".join(part for part in (rng.choice(PREFIXES), core, rng.choice(SUFFIXES)) if part)
            rows.append(
                {"id": f"{theme}-{number + 1:02d}", "text": text, "theme": theme, "standard": standard}
            )
    rng.shuffle(rows)
    return rows


def main() -> None:
    target = Path(__file__).with_name("themes_corpus.jsonl")
    with open(target, "w", encoding="utf-8") as handle:
        for row in corpus():
            handle.write(json.dumps(row) + "\n")
    print(f"Wrote {target} ({PER_THEME * len(THEMES)} texts, {len(THEMES)} themes)")


if __name__ == "__main__":
    main()
