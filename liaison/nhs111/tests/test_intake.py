"""POST /fhir/r4/$process-message: headers, sender authentication, duplicates, OperationOutcomes."""

import io
import json
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from liaison.nhs111.models import ReceivedMessage, SenderCredential
from liaison.nhs111.samples import pem_stu3, referral_r4

pytestmark = pytest.mark.django_db
URL = "/fhir/r4/$process-message"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def post(credential, practice):
    def do(
        bundle,
        *,
        secret=None,
        request_id=None,
        correlation_id=None,
        body=None,
        content_type="application/fhir+json",
    ):
        headers = {
            "HTTP_X_REQUEST_ID": request_id if request_id is not None else str(uuid.uuid4()),
            "HTTP_X_CORRELATION_ID": correlation_id if correlation_id is not None else str(uuid.uuid4()),
            "HTTP_AUTHORIZATION": f"Bearer {secret if secret is not None else credential[1]}",
        }
        return Client().post(
            URL, data=body if body is not None else json.dumps(bundle), content_type=content_type, **headers
        )

    return do


def _code(response) -> str:
    return response.json()["issue"][0]["details"]["coding"][0]["code"]


def test_a_valid_message_is_accepted_and_the_ids_are_echoed(post):
    request_id, correlation_id = str(uuid.uuid4()), str(uuid.uuid4())
    response = post(referral_r4(), request_id=request_id, correlation_id=correlation_id)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    assert response["X-Request-Id"] == request_id
    assert response["X-Correlation-Id"] == correlation_id
    assert response.json()["resourceType"] == "OperationOutcome"
    assert ReceivedMessage.objects.get().correlation_id == correlation_id


def test_missing_required_sections_are_returned_as_warnings(post):
    response = post(referral_r4(drop=("allergy", "medication")))
    assert response.status_code == 200
    warnings = [issue for issue in response.json()["issue"] if issue["severity"] == "warning"]
    assert [issue["expression"] for issue in warnings] == [
        ["Bundle.entry.resource.ofType(AllergyIntolerance)"],
        ["Bundle.entry.resource.ofType(MedicationStatement)"],
    ]


@pytest.mark.parametrize(
    ("request_id", "correlation_id", "location"),
    [
        ("", str(uuid.uuid4()), "http.X-Request-Id"),
        ("not-a-guid", str(uuid.uuid4()), "http.X-Request-Id"),
        (str(uuid.uuid4()), "", "http.X-Correlation-Id"),
    ],
)
def test_request_and_correlation_ids_must_be_guids(post, request_id, correlation_id, location):
    response = post(referral_r4(), request_id=request_id, correlation_id=correlation_id)
    assert response.status_code == 400
    assert _code(response) == "REC_BAD_REQUEST"
    assert response.json()["issue"][0]["location"] == [location]
    assert ReceivedMessage.objects.count() == 0


@pytest.mark.parametrize("secret", ["", "l111_wrong"])
def test_a_sender_without_a_valid_credential_is_refused(post, secret):
    response = post(referral_r4(), secret=secret)
    assert response.status_code == 401
    assert _code(response) == "REC_UNAUTHORIZED"
    assert ReceivedMessage.objects.count() == 0


def test_a_revoked_credential_is_refused(post, credential):
    from django.utils import timezone

    SenderCredential.objects.filter(pk=credential[0].pk).update(revoked_at=timezone.now())
    assert post(referral_r4()).status_code == 401


def test_a_sender_cannot_send_as_another_organisation(post):
    response = post(referral_r4(sender_ods="RRF"))
    assert response.status_code == 403
    assert _code(response) == "REC_FORBIDDEN"


def test_a_repeat_is_409_and_not_stored_twice(post):
    bundle = referral_r4()
    assert post(bundle).status_code == 200
    repeat = post(bundle)
    assert repeat.status_code == 409
    assert _code(repeat) == "REC_CONFLICT"
    assert ReceivedMessage.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has one writer at a time: there a concurrent repeat is answered 409 once the first is stored",
)
def test_a_repeat_while_processing_is_425(post, provider_111, held_elsewhere):
    bundle = referral_r4()
    held_elsewhere(provider_111.ods_code, bundle["id"])
    response = post(bundle)
    assert response.status_code == 425
    assert _code(response) == "REC_TOO_EARLY"
    assert ReceivedMessage.objects.count() == 0


def test_a_missing_mandatory_section_is_rejected_with_a_precise_outcome(post):
    response = post(referral_r4(drop=("pathways",)))
    assert response.status_code == 400
    errors = [issue for issue in response.json()["issue"] if issue["severity"] == "error"]
    assert errors == [
        {
            "severity": "error",
            "code": "required",
            "details": {
                "coding": [
                    {"system": "https://fhir.nhs.uk/Codesystem/http-error-codes", "code": "REC_BAD_REQUEST"}
                ]
            },
            "diagnostics": "PRSB 111 Referral Standard: the Mandatory section 'Presenting complaints or issues' is missing.",
            "expression": ["Bundle.entry.resource.ofType(CarePlan).activity.outcomeCodeableConcept"],
        }
    ]


@pytest.mark.parametrize("body", ["{not json", "   ", "\xff"])
def test_a_body_that_is_not_json_is_an_operation_outcome(post, body):
    response = post(None, body=body)
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_the_wrong_content_type_is_refused(post):
    response = post(referral_r4(), content_type="text/plain")
    assert response.status_code == 415
    assert response.json()["resourceType"] == "OperationOutcome"


def test_get_is_not_allowed_and_answers_in_fhir():
    response = Client().get(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["resourceType"] == "OperationOutcome"


def test_an_unexpected_failure_answers_500_without_detail(post, monkeypatch):
    from liaison.nhs111 import services

    def explode(**kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(services, "message_receive", explode)
    response = post(referral_r4())
    assert response.status_code == 500
    assert "secret internal detail" not in response.content.decode()
    assert _code(response) == "REC_SERVER_ERROR"


def test_the_adaptor_stu3_bundle_is_accepted(post):
    assert post(pem_stu3()).status_code == 200
    assert ReceivedMessage.objects.get().fhir_version == "STU3"


def test_the_official_bars_referral_example_is_accepted_from_its_own_sender(post, make_sender):
    secret = make_sender("RND")
    bundle = json.loads((DATA / "bars" / "servicerequest-request-validation.json").read_text())
    response = post(bundle, secret=secret)
    assert response.status_code == 200
    message = ReceivedMessage.objects.get()
    assert message.queue == "unregistered"  # G82080 is not a practice Liaison knows here
    assert "Safeguarding" in message.sections_missing


@pytest.fixture
def make_sender(icb):
    from liaison.core.factories import OrganisationFactory
    from liaison.directory.models import OrganisationType
    from liaison.nhs111.services import sender_credential_issue

    def make(ods_code: str) -> str:
        organisation = OrganisationFactory(
            ods_code=ods_code, org_type=OrganisationType.AMBULANCE_111, icb=icb
        )
        return sender_credential_issue(organisation=organisation, name="test")[1]

    return make


# --- Commands ------------------------------------------------------------------------------------


def test_issue_sender_credential_prints_a_credential_that_works(provider_111, practice):
    out = io.StringIO()
    call_command("issue_sender_credential", provider_111.ods_code, "--name", "Adastra live", stdout=out)
    secret = out.getvalue().strip()
    response = Client().post(
        URL,
        data=json.dumps(referral_r4()),
        content_type="application/fhir+json",
        HTTP_X_REQUEST_ID=str(uuid.uuid4()),
        HTTP_X_CORRELATION_ID=str(uuid.uuid4()),
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert response.status_code == 200


def test_issue_sender_credential_refuses_an_unknown_organisation(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No organisation"):
        call_command("issue_sender_credential", "ZZZ99", "--name", "x")


def test_validate_message_prints_outcomes_and_fails_on_any_error(capsys):
    good = str(DATA / "referral-r4-complete.json")
    bad = str(DATA / "bars" / "111-to-ed-servicerequest-2021.json")
    call_command("validate_message", good)
    printed = capsys.readouterr().out
    assert json.loads(printed)["valid"] is True
    with pytest.raises(SystemExit) as exit_info:
        call_command("validate_message", good, bad)
    assert exit_info.value.code == 1
    documents = capsys.readouterr().out
    assert '"valid": false' in documents
    assert "Bundle.entry[14].resource.basedOn" in documents
