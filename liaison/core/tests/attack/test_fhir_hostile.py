"""Hostile input at the FHIR intake, POST /fhir/r4/$process-message: every answer an OperationOutcome.

The intake is not in the OpenAPI document, so its cases are written here: malformed and deeply nested
JSON, the wrong resource, huge bundles, bodies over the size limit, wrong and missing headers, other
methods, and valid bundles with parts replaced by generated junk. None may answer 5xx, and every
answer must be a FHIR OperationOutcome whose issues have a severity and a code.
"""

import copy
import json
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from liaison.nhs111.models import ReceivedMessage
from liaison.nhs111.samples import pem_stu3, referral_r4
from liaison.nhs111.tests.conftest import credential, provider_111  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db
URL = "/fhir/r4/$process-message"


def guid() -> str:
    return str(uuid.uuid4())


def assert_operation_outcome(response, where: str = "") -> dict:
    assert response.status_code < 500, f"{where}: HTTP {response.status_code} {response.content[:300]!r}"
    assert response["Content-Type"].startswith("application/fhir+json"), (
        f"{where}: {response['Content-Type']}"
    )
    outcome = json.loads(response.content)
    assert outcome["resourceType"] == "OperationOutcome", where
    assert outcome["issue"], where
    for issue in outcome["issue"]:
        assert issue["severity"] in {"fatal", "error", "warning", "information"}, issue
        assert issue["code"], issue
    text = response.content.decode()
    assert "Traceback" not in text and 'File "' not in text, f"{where}: internal detail"
    return outcome


@pytest.fixture
def send(credential, practice):  # noqa: F811
    def do(body, *, content_type="application/fhir+json", method="post", **headers):
        sent = {
            "X-Request-Id": guid(),
            "X-Correlation-Id": guid(),
            "Authorization": f"Bearer {credential[1]}",
            **headers,
        }
        sent = {name: value for name, value in sent.items() if value is not None}
        raw = body if isinstance(body, bytes | str) else json.dumps(body)
        client = Client(raise_request_exception=False, headers=sent)
        return client.generic(method.upper(), URL, raw, content_type=content_type)

    return do


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"{not json",
        b"\xff\xfe\x00",
        b'{"resourceType": "Bundle", "entry": [}',
        b"[" * 50_000 + b"]" * 50_000,
        b'{"a":' * 20_000 + b"1" + b"}" * 20_000,
        b"null",
        b"42",
        b'"Bundle"',
        b"[]",
        b"{}",
        b'{"resourceType": null}',
        b'{"resourceType": "Patient", "id": "x"}',
        b'{"resourceType": "OperationOutcome", "issue": []}',
        b'{"resourceType": "Bundle"}',
        b'{"resourceType": "Bundle", "type": "collection", "entry": []}',
        b'{"resourceType": "Bundle", "type": "message", "entry": null}',
        b'{"resourceType": "Bundle", "type": "message", "entry": [null, 1, "x", [], {}]}',
        b'{"resourceType": "Bundle", "type": "message", "entry": [{"resource": "MessageHeader"}]}',
        '{"resourceType": "Bundle\u202e", "type": "message\x00"}'.encode(),
        b'{"resourceType": "Bundle", "type": "message", "id": "\\ud800"}',
        b'{"resourceType": "Bundle", "timestamp": 1e999}',
        b'{"resourceType": "Bundle", "resourceType": "Patient"}',
    ],
    ids=lambda body: repr(body[:40]),
)
def test_malformed_and_wrong_bodies_answer_an_operation_outcome(send, body):
    """Each body is refused with an OperationOutcome, and nothing is stored."""
    response = send(body)
    outcome = assert_operation_outcome(response, repr(body[:60]))
    assert response.status_code in (400, 413, 415, 422), outcome
    assert ReceivedMessage.objects.count() == 0


def test_a_bundle_with_ten_thousand_entries_is_answered_without_a_server_error(send):
    bundle = referral_r4()
    filler = {"fullUrl": "urn:uuid:x", "resource": {"resourceType": "Observation", "status": "final"}}
    bundle["entry"] += [dict(filler, fullUrl=f"urn:uuid:{guid()}") for _ in range(10_000)]
    assert_operation_outcome(send(bundle), "10,000 entries")


def test_a_body_over_the_size_limit_is_413(send, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100_000
    bundle = referral_r4()
    bundle["entry"][0]["resource"]["padding"] = "x" * 200_000
    response = send(bundle)
    assert response.status_code == 413
    assert_operation_outcome(response)


@pytest.mark.parametrize(
    ("headers", "content_type", "status"),
    [
        ({"Authorization": None}, "application/fhir+json", 401),
        ({"Authorization": "Bearer"}, "application/fhir+json", 401),
        ({"Authorization": "Basic " + "A" * 10_000}, "application/fhir+json", 401),
        ({"X-Request-Id": None}, "application/fhir+json", 400),
        ({"X-Request-Id": "<script>alert(1)</script>"}, "application/fhir+json", 400),
        ({"X-Correlation-Id": "x" * 5000}, "application/fhir+json", 400),
        ({}, "application/xml", 415),
        ({}, "text/plain", 415),
        ({}, "", 415),
        ({}, "multipart/form-data; boundary=x", 415),
    ],
)
def test_wrong_headers_answer_an_operation_outcome(send, headers, content_type, status):
    response = send(referral_r4(), content_type=content_type, **headers)
    assert response.status_code == status
    assert_operation_outcome(response)


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "options", "head"])
def test_other_methods_answer_405(send, method):
    response = send(referral_r4(), method=method)
    assert response.status_code == 405
    if method != "head":
        assert_operation_outcome(response, method)


def test_other_addresses_under_fhir_answer_an_operation_outcome():
    for path in ("/fhir/r4/Patient", "/fhir/r4/$process-message/extra", "/fhir/"):
        response = Client().post(path, "{}", content_type="application/fhir+json")
        assert response.status_code == 404, path
        assert_operation_outcome(response, path)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


BASES = {"r4": referral_r4(), "stu3": pem_stu3()}
PATHS = {name: [path for path in _paths(bundle) if path] for name, bundle in BASES.items()}


@settings(
    max_examples=60, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck)
)
@given(data=st.data())
def test_bundles_with_a_part_replaced_by_junk_answer_an_operation_outcome(send, data):
    name = data.draw(st.sampled_from(sorted(BASES)))
    bundle = copy.deepcopy(BASES[name])
    path = data.draw(st.sampled_from(PATHS[name]))
    junk = data.draw(json_values)
    node = bundle
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = junk
    # A fresh message id each time, so a repeat is never the reason for the answer.
    response = send(bundle)
    assert_operation_outcome(response, f"{name} {path} = {junk!r}"[:300])
