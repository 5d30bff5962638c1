"""Checking 111 messages: structure, BaRS minimums, PRSB sections with conformance, Pathways codes."""

import json
from pathlib import Path

import pytest

from liaison.nhs111.checking import ERROR_CODE_SYSTEM, PRSB_SECTIONS, Conformance, message_check
from liaison.nhs111.samples import pem_stu3, referral_r4, without_entry

DATA = Path(__file__).parent / "data"


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _error_expressions(result) -> list[str]:
    return [issue.expression for issue in result.errors]


def test_a_complete_referral_has_every_prsb_section_and_no_issues():
    result = message_check(referral_r4())
    assert result.issues == []
    assert result.sections == {section.key for section in PRSB_SECTIONS}
    assert result.http_status == 200
    outcome = result.operation_outcome()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"] == [
        {"severity": "information", "code": "informational", "diagnostics": "Message accepted."}
    ]


def test_the_section_table_follows_the_prsb_standard():
    mandatory = [s.title for s in PRSB_SECTIONS if s.conformance == Conformance.MANDATORY]
    assert mandatory == ["Person demographics", "Referral details", "Presenting complaints or issues"]
    assert len([s for s in PRSB_SECTIONS if s.conformance == Conformance.REQUIRED]) == 14


@pytest.mark.parametrize(
    ("drop", "section"),
    [
        (("related",), "Caller details"),
        (("practice",), "GP practice details"),
        (("dental",), "Dental practice details"),
        (("flag_ra",), "Individual requirements"),
        (("flag_sg",), "Safeguarding"),
        (("flag_ss",), "Risks"),
        (("condition", "confirmed"), "Problem"),
        (("clinical_summary",), "Clinical summary"),
        (("social",), "Social context"),
        (("allergy",), "Allergies and adverse reactions"),
        (("medication",), "Medications and medical devices"),
        (("plan_detail",), "Plan and requested actions"),
        (("wishes",), "Person and carer concerns, expectations and wishes"),
    ],
)
def test_a_missing_required_section_is_accepted_with_a_warning(drop, section):
    bundle = referral_r4(drop=drop)
    if "plan_detail" in drop:
        # The Pathways disposition also counts as a plan; without both, the plan is missing.
        bundle["entry"][[e["resource"]["resourceType"] for e in bundle["entry"]].index("CarePlan")][
            "resource"
        ]["activity"][0]["outcomeCodeableConcept"].pop(2)
    result = message_check(bundle)
    assert not result.has_errors
    assert result.required_missing == [section]
    warning = next(issue for issue in result.issues if issue.section == section)
    assert warning.severity == "warning"
    assert warning.code == "required"
    assert warning.expression.startswith("Bundle.entry.resource.ofType(")
    assert "Required" in warning.diagnostics


def test_missing_consent_is_both_a_bars_error_and_a_missing_prsb_section():
    result = message_check(referral_r4(drop=("consent",)))
    assert result.http_status == 400
    assert "Bundle.entry.resource.ofType(Consent)" in _error_expressions(result)
    assert "Consent for information sharing" in result.required_missing


def test_missing_patient_rejects_with_the_mandatory_demographics_section():
    result = message_check(without_entry(referral_r4(), "Patient"))
    errors = {issue.section: issue for issue in result.errors if issue.section}
    assert "Person demographics" in errors
    issue = errors["Person demographics"].as_fhir()
    assert issue["severity"] == "error"
    assert issue["code"] == "required"
    assert issue["details"]["coding"] == [{"system": ERROR_CODE_SYSTEM, "code": "REC_BAD_REQUEST"}]
    assert issue["expression"] == ["Bundle.entry.resource.ofType(Patient)"]
    assert "Mandatory" in issue["diagnostics"]


def test_missing_presenting_complaint_is_rejected():
    result = message_check(referral_r4(drop=("pathways",)))
    assert [i.section for i in result.errors if i.section] == ["Presenting complaints or issues"]


def test_missing_referral_is_rejected_at_the_message_focus():
    result = message_check(without_entry(referral_r4(), "ServiceRequest"))
    assert "Bundle.entry[0].resource.focus" in _error_expressions(result)
    assert "Referral details" in [i.section for i in result.errors]


def test_bars_minimums_need_two_organisations_a_healthcare_service_and_a_journey_id():
    bundle = referral_r4(drop=("dental", "service"))
    for entry in bundle["entry"]:
        if entry["resource"]["resourceType"] == "Encounter":
            del entry["resource"]["episodeOfCare"]
    bundle["entry"] = [
        e
        for e in bundle["entry"]
        if e["resource"].get("name") not in ("Receiving practice", "Test Mersey Practice")
    ]
    expressions = _error_expressions(message_check(bundle))
    assert "Bundle.entry.resource.ofType(HealthcareService)" in expressions
    assert "Bundle.entry.resource.ofType(Organization)" in expressions
    assert any(expression.endswith(".episodeOfCare") for expression in expressions)


def test_a_wrongly_shaped_element_is_a_structure_error_with_its_fhirpath():
    bundle = referral_r4()
    bundle["entry"][1]["resource"]["basedOn"] = {"reference": "urn:uuid:not-a-list"}
    result = message_check(bundle)
    assert [(i.code, i.expression) for i in result.errors] == [
        ("structure", "Bundle.entry[1].resource.basedOn")
    ]


def test_an_unknown_resource_type_is_reported_not_raised():
    bundle = referral_r4()
    bundle["entry"].append({"fullUrl": "urn:uuid:x", "resource": {"resourceType": "Spaceship"}})
    result = message_check(bundle)
    assert result.has_errors
    assert result.errors[0].code == "structure"


@pytest.mark.parametrize("code", ["SG11", "sg1137", "SG1137X", "Palpitations"])
def test_pathways_codes_are_checked_by_pattern(code):
    result = message_check(referral_r4(sg_code=code))
    assert [(i.code, i.expression) for i in result.errors] == [
        ("code-invalid", "Bundle.entry[4].resource.activity[0].outcomeCodeableConcept[0].coding[0].code")
    ]


@pytest.mark.parametrize("code", ["SG1137", "SG9999", "SG0001"])
def test_any_pathways_code_of_the_right_form_is_accepted(code):
    assert not message_check(referral_r4(sg_code=code)).has_errors


@pytest.mark.parametrize("body", [None, [], "text", {"resourceType": "Patient"}, {"resourceType": "Bundle"}])
def test_something_that_is_not_a_message_bundle_is_an_error(body):
    result = message_check(body)
    assert result.has_errors
    assert all(issue.expression.startswith("Bundle") for issue in result.errors)


def test_the_adaptor_stu3_shape_is_checked_with_stu3_classes():
    result = message_check(pem_stu3())
    assert not result.has_errors
    assert result.reading.fhir_version == "STU3"
    assert result.reading.purpose_for_information is True
    broken = pem_stu3()
    broken["entry"][2]["resource"]["name"] = {"family": "Testpatient"}
    assert [issue.expression for issue in message_check(broken).errors] == ["Bundle.entry[2].resource.name"]


# --- The official BaRS examples ------------------------------------------------------------------


def test_the_official_bars_referral_example_is_accepted_with_its_missing_sections_counted():
    result = message_check(_load("bars/servicerequest-request-validation.json"))
    assert not result.has_errors
    assert "Safeguarding" in result.required_missing
    assert result.reading.sender_ods == "RND"
    assert result.reading.registered_practice_ods == "G82080"


@pytest.mark.parametrize(
    ("name", "expression"),
    [
        ("bars/111-to-ed-servicerequest-2021.json", "Bundle.entry[14].resource.basedOn"),
        ("bars/999-to-cas-servicerequest-2021.json", "Bundle.entry[0].resource.destination[0].endpoint"),
        ("bars/booking-response-invalid.json", "Bundle.entry[4].resource.id"),
    ],
)
def test_the_known_invalid_official_examples_are_reported_invalid(name, expression):
    result = message_check(_load(name))
    assert result.has_errors
    assert expression in _error_expressions(result)


@pytest.mark.parametrize(
    "name", ["bars/booking-request.json", "bars/servicerequest-response-validation.json"]
)
def test_other_bars_messages_are_refused_as_not_supported(name):
    result = message_check(_load(name))
    assert [(i.code, i.error_code) for i in result.errors] == [("not-supported", "REC_UNPROCESSABLE_ENTITY")]
    assert result.http_status == 422


def test_an_impossible_date_is_an_error_not_a_crash():
    result = message_check(referral_r4(contact_by="2026-13-45T10:00:00+00:00"))
    assert result.has_errors
    assert any(issue.expression.endswith("occurrencePeriod.end") for issue in result.errors)
