"""The order a GP reads a 111 message in, and the plain-text copy for the GP record.

The display order is the PRSB 111 Referral Standard's recommendation (seed 002, survey of GPs):
clinical summary; plan and requested actions; presenting complaints (with the repeat-caller flag);
safeguarding and risks; suspected diagnosis; person-reported medications; individual requirements;
person-reported allergies; confirmed diagnosis. A suspected diagnosis is never written as a
diagnosis: every one is labelled as suspected, in its own section, apart from confirmed ones.
"""

from dataclasses import dataclass

from liaison.nhs111.reading import Reading

PATIENT_REPORTED_WARNING = (
    "Reported by the patient or caller to NHS 111. It may not be complete or match the GP record: "
    "check the GP record before acting on it."
)
SUSPECTED_LABEL = "Suspected, not confirmed"


@dataclass(frozen=True)
class DisplaySection:
    key: str
    title: str
    items: list[str]
    patient_reported: bool = False
    suspected: bool = False


def display_sections(reading: Reading) -> list[DisplaySection]:
    """The nine sections in the standard's recommended order, each with what the message holds."""
    return [
        DisplaySection("clinical_summary", "Clinical summary", reading.clinical_summary),
        DisplaySection(
            "plan",
            "Plan and requested actions",
            [*reading.plan, *(f"Disposition: {d}" for d in reading.disposition)],
        ),
        DisplaySection("presenting", "Presenting complaints or issues", reading.presenting),
        DisplaySection(
            "safeguarding_and_risks",
            "Safeguarding and risks",
            [*(f"Safeguarding: {s}" for s in reading.safeguarding), *reading.risks],
        ),
        DisplaySection(
            "suspected_diagnosis", "Suspected diagnosis", reading.suspected_diagnoses, suspected=True
        ),
        DisplaySection(
            "medications", "Medications (reported by the patient)", reading.medications, patient_reported=True
        ),
        DisplaySection("individual_requirements", "Individual requirements", reading.individual_requirements),
        DisplaySection(
            "allergies", "Allergies (reported by the patient)", reading.allergies, patient_reported=True
        ),
        DisplaySection("confirmed_diagnosis", "Confirmed diagnosis", reading.confirmed_diagnoses),
    ]


def _gender_lines(reading: Reading) -> list[str]:
    lines = []
    if reading.gender:
        lines.append(f"Gender: {reading.gender}")
    if reading.show_birth_sex:
        lines.append(f"Sex assigned at birth: {reading.birth_sex}")
    return lines


def message_as_text(page) -> str:
    """A plain-text copy of the message for pasting into the GP record."""
    message, reading = page.message, page.reading
    purpose = "FOR ACTION" if message.is_for_action else "FOR INFORMATION"
    lines = [
        f"NHS 111 message {purpose}",
        f"From: {message.summary.get('sender_name') or message.sender_ods} ({message.sender_ods})",
        f"Received: {message.received_at:%d %B %Y %H:%M}",
    ]
    if message.is_for_action and message.due_by:
        lines.append(f"Due by: {message.due_by:%d %B %Y %H:%M}")
    if reading.repeat_caller:
        lines.append("REPEAT CALLER: this person has contacted NHS 111 several times recently.")
    lines += [
        "",
        f"Patient: {reading.patient_name}",
        f"NHS number: {reading.nhs_number}",
        f"Date of birth: {reading.birth_date_display}",
        *_gender_lines(reading),
    ]
    for section in display_sections(reading):
        lines += ["", section.title.upper()]
        if section.patient_reported and section.items:
            lines.append(f"[{PATIENT_REPORTED_WARNING}]")
        if not section.items:
            lines.append("Not included in this message.")
        for item in section.items:
            lines.append(f"- {SUSPECTED_LABEL}: {item}" if section.suspected else f"- {item}")
    return "\n".join(lines) + "\n"
