"""Rate limits on concern submission (web form and API) and NHS 111 intake: a clear 429 that says when to
try again, with a Retry-After header, nothing stored, and (on the form) everything typed kept."""

import json
import os
import subprocess
import sys
import uuid

import pytest
from django.test import Client

from liaison.accounts.services import api_token_create
from liaison.concerns.models import Concern
from liaison.concerns.tests.conftest import event_day, valid_submission  # noqa: F401 (fixtures)
from liaison.concerns.tests.test_api import body_of
from liaison.concerns.tests.test_views import form_data
from liaison.core import ratelimit
from liaison.nhs111.models import ReceivedMessage
from liaison.nhs111.samples import referral_r4
from liaison.nhs111.tests.conftest import credential, provider_111  # noqa: F401 (fixtures)
from liaison.standards.tests.conftest import baseline, published_code  # noqa: F401 (fixtures)


@pytest.fixture
def limits(settings, monkeypatch):
    # Hold the clock 20 s into a 60 s window, so a test's requests never straddle two windows.
    monkeypatch.setattr(ratelimit, "_now", lambda: 1_000_040.0)

    def set_limit(scope: str, requests: int, seconds: int = 60):
        settings.LIAISON_RATE_LIMITS = {**settings.LIAISON_RATE_LIMITS, scope: (requests, seconds)}

    return set_limit


# --- The counter ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_limit_counts_each_identity_in_its_own_window(limits):
    limits("concern_submit", 2, 60)
    now = 1_000_040.0  # 20 s into a 60 s window (1,000,020 is a multiple of 60)
    assert ratelimit.hit("concern_submit", 1, now=now) is None
    assert ratelimit.hit("concern_submit", 1, now=now) is None
    limited = ratelimit.hit("concern_submit", 1, now=now)
    assert limited is not None
    assert (limited.limit, limited.window_seconds, limited.retry_after) == (2, 60, 40)
    assert limited.headers == {"Retry-After": "40"}
    assert limited.wait_in_words() == "40 seconds"
    # Another person is not slowed by the first; the next window starts afresh.
    assert ratelimit.hit("concern_submit", 2, now=now) is None
    assert ratelimit.hit("concern_submit", 1, now=now + 40) is None


def test_a_scope_without_a_limit_is_never_limited(settings):
    settings.LIAISON_RATE_LIMITS = {}
    assert all(ratelimit.hit("concern_submit", 1) is None for _ in range(100))


@pytest.mark.parametrize(
    ("text", "parsed"), [("30/60", (30, 60)), ("5", (5, 60)), ("off", None), ("0", None), ("0/60", None)]
)
def test_limits_are_read_as_requests_per_seconds(text, parsed):
    assert ratelimit.parse_limit(text) == parsed


def test_limits_come_from_the_environment_with_a_clear_error_for_nonsense():
    def settings_with(**environment) -> subprocess.CompletedProcess:
        env = {**os.environ, **environment, "DJANGO_SETTINGS_MODULE": "liaison.config.settings"}
        code = "import django; django.setup(); from django.conf import settings; print(settings.LIAISON_RATE_LIMITS)"
        return subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
        )

    default = settings_with()
    assert default.stdout.strip() == "{'concern_submit': (30, 60), 'nhs111_intake': (600, 60)}"
    raised = settings_with(LIAISON_RATE_LIMIT_CONCERNS="5000/60", LIAISON_RATE_LIMIT_111="off")
    assert raised.stdout.strip() == "{'concern_submit': (5000, 60)}"
    wrong = settings_with(LIAISON_RATE_LIMIT_CONCERNS="lots")
    assert wrong.returncode != 0
    assert "LIAISON_RATE_LIMIT_CONCERNS must be REQUESTS/SECONDS, for example 30/60, or off" in wrong.stderr


# --- Concern submission ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_report_form_over_its_limit_says_when_to_try_again_and_keeps_everything_typed(
    limits,
    client_for,
    reporter,
    make_member,
    practice,
    valid_submission,  # noqa: F811
):
    limits("concern_submit", 2)
    client = client_for(reporter)
    for _ in range(2):
        assert client.post("/concerns/report/new/", form_data(valid_submission)).status_code == 302
    typed = form_data(
        valid_submission, what_happened="The clinic letter asked us to arrange a scan they had ordered."
    )
    response = client.post("/concerns/report/new/", typed)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "You have submitted a lot of concerns in a short time. Wait" in page
    assert "select Submit concern again. Everything you typed is still here." in page
    assert "<title>Error: " in page
    assert "The clinic letter asked us to arrange a scan they had ordered." in page
    assert f'value="{valid_submission.patient_reference}"' in page
    assert Concern.objects.count() == 2
    # Saving a draft is not a submission, and a colleague is not held up.
    assert client.post("/concerns/report/new/", {**typed, "action": "save"}).status_code != 429
    colleague = client_for(make_member("reporter", practice))
    assert colleague.post("/concerns/report/new/", form_data(valid_submission)).status_code == 302


@pytest.mark.django_db
def test_the_api_over_its_limit_answers_429_problem_json_and_stores_nothing(
    limits,
    reporter,
    valid_submission,  # noqa: F811
):
    limits("concern_submit", 1)
    _, token = api_token_create(user=reporter.user)
    client = Client(headers={"Authorization": f"Bearer {token}"})

    def post(key):
        return client.post(
            "/api/v1/concerns",
            json.dumps(body_of(valid_submission)),
            content_type="application/json",
            headers={"Idempotency-Key": key},
        )

    assert post("first").status_code == 201
    response = post("second")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    assert 1 <= int(response["Retry-After"]) <= 60
    problem = response.json()
    assert problem["status"] == 429 and problem["title"] == "Too many concerns in a short time"
    assert (
        "Nothing was stored: send the request again, with the same Idempotency-Key, after"
        in problem["detail"]
    )
    assert Concern.objects.count() == 1
    assert (
        "429" in Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/concerns"]["post"]["responses"]
    )


# --- NHS 111 intake -------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_111_intake_over_its_limit_answers_429_operation_outcome_per_sender(
    limits,
    credential,  # noqa: F811
    practice,
):
    limits("nhs111_intake", 1)

    def send():
        return Client().post(
            "/fhir/r4/$process-message",
            json.dumps(referral_r4()),
            content_type="application/fhir+json",
            headers={
                "X-Request-Id": str(uuid.uuid4()),
                "X-Correlation-Id": str(uuid.uuid4()),
                "Authorization": f"Bearer {credential[1]}",
            },
        )

    assert send().status_code == 200
    response = send()
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    issue = outcome["issue"][0]
    assert issue["severity"] == "error" and issue["code"] == "throttled"
    assert issue["details"]["coding"][0]["code"] == "REC_TOO_MANY_REQUESTS"
    assert "Nothing was stored: send this message again after" in issue["diagnostics"]
    assert ReceivedMessage.objects.count() == 1


@pytest.mark.django_db
def test_every_process_counts_in_one_table_with_one_statement_per_request(limits):
    """The count lives in the database (shared by every web process and machine) and costs one upsert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from liaison.core.models import RateLimitCounter

    limits("nhs111_intake", 2, 60)
    with CaptureQueriesContext(connection) as queries:
        results = [ratelimit.hit("nhs111_intake", "RX7", now=1_000_040.0) for _ in range(3)]
    assert results[:2] == [None, None] and results[2] is not None
    assert len(queries.captured_queries) == 3
    counter = RateLimitCounter.objects.get()
    assert (counter.key, counter.window_start, counter.count) == ("nhs111_intake:RX7", 1_000_020, 3)
    # A new window starts again from one, in the same row: one row per sender, never one per window.
    assert ratelimit.hit("nhs111_intake", "RX7", now=1_000_090.0) is None
    assert RateLimitCounter.objects.get().count == 1


@pytest.mark.django_db
def test_on_postgresql_the_counters_do_not_wait_for_the_disk():
    """The counters' table is UNLOGGED on PostgreSQL (migration core 0004), so a counted request's
    commit flushes no WAL; counting still works in it."""
    from django.db import connection

    from liaison.core.models import RateLimitCounter

    if connection.vendor != "postgresql":
        pytest.skip("UNLOGGED tables are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT relpersistence FROM pg_class WHERE relname = 'liaison_ratelimit'")
        assert cursor.fetchone()[0] == "u"
    assert ratelimit.hit("concern_submit", 1) is None
    assert RateLimitCounter.objects.get(key="concern_submit:1").count == 1
