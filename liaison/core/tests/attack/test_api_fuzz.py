"""Schemathesis against the published OpenAPI document: every operation, hostile generated input.

The schema is the one Liaison serves at /api/v1/openapi.json (read from the API object, so nothing
runs at import time). Each generated case is sent in-process through Django's test client, signed in
with a real personal API token: a reporter at a practice for most operations, a responder at the
trust for the routing ones. Every answer must be below 500, and every 4xx a problem+json document
whose ``status`` is the HTTP status. A fixed seed and a bounded number of examples per operation
keep `make test` fast and a failure reproducible (docs/adr/0011-schemathesis-api-fuzzing.md).
"""

import json
from urllib.parse import urlencode

import pytest
import schemathesis
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.core import NOT_SET

from liaison.accounts.models import Role
from liaison.accounts.services import api_token_create
from liaison.config.api import api
from liaison.core.problems import PROBLEM_CONTENT_TYPE

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25

schema = schemathesis.openapi.from_dict(api.get_openapi_schema(path_prefix="/api/v1/"))


def _token_client(membership) -> Client:
    _, token = api_token_create(user=membership.user)
    return Client(headers={"Authorization": f"Bearer {token}"}, raise_request_exception=False)


def send(client: Client, case):
    """The generated request, as Django's test client sends it (no network, the real middleware)."""
    path = case.formatted_path
    query = case.query if case.query not in (None, NOT_SET) else {}
    if query:
        path += "?" + urlencode(query, doseq=True)
    headers = {
        name: value
        for name, value in (case.headers or {}).items()
        if name.lower() not in ("authorization", "content-type", "content-length")
    }
    if case.body is NOT_SET:
        return client.generic(case.method.upper(), path, headers=headers)
    media_type = case.media_type or "application/json"
    body = case.body
    if isinstance(body, bytes | str):
        pass  # sent as generated: the raw bytes of a malformed body
    elif "json" in media_type or not isinstance(body, dict):
        body = json.dumps(body)
    else:
        body = urlencode(body, doseq=True)
    return client.generic(case.method.upper(), path, body, content_type=media_type, headers=headers)


def assert_well_formed(response, where: str) -> None:
    assert response.status_code < 500, f"{where}: HTTP {response.status_code} {response.content[:500]!r}"
    if response.status_code >= 400:
        assert response["Content-Type"] == PROBLEM_CONTENT_TYPE, (
            f"{where}: HTTP {response.status_code} as {response['Content-Type']}: {response.content[:300]!r}"
        )
        problem = json.loads(response.content)
        assert problem["status"] == response.status_code, f"{where}: {problem}"
        assert problem["title"] and problem["type"], f"{where}: {problem}"
        text = json.dumps(problem)
        assert "Traceback" not in text and 'File "' not in text, f"{where}: internal detail in {problem}"


@pytest.fixture
def clients(make_member, practice, trust, published_code, event_day):
    """Token clients per role, and one real concern about the trust so routes can find something."""
    from liaison.concerns.services import ConcernSubmission, submit_concern

    reporter = make_member(Role.REPORTER, practice)
    responder = make_member(Role.RESPONDER, trust)
    submit_concern(
        membership=reporter,
        submission=ConcernSubmission(
            part="A",
            about_organisation=trust.ods_code,
            aspect_of_care="discharge",
            event_date=event_day,
            what_happened="The discharge letter arrived a week late and listed no medication changes.",
            impact="The practice had to phone the ward.",
        ),
    )
    return {"reporter": _token_client(reporter), "responder": _token_client(responder)}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_hostile_input_without_a_server_error(case, clients):
    client = clients["responder" if "/routing/" in case.path else "reporter"]
    response = send(client, case)
    assert_well_formed(response, f"{case.method} {case.formatted_path}")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        (method.upper(), path)
        for path, operations in schema.raw_schema["paths"].items()
        for method in operations
    ],
)
def test_every_operation_without_a_token_is_a_401_problem(method, path):
    concrete = path.replace("{", "x").replace("}", "")
    response = getattr(Client(raise_request_exception=False), method.lower())(concrete)
    assert response.status_code == 401, f"{method} {concrete}: {response.status_code}"
    assert_well_formed(response, f"{method} {concrete}")


@pytest.mark.parametrize(
    "headers",
    [
        {"Authorization": "Bearer "},
        {"Authorization": "Bearer lia_" + "A" * 5000},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "Bearer lia_\x00\x01"},
    ],
    ids=["empty", "huge", "basic", "control"],
)
def test_a_bad_token_is_a_401_problem(headers):
    response = Client(headers=headers, raise_request_exception=False).get("/api/v1/me")
    assert response.status_code == 401
    assert_well_formed(response, "GET /api/v1/me")
