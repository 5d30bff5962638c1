"""Checking a 111 message: FHIR structure, the BaRS message minimums and the PRSB 111 Referral Standard.

``message_check(data)`` returns every issue found, each with a BaRS error code and a FHIRPath
``expression``, and the ``OperationOutcome`` to send back. ``fhir.resources`` checks structure and
cardinality (R4B classes for BaRS R4, STU3 classes for the 111 integration adaptor); the BaRS and
PRSB rules, which it does not know, are checked here.

A missing **Mandatory** PRSB section rejects the message; a missing **Required** section is accepted
with a warning and counted on the sender's scorecard. Pathways codes are checked by pattern.
"""

import re
import uuid
from dataclasses import dataclass, field

from pydantic import ValidationError

from liaison.nhs111.reading import PATHWAYS_SYSTEMS, Bundle, Reading, message_read

ERROR_CODE_SYSTEM = "https://fhir.nhs.uk/Codesystem/http-error-codes"
SUPPORTED_EVENTS = {"R4": {"servicerequest-request"}, "STU3": {"referral-1"}}
PATHWAYS_PATTERNS = {
    "SG": re.compile(r"^SG\d{4}$"),
    "SD": re.compile(r"^SD\d{4,5}$"),
    "Dx": re.compile(r"^Dx\d{2,5}$"),
    "PW": re.compile(r"^PW\d{3,5}$"),
}
HTTP_STATUS = {
    "REC_BAD_REQUEST": 400,
    "REC_UNAUTHORIZED": 401,
    "REC_FORBIDDEN": 403,
    "REC_CONFLICT": 409,
    "REC_TOO_EARLY": 425,
    "REC_UNPROCESSABLE_ENTITY": 422,
    "REC_SERVER_ERROR": 500,
}


class Conformance:
    MANDATORY = "Mandatory"
    REQUIRED = "Required"
    OPTIONAL = "Optional"


@dataclass(frozen=True)
class PrsbSection:
    key: str
    title: str
    conformance: str
    where: str  # the FHIRPath a sender should look at when the section is missing


# The sections of the PRSB 111 Referral Standard, in the standard's order, with its conformance.
PRSB_SECTIONS = [
    PrsbSection(
        "person_demographics",
        "Person demographics",
        Conformance.MANDATORY,
        "Bundle.entry.resource.ofType(Patient)",
    ),
    PrsbSection(
        "caller_details",
        "Caller details",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(RelatedPerson)",
    ),
    PrsbSection(
        "gp_practice",
        "GP practice details",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(Patient).generalPractitioner",
    ),
    PrsbSection(
        "dental_practice",
        "Dental practice details",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(Patient).generalPractitioner",
    ),
    PrsbSection(
        "individual_requirements",
        "Individual requirements",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(Flag)",
    ),
    PrsbSection("safeguarding", "Safeguarding", Conformance.REQUIRED, "Bundle.entry.resource.ofType(Flag)"),
    PrsbSection("risks", "Risks", Conformance.REQUIRED, "Bundle.entry.resource.ofType(Flag)"),
    PrsbSection(
        "consent",
        "Consent for information sharing",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(Consent)",
    ),
    PrsbSection(
        "referral_details",
        "Referral details",
        Conformance.MANDATORY,
        "Bundle.entry.resource.ofType(ServiceRequest)",
    ),
    PrsbSection(
        "presenting_complaints",
        "Presenting complaints or issues",
        Conformance.MANDATORY,
        "Bundle.entry.resource.ofType(CarePlan).activity.outcomeCodeableConcept",
    ),
    PrsbSection("problem", "Problem", Conformance.REQUIRED, "Bundle.entry.resource.ofType(Condition)"),
    PrsbSection(
        "clinical_summary",
        "Clinical summary",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(CarePlan).activity.outcomeCodeableConcept.text",
    ),
    PrsbSection(
        "social_context", "Social context", Conformance.REQUIRED, "Bundle.entry.resource.ofType(Observation)"
    ),
    PrsbSection(
        "allergies",
        "Allergies and adverse reactions",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(AllergyIntolerance)",
    ),
    PrsbSection(
        "medications",
        "Medications and medical devices",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(MedicationStatement)",
    ),
    PrsbSection(
        "plan",
        "Plan and requested actions",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(CarePlan).activity.detail.description",
    ),
    PrsbSection(
        "concerns_and_wishes",
        "Person and carer concerns, expectations and wishes",
        Conformance.REQUIRED,
        "Bundle.entry.resource.ofType(Observation)",
    ),
]
SECTIONS_BY_KEY = {section.key: section for section in PRSB_SECTIONS}


def sections_present(reading: Reading) -> set[str]:
    """The PRSB sections a message carries, from what Liaison read in it."""
    present = {
        "person_demographics": bool(reading.patient_name and (reading.nhs_number or reading.birth_date)),
        "caller_details": bool(reading.caller_details),
        "gp_practice": bool(reading.registered_practice_ods),
        "dental_practice": bool(reading.dental_practice),
        "individual_requirements": bool(reading.individual_requirements),
        "safeguarding": bool(reading.safeguarding),
        "risks": bool(reading.risks),
        "consent": bool(reading.consent),
        "referral_details": reading.has_referral,
        "presenting_complaints": bool(reading.presenting),
        "problem": bool(reading.diagnoses),
        "clinical_summary": bool(reading.clinical_summary),
        "social_context": bool(reading.social_context),
        "allergies": bool(reading.allergies),
        "medications": bool(reading.medications),
        "plan": bool(reading.plan or reading.disposition),
        "concerns_and_wishes": bool(reading.concerns_and_wishes),
    }
    return {key for key, here in present.items() if here}


@dataclass
class Issue:
    severity: str  # error | warning | information
    code: str  # FHIR issue type: structure, required, value, code-invalid, not-supported, ...
    diagnostics: str
    expression: str = ""
    error_code: str = "REC_BAD_REQUEST"
    section: str = ""
    location: str = ""  # for HTTP headers, which have no FHIRPath

    def as_fhir(self) -> dict:
        issue = {"severity": self.severity, "code": self.code}
        if self.severity in ("error", "fatal"):
            issue["details"] = {"coding": [{"system": ERROR_CODE_SYSTEM, "code": self.error_code}]}
        issue["diagnostics"] = self.diagnostics
        if self.expression:
            issue["expression"] = [self.expression]
        if self.location:
            issue["location"] = [self.location]
        return issue


def operation_outcome(issues: list[Issue]) -> dict:
    """A UK Core OperationOutcome listing ``issues`` (an informational 'accepted' when there are none)."""
    listed = issues or [Issue(severity="information", code="informational", diagnostics="Message accepted.")]
    return {
        "resourceType": "OperationOutcome",
        "id": str(uuid.uuid4()),
        "meta": {"profile": ["https://fhir.hl7.org.uk/StructureDefinition/UKCore-OperationOutcome"]},
        "issue": [issue.as_fhir() for issue in listed],
    }


@dataclass
class CheckResult:
    issues: list[Issue] = field(default_factory=list)
    reading: Reading | None = None
    sections: set[str] = field(default_factory=set)

    @property
    def errors(self) -> list[Issue]:
        return [issue for issue in self.issues if issue.severity in ("error", "fatal")]

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def required_missing(self) -> list[str]:
        return [
            s.title
            for s in PRSB_SECTIONS
            if s.conformance == Conformance.REQUIRED and s.key not in self.sections
        ]

    @property
    def http_status(self) -> int:
        if not self.has_errors:
            return 200
        return max(HTTP_STATUS.get(issue.error_code, 400) for issue in self.errors)

    def operation_outcome(self) -> dict:
        return operation_outcome(self.issues)


def _fhirpath(loc: tuple) -> str:
    path = "Bundle"
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part not in ("root",):
            path += f".{part}"
    return path


def _structure_issues(data: dict, version: str) -> list[Issue]:
    if version == "R4":
        from fhir.resources.R4B.bundle import Bundle as FhirBundle
    else:
        from fhir.resources.STU3.bundle import Bundle as FhirBundle
    try:
        FhirBundle.model_validate(data)
    except ValidationError as error:
        return [
            Issue(
                severity="error",
                code="structure",
                diagnostics=f"{detail.get('msg', 'Invalid')} ({version} structure)",
                expression=_fhirpath(tuple(detail.get("loc", ()))),
            )
            for detail in error.errors()
        ]
    except (KeyError, TypeError, ValueError) as error:
        # fhir.resources raises KeyError for a resourceType it does not know.
        return [
            Issue(
                severity="error",
                code="structure",
                diagnostics=f"The Bundle cannot be read as FHIR {version}: {error!s}",
                expression="Bundle.entry.resource",
            )
        ]
    return []


def _pathways_issues(node, path: str, issues: list[Issue]) -> None:
    """Every Pathways code anywhere in the Bundle must match its pattern (SG1137, SD4033, Dx0122…)."""
    if isinstance(node, dict):
        system = node.get("system")
        if isinstance(system, str) and "code" in node:
            kind = PATHWAYS_SYSTEMS.get(system.strip().lower())
            if kind and not PATHWAYS_PATTERNS[kind].match(str(node.get("code", ""))):
                issues.append(
                    Issue(
                        severity="error",
                        code="code-invalid",
                        diagnostics=f"'{node.get('code')}' is not an NHS Pathways {kind} code (expected the form {_example(kind)}).",
                        expression=f"{path}.code",
                    )
                )
        for key, value in node.items():
            if isinstance(value, dict | list):
                _pathways_issues(value, f"{path}.{key}", issues)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _pathways_issues(value, f"{path}[{index}]", issues)


def _example(kind: str) -> str:
    return {"SG": "SG1137", "SD": "SD4033", "Dx": "Dx0122", "PW": "PW1030"}[kind]


def _required(issues, diagnostics: str, expression: str) -> None:
    issues.append(Issue(severity="error", code="required", diagnostics=diagnostics, expression=expression))


def _bars_minimum_issues(bundle: Bundle, reading: Reading) -> list[Issue]:
    """The BaRS message minimums for a servicerequest-request (R4)."""
    issues: list[Issue] = []
    header = bundle.first("MessageHeader") or {}
    if not reading.sender_ods:
        _required(
            issues,
            "MessageHeader.sender must reference an Organization with an ODS code (https://fhir.nhs.uk/Id/ods-organization-code).",
            bundle.path(header, "sender"),
        )
    request = bundle.first("ServiceRequest")
    if request is None:
        _required(issues, "The message focus must be a ServiceRequest.", bundle.path(header, "focus"))
    else:
        if not request.get("category"):
            _required(
                issues,
                "ServiceRequest.category must give the referral use case.",
                bundle.path(request, "category"),
            )
        if not reading.purpose_for_information and not isinstance(request.get("occurrencePeriod"), dict):
            _required(
                issues,
                "ServiceRequest.occurrencePeriod must give the contact-by time for a referral for action.",
                bundle.path(request, "occurrencePeriod"),
            )
    encounter = bundle.first("Encounter")
    if encounter is None:
        _required(
            issues,
            "The message must include the Encounter of the 111 contact.",
            "Bundle.entry.resource.ofType(Encounter)",
        )
    elif not encounter.get("episodeOfCare"):
        _required(
            issues,
            "Encounter.episodeOfCare must carry the Journey ID.",
            bundle.path(encounter, "episodeOfCare"),
        )
    plans = bundle.of_type("CarePlan")
    if not any(
        isinstance(a, dict) and a.get("outcomeCodeableConcept")
        for plan in plans
        for a in (plan.get("activity") or [])
    ):
        _required(
            issues,
            "A CarePlan with activity.outcomeCodeableConcept (the NHS Pathways outcome) is required.",
            "Bundle.entry.resource.ofType(CarePlan).activity.outcomeCodeableConcept",
        )
    minimums = (("Organization", 2), ("Consent", 1), ("HealthcareService", 1), ("Patient", 1))
    for kind, least in minimums:
        if len(bundle.of_type(kind)) < least:
            _required(
                issues,
                f"At least {least} {kind} resource{'s' if least > 1 else ''} required; found {len(bundle.of_type(kind))}.",
                f"Bundle.entry.resource.ofType({kind})",
            )
    return issues


def _adaptor_minimum_issues(bundle: Bundle, reading: Reading) -> list[Issue]:
    """What the 111 integration adaptor always produces (STU3)."""
    issues: list[Issue] = []
    for kind in ("Patient", "Encounter", "ReferralRequest"):
        if not bundle.of_type(kind):
            _required(
                issues, f"An adaptor message must include a {kind}.", f"Bundle.entry.resource.ofType({kind})"
            )
    return issues


def message_check(data, *, read: tuple[Reading, Bundle] | None = None) -> CheckResult:
    """Check one message Bundle (parsed JSON). Never raises on bad content: everything is an issue.

    ``read`` is what ``message_read(data)`` returned, when the caller already has it (intake reads
    the sender first), so the Bundle is not read twice.
    """
    result = CheckResult()
    issues = result.issues
    if not isinstance(data, dict) or data.get("resourceType") != "Bundle":
        issues.append(
            Issue(
                severity="error",
                code="structure",
                diagnostics="The body must be a FHIR Bundle.",
                expression="Bundle",
            )
        )
        return result
    if data.get("type") != "message":
        issues.append(
            Issue(
                severity="error",
                code="value",
                diagnostics="Bundle.type must be 'message'.",
                expression="Bundle.type",
            )
        )
    entries = data.get("entry") if isinstance(data.get("entry"), list) else []
    first = entries[0].get("resource") if entries and isinstance(entries[0], dict) else None
    if not isinstance(first, dict) or first.get("resourceType") != "MessageHeader":
        issues.append(
            Issue(
                severity="error",
                code="structure",
                diagnostics="The first entry of a message Bundle must be its MessageHeader.",
                expression="Bundle.entry[0].resource",
            )
        )
        return result
    reading, bundle = read or message_read(data)
    result.reading = reading
    version = reading.fhir_version
    issues.extend(_structure_issues(data, version))
    if not reading.message_id:
        _required(issues, "The Bundle needs an id so a repeat can be recognised.", "Bundle.id")
    if reading.event_code not in SUPPORTED_EVENTS[version]:
        issues.append(
            Issue(
                severity="error",
                code="not-supported",
                diagnostics=f"Liaison receives 111 referrals and Post Event Messages, not '{reading.event_code or 'no event'}' messages.",
                expression="Bundle.entry[0].resource.eventCoding.code"
                if version == "R4"
                else "Bundle.entry[0].resource.event.code",
                error_code="REC_UNPROCESSABLE_ENTITY",
            )
        )
        return result
    issues.extend(
        _bars_minimum_issues(bundle, reading) if version == "R4" else _adaptor_minimum_issues(bundle, reading)
    )
    _pathways_issues(data, "Bundle", issues)
    result.sections = sections_present(reading)
    for section in PRSB_SECTIONS:
        if section.key in result.sections or section.conformance == Conformance.OPTIONAL:
            continue
        mandatory = section.conformance == Conformance.MANDATORY
        issues.append(
            Issue(
                severity="error" if mandatory else "warning",
                code="required",
                diagnostics=(
                    f"PRSB 111 Referral Standard: the {section.conformance} section '{section.title}' is missing."
                    + ("" if mandatory else " Send it whenever the information exists.")
                ),
                expression=section.where,
                section=section.title,
            )
        )
    return result
