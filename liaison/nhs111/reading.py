"""Reading a 111 message Bundle (BaRS R4 or the 111 integration adaptor's STU3) into what a GP needs.

Works on the JSON as received, defensively: a missing or oddly shaped element is treated as absent,
never as an error (checking is ``liaison.nhs111.checking``'s job). The same reading decides which
PRSB sections a message carries and what the message page shows, so the two cannot disagree.
"""

import html
import re
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.dateparse import parse_date, parse_datetime

ODS_SYSTEMS = {"https://fhir.nhs.uk/id/ods-organization-code", "https://fhir.nhs.uk/id/ods-site-code"}
NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/id/nhs-number"
PATHWAYS_SYSTEMS = {
    "https://fhir.nhs.uk/codesystem/pathways-sg-codes": "SG",
    "https://fhir.nhs.uk/codesystem/pathways-sd-codes": "SD",
    "https://fhir.nhs.uk/codesystem/pathways-dx-codes": "Dx",
    "https://fhir.nhs.uk/codesystem/pathways-pathway-codes": "PW",
    # The ITK / adaptor OID for NHS Pathways disposition codes.
    "2.16.840.1.113883.2.1.3.2.4.17.325": "Dx",
}
PRESENTING_COMPLAINT_SNOMED = "33962009"
# Liaison's local code for "the person consents to sharing sex and gender together", pending a
# national code: without it, sex assigned at birth is never shown alongside gender.
SEX_AND_GENDER_CONSENT_SYSTEM = "https://liaison.nhs.uk/CodeSystem/consent-to-share"
SEX_AND_GENDER_CONSENT_CODE = "sex-and-gender"
INFORMATION_CATEGORY_CODES = {"information", "for-information", "pem-information"}
NEGATIVE_ANSWERS = {"no", "false", "absent", "not present", "none", '"absent"', "n"}
CONFIRMED = {"confirmed"}
FLAG_SAFEGUARDING = {"SG"}
FLAG_RISKS = {"SS", "IR", "CW"}
FLAG_REQUIREMENTS = {"RA"}
FLAG_REPEAT_CALLER = {"RC"}


def _lower(value) -> str:
    return str(value or "").strip().lower()


def codings(concept) -> list[dict]:
    if isinstance(concept, dict):
        found = concept.get("coding")
        return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []
    if isinstance(concept, list):
        return [c for item in concept for c in codings(item)]
    return []


def concept_text(concept) -> str:
    """A CodeableConcept as words: its text, else its codings' displays, else its codes."""
    if isinstance(concept, list):
        return "; ".join(filter(None, (concept_text(item) for item in concept)))
    if not isinstance(concept, dict):
        return str(concept or "")
    if concept.get("text"):
        return str(concept["text"])
    found = codings(concept)
    return ", ".join(
        str(c.get("display") or c.get("code") or "") for c in found if c.get("display") or c.get("code")
    )


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _when(value) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
        day = parse_date(value[:10]) if moment is None and len(value) >= 10 else None
    except ValueError:  # well formed but not a real date, such as 2026-13-45
        return None
    if moment is None and day is not None:
        moment = datetime(day.year, day.month, day.day)
    if moment is not None and moment.tzinfo is None:
        from django.utils import timezone

        moment = timezone.make_aware(moment)
    return moment


_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"<\s*br\s*/?\s*>|</p>|</div>|</tr>|</li>", re.IGNORECASE)


def narrative_lines(div: str) -> list[str]:
    """Plain-text lines from an XHTML narrative (the adaptor double-escapes CDA markup inside it)."""
    text = str(div or "")
    for _ in range(2):
        text = _BREAK.sub("\n", text)
        text = _TAG.sub(" ", text)
        text = html.unescape(text)
    lines = [re.sub(r"\s+", " ", line).strip() for line in text.split("\n")]
    return [line for line in lines if line]


class Bundle:
    """An index over a Bundle's entries: by resource type and by the references that point at them."""

    def __init__(self, data: dict):
        self.data = data if isinstance(data, dict) else {}
        self.entries: list[tuple[int, dict]] = []
        self.by_reference: dict[str, dict] = {}
        self.by_type: dict[str, list[dict]] = {}
        self.index_of: dict[int, int] = {}
        for index, entry in enumerate(_as_list(self.data.get("entry"))):
            resource = entry.get("resource") if isinstance(entry, dict) else None
            if not isinstance(resource, dict):
                continue
            self.entries.append((index, resource))
            self.index_of[id(resource)] = index
            kind = str(resource.get("resourceType", ""))
            self.by_type.setdefault(kind, []).append(resource)
            if entry.get("fullUrl"):
                self.by_reference[str(entry["fullUrl"])] = resource
            if resource.get("id"):
                self.by_reference[f"{kind}/{resource['id']}"] = resource
                self.by_reference.setdefault(f"urn:uuid:{resource['id']}", resource)

    def of_type(self, kind: str) -> list[dict]:
        return self.by_type.get(kind, [])

    def first(self, kind: str) -> dict | None:
        found = self.of_type(kind)
        return found[0] if found else None

    def resolve(self, reference) -> dict | None:
        if isinstance(reference, dict):
            reference = reference.get("reference")
        if not isinstance(reference, str):
            return None
        return self.by_reference.get(reference) or self.by_reference.get(reference.rsplit("/_history", 1)[0])

    def path(self, resource: dict, element: str = "") -> str:
        """A FHIRPath expression for an element of a resource in this Bundle."""
        index = self.index_of.get(id(resource))
        base = f"Bundle.entry[{index}].resource" if index is not None else "Bundle"
        return f"{base}.{element}" if element else base


def _ods_code(organisation: dict | None, *, any_system: bool = False) -> str:
    if not isinstance(organisation, dict):
        return ""
    for identifier in _as_list(organisation.get("identifier")):
        if not isinstance(identifier, dict) or not identifier.get("value"):
            continue
        if _lower(identifier.get("system")) in ODS_SYSTEMS or (any_system and not identifier.get("system")):
            return str(identifier["value"]).strip().upper()
    return ""


def _human_name(names) -> str:
    for name in _as_list(names):
        if not isinstance(name, dict):
            continue
        if name.get("text"):
            return str(name["text"])
        parts = [*map(str, _as_list(name.get("prefix"))), *map(str, _as_list(name.get("given")))]
        if name.get("family"):
            parts.append(str(name["family"]))
        if parts:
            return " ".join(parts)
    return ""


@dataclass
class Diagnosis:
    text: str
    confirmed: bool


@dataclass
class TriageAnswer:
    question: str
    answer: str

    @property
    def is_negative(self) -> bool:
        return _lower(self.answer).strip('"=') in NEGATIVE_ANSWERS


@dataclass
class Reading:
    """Everything Liaison takes from a message, grouped by PRSB section."""

    fhir_version: str
    event_code: str = ""
    message_id: str = ""
    sender_ods: str = ""
    sender_name: str = ""
    purpose_for_information: bool = False
    due_by: datetime | None = None
    contact_started_at: datetime | None = None
    journey_id: str = ""
    patient_name: str = ""
    nhs_number: str = ""
    birth_date: str = ""
    gender: str = ""
    birth_sex: str = ""
    sex_and_gender_consent: bool = False
    registered_practice_ods: str = ""
    registered_practice_name: str = ""
    dental_practice: list[str] = field(default_factory=list)
    caller_details: list[str] = field(default_factory=list)
    repeat_caller: bool = False
    clinical_summary: list[str] = field(default_factory=list)
    plan: list[str] = field(default_factory=list)
    disposition: list[str] = field(default_factory=list)
    presenting: list[str] = field(default_factory=list)
    safeguarding: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    diagnoses: list[Diagnosis] = field(default_factory=list)
    medications: list[str] = field(default_factory=list)
    individual_requirements: list[str] = field(default_factory=list)
    allergies: list[str] = field(default_factory=list)
    social_context: list[str] = field(default_factory=list)
    concerns_and_wishes: list[str] = field(default_factory=list)
    consent: list[str] = field(default_factory=list)
    triage: list[TriageAnswer] = field(default_factory=list)
    has_referral: bool = False

    @property
    def birth_date_display(self) -> str:
        """The date of birth as the NHS writes it (12 April 1961), or as sent when it is not a full date."""
        try:
            day = parse_date(self.birth_date)
        except ValueError:
            day = None
        return f"{day.day} {day:%B %Y}" if day else self.birth_date

    @property
    def suspected_diagnoses(self) -> list[str]:
        return [d.text for d in self.diagnoses if not d.confirmed]

    @property
    def confirmed_diagnoses(self) -> list[str]:
        return [d.text for d in self.diagnoses if d.confirmed]

    @property
    def show_birth_sex(self) -> bool:
        """Sex assigned at birth is shown only with consent, or when there is no gender to pair it with."""
        return bool(self.birth_sex) and (self.sex_and_gender_consent or not self.gender)

    @property
    def triage_positive(self) -> list[TriageAnswer]:
        return [answer for answer in self.triage if not answer.is_negative]

    @property
    def triage_negative(self) -> list[TriageAnswer]:
        return [answer for answer in self.triage if answer.is_negative]

    @property
    def chief_complaint(self) -> str:
        return self.presenting[0] if self.presenting else ""


def _flag_categories(flag: dict) -> set[str]:
    return {str(c.get("code", "")).upper() for c in codings(flag.get("category"))}


def _read_flags(bundle: Bundle, reading: Reading) -> None:
    for flag in bundle.of_type("Flag"):
        if _lower(flag.get("status")) not in ("", "active"):
            continue
        categories = _flag_categories(flag)
        systems = " ".join(_lower(c.get("system")) for c in codings(flag.get("category")))
        text = concept_text(flag.get("code")) or concept_text(flag.get("category"))
        if categories & FLAG_REPEAT_CALLER:
            reading.repeat_caller = True
        elif categories & FLAG_SAFEGUARDING:
            reading.safeguarding.append(text)
        elif categories & FLAG_RISKS:
            reading.risks.append(f"{concept_text(flag.get('category'))}: {text}")
        elif categories & FLAG_REQUIREMENTS or "adjustment" in systems:
            reading.individual_requirements.append(text)


def _read_patient(bundle: Bundle, reading: Reading) -> None:
    patient = bundle.first("Patient")
    if not patient:
        return
    reading.patient_name = _human_name(patient.get("name"))
    for identifier in _as_list(patient.get("identifier")):
        if isinstance(identifier, dict) and _lower(identifier.get("system")) == NHS_NUMBER_SYSTEM:
            reading.nhs_number = str(identifier.get("value", "")).replace(" ", "")
    reading.birth_date = str(patient.get("birthDate") or "")
    reading.gender = str(patient.get("gender") or "")
    for extension in _as_list(patient.get("extension")):
        if isinstance(extension, dict) and "birthsex" in _lower(extension.get("url")).replace("-", ""):
            value = extension.get("valueCode") or concept_text(extension.get("valueCodeableConcept"))
            reading.birth_sex = str(value or "")
    for reference in _as_list(patient.get("generalPractitioner")):
        organisation = bundle.resolve(reference)
        if not organisation or organisation.get("resourceType") != "Organization":
            continue
        kinds = _lower(concept_text(organisation.get("type"))) + " " + _lower(organisation.get("name"))
        ods = _ods_code(organisation, any_system=reading.fhir_version == "STU3")
        if "dental" in kinds or "dentist" in kinds:
            reading.dental_practice.append(f"{organisation.get('name', '')} {ods}".strip())
        elif not reading.registered_practice_ods and ods:
            reading.registered_practice_ods = ods
            reading.registered_practice_name = str(organisation.get("name") or "")
    for contact in _as_list(patient.get("contact")):
        if not isinstance(contact, dict):
            continue
        relationship = concept_text(contact.get("relationship"))
        if "oneself" in _lower(relationship) or _lower(relationship) == "self":
            continue
        who = _human_name(contact.get("name"))
        phones = ", ".join(
            str(t.get("value")) for t in _as_list(contact.get("telecom")) if isinstance(t, dict)
        )
        reading.caller_details.append(", ".join(filter(None, [who, relationship, phones])))
    for person in bundle.of_type("RelatedPerson"):
        who = _human_name(person.get("name"))
        relationship = concept_text(person.get("relationship"))
        phones = ", ".join(
            str(t.get("value")) for t in _as_list(person.get("telecom")) if isinstance(t, dict)
        )
        reading.caller_details.append(", ".join(filter(None, [who, relationship, phones])))


def _read_consent(bundle: Bundle, reading: Reading) -> None:
    for consent in bundle.of_type("Consent"):
        concepts = [
            consent.get("category"),
            consent.get("action"),
            consent.get("policyRule"),
            (consent.get("provision") or {}).get("code")
            if isinstance(consent.get("provision"), dict)
            else None,
            (consent.get("provision") or {}).get("action")
            if isinstance(consent.get("provision"), dict)
            else None,
        ]
        found = [c for concept in concepts for c in codings(concept)]
        if any(
            _lower(c.get("system")) == SEX_AND_GENDER_CONSENT_SYSTEM.lower()
            and c.get("code") == SEX_AND_GENDER_CONSENT_CODE
            for c in found
        ):
            reading.sex_and_gender_consent = True
        reading.consent.append(
            concept_text(consent.get("category")) or concept_text(consent.get("action")) or "Consent recorded"
        )


def _pathways_label(coding: dict) -> str:
    code, display = coding.get("code", ""), coding.get("display", "")
    return f"{display} ({code})" if display else str(code)


def _read_clinical(bundle: Bundle, reading: Reading) -> None:
    for plan in bundle.of_type("CarePlan"):
        if plan.get("description"):
            reading.plan.append(str(plan["description"]))
        for activity in _as_list(plan.get("activity")):
            if not isinstance(activity, dict):
                continue
            for concept in _as_list(activity.get("outcomeCodeableConcept")):
                found = codings(concept)
                pathways = [(PATHWAYS_SYSTEMS.get(_lower(c.get("system"))), c) for c in found]
                pathways = [(kind, c) for kind, c in pathways if kind]
                for kind, coding in pathways:
                    target = reading.disposition if kind == "Dx" else reading.presenting
                    target.append(_pathways_label(coding))
                if not found and isinstance(concept, dict) and concept.get("text"):
                    reading.clinical_summary.append(str(concept["text"]))
            detail = activity.get("detail")
            if isinstance(detail, dict) and detail.get("description"):
                reading.plan.append(str(detail["description"]))
    for procedure in bundle.of_type("ProcedureRequest"):
        for coding in codings(procedure.get("code")):
            if PATHWAYS_SYSTEMS.get(_lower(coding.get("system"))) == "Dx" or str(
                coding.get("code", "")
            ).startswith("Dx"):
                reading.disposition.append(_pathways_label(coding))
    for request in [*bundle.of_type("ServiceRequest"), *bundle.of_type("ReferralRequest")]:
        if request.get("patientInstruction"):
            reading.plan.append(str(request["patientInstruction"]))
        for note in _as_list(request.get("note")):
            if isinstance(note, dict) and note.get("text"):
                reading.plan.append(str(note["text"]))
    for observation in bundle.of_type("Observation"):
        code = observation.get("code")
        label = _lower(concept_text(code))
        notes = [
            str(n.get("text"))
            for n in _as_list(observation.get("note"))
            if isinstance(n, dict) and n.get("text")
        ]
        value = observation.get("valueString") or concept_text(observation.get("valueCodeableConcept"))
        words = [str(value)] if value else []
        words += notes
        categories = {_lower(c.get("code")) for c in codings(observation.get("category"))}
        if any(c.get("code") == PRESENTING_COMPLAINT_SNOMED for c in codings(code)) or "symptom" in label:
            reading.presenting.extend(words)
        elif "expectation" in label or "wishes" in label:
            reading.concerns_and_wishes.extend(words or [concept_text(code)])
        elif (
            "social-history" in categories
            or "lives alone" in label
            or "livingarrangement" in _lower(" ".join(_lower(c.get("system")) for c in codings(code)))
        ):
            reading.social_context.append(concept_text(code) + (f": {'; '.join(words)}" if words else ""))
        elif "narrative" in label or "summary" in label:
            reading.clinical_summary.extend(words)
    for condition in bundle.of_type("Condition"):
        text = concept_text(condition.get("code"))
        if not text:
            continue
        status = condition.get("verificationStatus")
        status_codes = (
            {_lower(status)} if isinstance(status, str) else {_lower(c.get("code")) for c in codings(status)}
        )
        # Only an explicit "confirmed" is confirmed: anything else, or nothing, is a suspicion.
        reading.diagnoses.append(
            Diagnosis(text=text, confirmed=bool(status_codes) and status_codes <= CONFIRMED)
        )
    for statement in [*bundle.of_type("MedicationStatement"), *bundle.of_type("MedicationRequest")]:
        name = concept_text(statement.get("medicationCodeableConcept"))
        if not name:
            medication = bundle.resolve(statement.get("medicationReference"))
            name = concept_text(medication.get("code")) if medication else ""
        dosage = "; ".join(
            str(d.get("text"))
            for d in _as_list(statement.get("dosage") or statement.get("dosageInstruction"))
            if isinstance(d, dict) and d.get("text")
        )
        if name:
            reading.medications.append(f"{name} — {dosage}" if dosage else name)
    for allergy in bundle.of_type("AllergyIntolerance"):
        name = concept_text(allergy.get("code"))
        reactions = "; ".join(
            concept_text(r.get("manifestation"))
            for r in _as_list(allergy.get("reaction"))
            if isinstance(r, dict)
        )
        if name:
            reading.allergies.append(f"{name} — {reactions}" if reactions else name)
    for composition in bundle.of_type("Composition"):
        _read_composition_sections(composition.get("section"), reading)
    for response in bundle.of_type("QuestionnaireResponse"):
        _read_triage(response.get("item"), reading)


def _read_composition_sections(sections, reading: Reading) -> None:
    for section in _as_list(sections):
        if not isinstance(section, dict):
            continue
        title = _lower(section.get("title"))
        text = section.get("text")
        lines = narrative_lines(text.get("div")) if isinstance(text, dict) else []
        if lines:
            # "Patient's Reported Condition" (ITK 111 reports) and "Primary Reason for Call" (the
            # primary emergency department document) both carry the presenting complaint.
            if "reported condition" in title or "presenting" in title or "reason for call" in title:
                reading.presenting.extend(lines)
            elif "advice" in title or "plan" in title or "action" in title:
                reading.plan.extend(lines)
            else:
                reading.clinical_summary.extend(lines)
        _read_composition_sections(section.get("section"), reading)


def _answer_text(answer: dict) -> str:
    for key in ("valueString", "valueBoolean", "valueInteger", "valueDecimal", "valueDate", "valueDateTime"):
        if key in answer:
            value = answer[key]
            return ("yes" if value else "no") if isinstance(value, bool) else str(value)
    if "valueCoding" in answer and isinstance(answer["valueCoding"], dict):
        return str(answer["valueCoding"].get("display") or answer["valueCoding"].get("code") or "")
    return ""


def _read_triage(items, reading: Reading) -> None:
    for item in _as_list(items):
        if not isinstance(item, dict):
            continue
        answers = [_answer_text(a) for a in _as_list(item.get("answer")) if isinstance(a, dict)]
        if item.get("text") and answers:
            reading.triage.append(TriageAnswer(question=str(item["text"]), answer="; ".join(answers)))
        _read_triage(item.get("item"), reading)


def _read_header_r4(bundle: Bundle, header: dict, reading: Reading) -> None:
    coding = header.get("eventCoding") if isinstance(header.get("eventCoding"), dict) else {}
    reading.event_code = str(coding.get("code") or "")
    sender = bundle.resolve(header.get("sender"))
    reading.sender_ods = _ods_code(sender)
    reading.sender_name = str((sender or {}).get("name") or "")
    focus = next((bundle.resolve(f) for f in _as_list(header.get("focus"))), None)
    request = (
        focus if focus and focus.get("resourceType") == "ServiceRequest" else bundle.first("ServiceRequest")
    )
    if request:
        reading.has_referral = True
        categories = {_lower(c.get("code")) for c in codings(request.get("category"))}
        period = request.get("occurrencePeriod") if isinstance(request.get("occurrencePeriod"), dict) else {}
        reading.due_by = _when(period.get("end") or period.get("start") or request.get("occurrenceDateTime"))
        # For information only when the message says so and asks for nothing by a time: any doubt
        # files it for action (hazard H-20).
        reading.purpose_for_information = (
            bool(categories & INFORMATION_CATEGORY_CODES) and reading.due_by is None
        )


def _read_header_stu3(bundle: Bundle, header: dict, reading: Reading) -> None:
    event = header.get("event") if isinstance(header.get("event"), dict) else {}
    reading.event_code = str(event.get("code") or "")
    interaction = " ".join(str(c.get("code", "")) for c in codings(header.get("reason")))
    reading.repeat_caller = reading.repeat_caller or "repeatcaller" in interaction.lower()
    request = bundle.first("ReferralRequest")
    if request:
        reading.has_referral = True
        sender = (
            bundle.resolve((request.get("requester") or {}).get("onBehalfOf"))
            if isinstance(request.get("requester"), dict)
            else None
        )
        reading.sender_ods = _ods_code(sender, any_system=True)
        reading.sender_name = str((sender or {}).get("name") or "")
        period = request.get("occurrencePeriod") if isinstance(request.get("occurrencePeriod"), dict) else {}
        reading.due_by = _when(period.get("end") or period.get("start"))
    # ITK "copy recipient" documents are Post Event Messages for information; every other
    # interaction (primary recipient, repeat caller) asks the receiver to act.
    reading.purpose_for_information = "copyrecipient" in interaction.lower()


def message_read(data: dict) -> tuple[Reading, Bundle]:
    """Read a Bundle into a ``Reading``. Never raises on odd content."""
    bundle = Bundle(data)
    header = bundle.first("MessageHeader") or {}
    version = "STU3" if "event" in header and "eventCoding" not in header else "R4"
    reading = Reading(fhir_version=version)
    reading.message_id = str(bundle.data.get("id") or header.get("id") or "")
    _read_flags(bundle, reading)
    if version == "R4":
        _read_header_r4(bundle, header, reading)
    else:
        _read_header_stu3(bundle, header, reading)
    encounter = bundle.first("Encounter")
    if encounter:
        period = encounter.get("period") if isinstance(encounter.get("period"), dict) else {}
        reading.contact_started_at = _when(period.get("start"))
        episode = next(iter(_as_list(encounter.get("episodeOfCare"))), None)
        if isinstance(episode, dict):
            reading.journey_id = str(
                episode.get("reference") or (episode.get("identifier") or {}).get("value") or ""
            )
    _read_patient(bundle, reading)
    _read_consent(bundle, reading)
    _read_clinical(bundle, reading)
    for name in ("presenting", "clinical_summary", "plan", "disposition", "caller_details", "social_context"):
        setattr(
            reading,
            name,
            list(dict.fromkeys(line.strip() for line in getattr(reading, name) if line.strip())),
        )
    return reading, bundle
