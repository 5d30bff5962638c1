"""The 111 integration adaptor's own STU3 examples: what today's ITK Post Event Messages become.

The files in ``data/adaptor/`` are the adaptor's expected conversion results (see ``data/README.md``),
so these tests check Liaison against what real 111 systems (Adastra, Cleric, IC24, TPP) send today.
"""

import json
import uuid
from pathlib import Path

import pytest
from django.test import Client

from liaison.core.factories import PracticeFactory
from liaison.nhs111.checking import message_check
from liaison.nhs111.models import Purpose, Queue, ReceivedMessage

ADAPTOR = Path(__file__).parent / "data" / "adaptor"
URL = "/fhir/r4/$process-message"

# Two conformance examples carry a placeholder disposition code ("DispoCodeDx87") where NHS Pathways
# puts a real one (Dx87): Liaison must refuse them and say exactly where.
PLACEHOLDER_DISPOSITION = {
    "conformance-example-adastra-ooh-fhir-result.json",
    "example-adastra-ooh-fhir-result.json",
}
ACCEPTED = sorted(p.name for p in ADAPTOR.glob("*.json") if p.name not in PLACEHOLDER_DISPOSITION)


def _load(name: str) -> dict:
    return json.loads((ADAPTOR / name).read_text(encoding="utf-8"))


def test_every_adaptor_example_is_here():
    assert len(ACCEPTED) == 13
    assert all((ADAPTOR / name).exists() for name in PLACEHOLDER_DISPOSITION)


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_adaptor_example_is_accepted_as_stu3_for_action(name):
    result = message_check(_load(name))
    assert result.errors == []
    reading = result.reading
    assert reading.fhir_version == "STU3"
    # Every one of these is a primary-recipient or repeat-caller document: each asks the GP to act.
    assert reading.purpose_for_information is False
    assert reading.presenting, "the Mandatory presenting complaint was not read"
    assert any("(Dx" in line for line in reading.disposition)
    # The adaptor carries no dental practice, safeguarding, allergies or medications: counted as missing.
    assert {"Dental practice details", "Allergies and adverse reactions"} <= set(result.required_missing)


@pytest.mark.parametrize("name", sorted(PLACEHOLDER_DISPOSITION))
def test_a_placeholder_disposition_code_is_refused_where_it_is(name):
    result = message_check(_load(name))
    assert [(i.code, i.expression) for i in result.errors] == [
        ("code-invalid", "Bundle.entry[12].resource.code.coding[0].code")
    ]
    assert "DispoCodeDx87" in result.errors[0].diagnostics
    assert result.http_status == 400


def test_the_primary_reason_for_call_is_the_presenting_complaint():
    """The emergency department document names the section "Primary Reason for Call"."""
    reading = message_check(_load("primary-emergency-fhir-result.json")).reading
    assert reading.presenting[0] == "Patient feels dizzy."


def test_a_condition_of_unknown_verification_from_the_adaptor_is_suspected():
    reading = message_check(_load("primary-emergency-fhir-result.json")).reading
    assert [(d.text, d.confirmed) for d in reading.diagnoses] == [("Myocardial infarction", False)]


@pytest.mark.parametrize(
    "name", ["repeat-caller-fhir-result.json", "repeat-caller-exampleV1-fhir-result.json"]
)
def test_the_repeat_caller_documents_raise_the_repeat_caller_flag(name):
    assert message_check(_load(name)).reading.repeat_caller is True


def test_no_adaptor_example_holds_an_nhs_number_outside_the_test_range():
    for name in [*ACCEPTED, *PLACEHOLDER_DISPOSITION]:
        reading = message_check(_load(name)).reading
        assert reading.nhs_number in ("", None) or reading.nhs_number.startswith("999"), name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ACCEPTED)
def test_each_adaptor_example_arrives_over_http_and_is_stored_once(name, credential, icb):
    bundle = _load(name)
    gp_ods = message_check(bundle).reading.registered_practice_ods
    if gp_ods:
        PracticeFactory(ods_code=gp_ods, name=f"PRACTICE {gp_ods}", icb=icb)
    headers = {
        "HTTP_X_REQUEST_ID": str(uuid.uuid4()),
        "HTTP_X_CORRELATION_ID": str(uuid.uuid4()),
        "HTTP_AUTHORIZATION": f"Bearer {credential[1]}",
    }
    response = Client().post(URL, data=json.dumps(bundle), content_type="application/fhir+json", **headers)
    assert response.status_code == 200, response.content
    message = ReceivedMessage.objects.get()
    assert message.fhir_version == "STU3"
    assert message.purpose == Purpose.FOR_ACTION
    assert message.raw == bundle
    if gp_ods:
        assert (message.queue, message.practice.ods_code) == (Queue.PRACTICE, gp_ods)
    else:
        # No registered practice in the message: the ICB's unregistered-patient queue, never lost.
        assert (message.queue, message.practice) == (Queue.UNREGISTERED, None)
    again = Client().post(URL, data=json.dumps(bundle), content_type="application/fhir+json", **headers)
    assert again.status_code == 409
    assert ReceivedMessage.objects.count() == 1
