"""Sample 111 message bundles, for tests, the benchmark and demo data: a complete BaRS R4 referral carrying
every PRSB section, and a Post Event Message in the STU3 shape of the NHS 111 integration adaptor. Options
drop or change parts, so each section and each hazard has its own bundle. Patients are fictional; NHS numbers
from the 999 test range.
"""

import copy
import uuid

SENDER_ODS = "RX7"
PRACTICE_ODS = "N82001"
NHS_NUMBER = "9990000018"
ODS_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
CONSENT_SYSTEM = "https://liaison.nhs.uk/CodeSystem/consent-to-share"


def _urn() -> str:
    return f"urn:uuid:{uuid.uuid4()}"


def _entry(url: str, resource: dict) -> dict:
    return {"fullUrl": url, "resource": resource}


def referral_r4(
    *,
    message_id: str | None = None,
    sender_ods: str = SENDER_ODS,
    practice_ods: str | None = PRACTICE_ODS,
    drop: tuple[str, ...] = (),
    for_information: bool = False,
    contact_by: str | None = "2026-11-29T18:00:00+00:00",
    repeat_caller: bool = False,
    birth_sex: str | None = None,
    gender: str = "female",
    sex_and_gender_consent: bool = False,
    condition_status: str | None = "provisional",
    condition_text: str = "Urinary tract infection",
    confirmed_condition: str | None = "Type 2 diabetes mellitus",
    sg_code: str = "SG1137",
    patient_name: str = "Jane Example",
    nhs_number: str = NHS_NUMBER,
    contact_started: str = "2026-11-29T08:10:00+00:00",
) -> dict:
    """A BaRS ``servicerequest-request`` with every PRSB section; ``drop`` removes named parts."""
    ids = {
        name: _urn()
        for name in (
            "header",
            "request",
            "service",
            "encounter",
            "plan",
            "patient",
            "practice",
            "dental",
            "sender",
            "receiver",
            "provider",
            "consent",
            "related",
            "flag_sg",
            "flag_ss",
            "flag_ra",
            "flag_rc",
            "condition",
            "confirmed",
            "medication",
            "allergy",
            "social",
            "wishes",
            "triage",
        )
    }
    patient = {
        "resourceType": "Patient",
        "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": nhs_number}],
        "name": [{"use": "official", "family": patient_name.split()[-1], "given": patient_name.split()[:-1]}],
        "gender": gender,
        "birthDate": "1961-04-12",
        "generalPractitioner": [{"reference": ids["practice"]}, {"reference": ids["dental"]}],
    }
    if birth_sex:
        patient["extension"] = [
            {
                "url": "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-BirthSex",
                "valueCode": birth_sex,
            }
        ]
    plan_activity = [
        {
            "outcomeCodeableConcept": [
                {
                    "coding": [
                        {
                            "system": "https://fhir.nhs.uk/CodeSystem/pathways-sg-codes",
                            "code": sg_code,
                            "display": "Palpitations",
                        }
                    ]
                },
                {
                    "coding": [
                        {
                            "system": "https://fhir.nhs.uk/CodeSystem/pathways-sd-codes",
                            "code": "SD4033",
                            "display": "New or worsening breathlessness",
                        }
                    ]
                },
                {
                    "coding": [
                        {
                            "system": "https://fhir.nhs.uk/CodeSystem/pathways-dx-codes",
                            "code": "Dx05",
                            "display": "To contact a local service within 2 hours",
                        }
                    ]
                },
                {
                    "text": "Clinical summary: palpitations for two days, now breathless on stairs. Seen by the CAS clinician."
                },
            ],
            "detail": {
                "status": "scheduled",
                "description": "GP to call the patient back today and review in person.",
            },
        }
    ]
    request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": "https://fhir.nhs.uk/CodeSystem/message-category-servicerequest",
                        "code": "information" if for_information else "referral",
                    }
                ]
            }
        ],
        "subject": {"reference": ids["patient"]},
        "encounter": {"reference": ids["encounter"]},
        "basedOn": [{"reference": ids["plan"]}],
        "requester": {"reference": ids["sender"]},
        "performer": [{"reference": ids["service"]}],
    }
    if contact_by:
        request["occurrencePeriod"] = {"start": "2026-11-29T08:45:00+00:00", "end": contact_by}
    consent = {
        "resourceType": "Consent",
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "https://fhir.nhs.uk/CodeSystem/consent-categories-bars",
                        "code": "DRC",
                        "display": "Direct care",
                    }
                ]
            }
        ],
        "patient": {"reference": ids["patient"]},
        "policyRule": {
            "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IMPLIED"}]
        },
    }
    if sex_and_gender_consent:
        consent["category"].append(
            {
                "coding": [
                    {
                        "system": CONSENT_SYSTEM,
                        "code": "sex-and-gender",
                        "display": "Consents to sharing sex and gender",
                    }
                ]
            }
        )

    def flag(key: str, category: str, display: str, text: str) -> dict:
        return {
            "resourceType": "Flag",
            "status": "active",
            "category": [
                {
                    "coding": [
                        {
                            "system": "https://fhir.nhs.uk/CodeSystem/flag-categories-bars",
                            "code": category,
                            "display": display,
                        }
                    ]
                }
            ],
            "code": {"text": text},
            "subject": {"reference": ids["patient"]},
        }

    condition = {
        "resourceType": "Condition",
        "code": {"text": condition_text},
        "subject": {"reference": ids["patient"]},
    }
    if condition_status:
        condition["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": condition_status,
                }
            ]
        }
    parts = {
        "header": {
            "resourceType": "MessageHeader",
            "eventCoding": {
                "system": "https://fhir.nhs.uk/CodeSystem/message-events-bars",
                "code": "servicerequest-request",
            },
            "destination": [
                {"endpoint": "https://liaison.nhs.uk/fhir/r4", "receiver": {"reference": ids["receiver"]}}
            ],
            "sender": {"reference": ids["sender"]},
            "source": {"name": "NHS 111", "endpoint": "https://111.example.nhs.uk"},
            "reason": {
                "coding": [{"system": "https://fhir.nhs.uk/CodeSystem/message-reason-bars", "code": "new"}]
            },
            "focus": [{"reference": ids["request"]}],
        },
        "request": request,
        "service": {
            "resourceType": "HealthcareService",
            "name": "GP practice",
            "providedBy": {"reference": ids["receiver"]},
        },
        "encounter": {
            "resourceType": "Encounter",
            "status": "finished",
            "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "EMER"},
            "subject": {"reference": ids["patient"]},
            "episodeOfCare": [{"reference": "EpisodeOfCare/7f6a3b2e-2b1c-4d8e-9a51-1b2c3d4e5f60"}],
            "period": {"start": contact_started},
        },
        "plan": {
            "resourceType": "CarePlan",
            "status": "active",
            "intent": "plan",
            "subject": {"reference": ids["patient"]},
            "activity": plan_activity,
        },
        "patient": patient,
        "practice": {
            "resourceType": "Organization",
            "identifier": [{"system": ODS_SYSTEM, "value": practice_ods or "V81999"}],
            "name": "Test Mersey Practice",
        },
        "dental": {
            "resourceType": "Organization",
            "type": [{"text": "Dental practice"}],
            "name": "Riverside Dental Practice",
        },
        "sender": {
            "resourceType": "Organization",
            "identifier": [{"system": ODS_SYSTEM, "value": sender_ods}],
            "name": "North West 111",
        },
        "receiver": {
            "resourceType": "Organization",
            "identifier": [{"system": ODS_SYSTEM, "value": practice_ods or "V81999"}],
            "name": "Receiving practice",
        },
        "consent": consent,
        "related": {
            "resourceType": "RelatedPerson",
            "patient": {"reference": ids["patient"]},
            "relationship": [{"text": "Daughter"}],
            "name": [{"given": ["Sam"], "family": "Example"}],
            "telecom": [{"system": "phone", "value": "07700 900123"}],
        },
        "flag_sg": flag(
            "flag_sg", "SG", "Safeguarding", "Lives with a carer who reports feeling unable to cope"
        ),
        "flag_ss": flag("flag_ss", "SS", "Scene safety", "Dog at the property"),
        "flag_ra": flag(
            "flag_ra", "RA", "Reasonable adjustment", "Uses British Sign Language: book an interpreter"
        ),
        "condition": condition,
        "confirmed": {
            "resourceType": "Condition",
            "code": {"text": confirmed_condition or ""},
            "verificationStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                        "code": "confirmed",
                    }
                ]
            },
            "subject": {"reference": ids["patient"]},
        },
        "medication": {
            "resourceType": "MedicationStatement",
            "status": "active",
            "medicationCodeableConcept": {"text": "St John's Wort (bought online)"},
            "subject": {"reference": ids["patient"]},
            "dosage": [{"text": "One tablet daily"}],
        },
        "allergy": {
            "resourceType": "AllergyIntolerance",
            "patient": {"reference": ids["patient"]},
            "code": {"text": "Penicillin"},
            "reaction": [{"manifestation": [{"text": "Rash"}]}],
        },
        "social": {
            "resourceType": "Observation",
            "status": "final",
            "category": [
                {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                            "code": "social-history",
                        }
                    ]
                }
            ],
            "code": {"text": "Lives alone"},
            "subject": {"reference": ids["patient"]},
        },
        "wishes": {
            "resourceType": "Observation",
            "status": "final",
            "code": {"text": "Expectations and wishes"},
            "valueString": "Would prefer to be seen at the practice rather than go to hospital.",
            "subject": {"reference": ids["patient"]},
        },
        "triage": {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": {"reference": ids["patient"]},
            "item": [
                {
                    "linkId": "1",
                    "text": "Have you got new or worsening breathlessness?",
                    "answer": [{"valueString": "yes"}],
                },
                {
                    "linkId": "2",
                    "text": "Have you got crushing chest pain?",
                    "answer": [{"valueString": "no"}],
                },
                {
                    "linkId": "3",
                    "text": "Have you fainted in the last 24 hours?",
                    "answer": [{"valueBoolean": False}],
                },
            ],
        },
    }
    if repeat_caller:
        parts["flag_rc"] = flag("flag_rc", "RC", "Repeat caller", "Third call to 111 in 96 hours")
    if not confirmed_condition:
        drop = (*drop, "confirmed")
    if practice_ods is None:
        patient["generalPractitioner"] = [{"reference": ids["dental"]}]
    for name in drop:
        parts.pop(name, None)
        if name == "practice":
            patient["generalPractitioner"] = [
                g for g in patient["generalPractitioner"] if g["reference"] != ids["practice"]
            ]
        if name == "dental":
            patient["generalPractitioner"] = [
                g for g in patient["generalPractitioner"] if g["reference"] != ids["dental"]
            ]
        if name == "plan_detail":
            plan_activity[0].pop("detail")
        if name == "clinical_summary":
            plan_activity[0]["outcomeCodeableConcept"] = plan_activity[0]["outcomeCodeableConcept"][:3]
        if name == "pathways":
            plan_activity[0]["outcomeCodeableConcept"] = plan_activity[0]["outcomeCodeableConcept"][3:]
    order = ["header", "request", *[name for name in parts if name not in ("header", "request")]]
    return {
        "resourceType": "Bundle",
        "id": message_id or str(uuid.uuid4()),
        "meta": {"profile": ["https://fhir.nhs.uk/StructureDefinition/BARSBundleMessage"]},
        "type": "message",
        "timestamp": "2026-11-29T15:45:00+00:00",
        "entry": [_entry(ids[name], parts[name]) for name in order if name in parts],
    }


def pem_stu3(
    *, message_id: str | None = None, practice_ods: str = PRACTICE_ODS, for_information: bool = True
) -> dict:
    """A Post Event Message in the shape the NHS 111 integration adaptor produces from ITK CDA."""
    ids = {
        name: _urn()
        for name in (
            "header",
            "encounter",
            "patient",
            "practice",
            "provider",
            "referral",
            "procedure",
            "composition",
            "consent",
            "condition",
            "triage",
        )
    }
    interaction = (
        "urn:nhs-itk:interaction:copyRecipientNHS111CDADocument-v2-0"
        if for_information
        else "urn:nhs-itk:interaction:primaryGeneralPractitionerRecipientNHS111CDADocument-v2-0"
    )
    parts = {
        "header": {
            "resourceType": "MessageHeader",
            "event": {
                "system": "https://fhir.nhs.uk/STU3/CodeSystem/EventType-1",
                "code": "referral-1",
                "display": "Referral",
            },
            "timestamp": "2026-11-29T09:45:22+00:00",
            "source": {"name": "NHS 111 Adaptor", "endpoint": "http://localhost:8080/report"},
            "reason": {"coding": [{"system": "urn:nhs-itk:ns:201005:interaction", "code": interaction}]},
        },
        "encounter": {
            "resourceType": "Encounter",
            "status": "finished",
            "subject": {"reference": ids["patient"]},
            "period": {"start": "2026-11-29T09:10:00+00:00", "end": "2026-11-29T09:44:00+00:00"},
            "serviceProvider": {"reference": ids["provider"]},
        },
        "patient": {
            "resourceType": "Patient",
            "identifier": [{"system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9990000026"}],
            "name": [{"use": "official", "family": "Testpatient", "given": ["Alex"]}],
            "gender": "male",
            "birthDate": "1980-01-01",
            "generalPractitioner": [{"reference": ids["practice"]}],
        },
        "practice": {
            "resourceType": "Organization",
            "identifier": [{"value": practice_ods}],
            "type": [{"text": "GP Practice"}],
            "name": "Test Mersey Practice",
        },
        "provider": {
            "resourceType": "Organization",
            "identifier": [{"value": SENDER_ODS}],
            "name": "North West 111",
        },
        "referral": {
            "resourceType": "ReferralRequest",
            "status": "active",
            "intent": "plan",
            "subject": {"reference": ids["patient"]},
            "context": {"reference": ids["encounter"]},
            "occurrencePeriod": {"start": "2026-11-29T09:45:22+00:00"},
            "requester": {
                "agent": {"reference": ids["provider"]},
                "onBehalfOf": {"reference": ids["provider"]},
            },
        },
        "procedure": {
            "resourceType": "ProcedureRequest",
            "status": "active",
            "intent": "plan",
            "code": {
                "coding": [
                    {
                        "system": "2.16.840.1.113883.2.1.3.2.4.17.325",
                        "code": "Dx09",
                        "display": "Get in touch with a local service for a non-urgent appointment",
                    }
                ]
            },
            "subject": {"reference": ids["patient"]},
        },
        "composition": {
            "resourceType": "Composition",
            "status": "final",
            "type": {
                "coding": [
                    {
                        "system": "http://snomed.info/sct",
                        "code": "371531000",
                        "display": "Report of clinical encounter (record artifact)",
                    }
                ]
            },
            "subject": {"reference": ids["patient"]},
            "date": "2026-11-29T09:45:22+00:00",
            "author": [{"reference": ids["provider"]}],
            "title": "111 Report",
            "section": [
                {
                    "section": [
                        {
                            "title": "Patient's Reported Condition",
                            "text": {
                                "status": "generated",
                                "div": '<div xmlns="http://www.w3.org/1999/xhtml">Head lice for a week</div>',
                            },
                        },
                        {
                            "title": "Case Summary",
                            "text": {
                                "status": "generated",
                                "div": '<div xmlns="http://www.w3.org/1999/xhtml">&lt;content&gt;Advised pharmacy treatment&lt;/content&gt;&lt;br/&gt;&lt;content&gt;No red flags&lt;/content&gt;</div>',
                            },
                        },
                    ]
                }
            ],
        },
        "consent": {
            "resourceType": "Consent",
            "status": "active",
            "patient": {"reference": ids["patient"]},
            "action": [
                {
                    "coding": [
                        {
                            "system": "http://snomed.info/sct",
                            "code": "425691002",
                            "display": "Consent given for electronic record sharing",
                        }
                    ]
                }
            ],
            "policyRule": "http://hl7.org/fhir/ConsentPolicy/opt-out",
        },
        "condition": {
            "resourceType": "Condition",
            "clinicalStatus": "active",
            "verificationStatus": "unknown",
            "code": {"text": "Pediculosis capitis"},
            "subject": {"reference": ids["patient"]},
        },
        "triage": {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "subject": {"reference": ids["patient"]},
            "item": [
                {"linkId": "Tx1", "text": "Is there a rash?", "answer": [{"valueString": "no"}]},
                {"linkId": "Tx2", "text": "Itching of the scalp?", "answer": [{"valueString": "yes"}]},
            ],
        },
    }
    return {
        "resourceType": "Bundle",
        "id": message_id or str(uuid.uuid4()),
        "type": "message",
        "entry": [_entry(ids[name], parts[name]) for name in parts],
    }


def without_entry(bundle: dict, resource_type: str) -> dict:
    """A copy of ``bundle`` with every entry of ``resource_type`` removed."""
    copied = copy.deepcopy(bundle)
    copied["entry"] = [e for e in copied["entry"] if e["resource"]["resourceType"] != resource_type]
    return copied
