"""The concerns API: idempotent creation, the same validation messages as the form, scoped reads."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from liaison.accounts.services import api_token_create
from liaison.concerns import services
from liaison.concerns.models import Concern, IdempotencyRecord, Occurrence
from liaison.concerns.services import ConcernInvalid, submit_concern

from .conftest import SYNTHETIC_NHS_NUMBER, submission_with

pytestmark = pytest.mark.django_db


def api_client(membership) -> Client:
    _, token = api_token_create(user=membership.user)
    return Client(headers={"Authorization": f"Bearer {token}"})


def body_of(submission) -> dict:
    return {
        "part": submission.part,
        "about_organisation": submission.about_organisation,
        "aspect_of_care": submission.aspect_of_care,
        "staff_group": submission.staff_group,
        "event_date": submission.event_date.isoformat() if submission.event_date else None,
        "standards": submission.standards,
        "what_happened": submission.what_happened,
        "impact": submission.impact,
        "patient_reference": submission.patient_reference,
        "patient_reference_system": submission.patient_reference_system,
        "reporter_may_be_named": submission.reporter_may_be_named,
    }


def post(client, body, key="key-1"):
    headers = {"Idempotency-Key": key} if key else {}
    return client.post("/api/v1/concerns", json.dumps(body), content_type="application/json", headers=headers)


def test_create_then_repeat_with_the_same_key_returns_the_same_concern(reporter, valid_submission):
    client = api_client(reporter)
    first = post(client, body_of(valid_submission))
    assert first.status_code == 201
    created = first.json()
    assert created["reference"].startswith("LIA-") and created["standards"][0]["time_limit"] == "24 hours"
    assert created["patient_reference"] == "E12345" and created["occurrence_count"] == 1

    again = post(client, body_of(valid_submission))
    assert again.status_code == 200 and again.json() == created
    assert Concern.objects.count() == 1 and Concern.objects.get().source == "api"

    # The same JSON with the keys in another order is the same request.
    reordered = dict(reversed(list(body_of(valid_submission).items())))
    assert post(client, reordered).json()["reference"] == created["reference"]


def test_the_same_key_with_a_different_body_is_refused(reporter, valid_submission):
    client = api_client(reporter)
    created = post(client, body_of(valid_submission)).json()
    changed = body_of(submission_with(valid_submission, impact="Something else"))
    response = post(client, changed)
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Idempotency-Key already used for a different request"
    assert created["reference"] in problem["detail"]
    assert Concern.objects.count() == 1


def test_a_key_is_required(reporter, valid_submission):
    response = post(api_client(reporter), body_of(valid_submission), key="")
    assert response.status_code == 400 and response.json()["title"] == "Idempotency-Key header required"
    assert Concern.objects.count() == 0


def test_a_request_that_loses_the_race_for_its_key_gets_the_winners_concern(
    reporter, valid_submission, monkeypatch
):
    """Two requests with one key both pass the first look-up; the unique constraint settles it."""
    fingerprint = services.request_fingerprint(body_of(valid_submission))
    winner, _ = submit_concern(
        membership=reporter, submission=valid_submission, idempotency_key="race", fingerprint=fingerprint
    )
    real_lookup = services._previous_for_key
    calls = []

    def first_look_misses(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_lookup(**kwargs)

    monkeypatch.setattr(services, "_previous_for_key", first_look_misses)
    loser, created = submit_concern(
        membership=reporter, submission=valid_submission, idempotency_key="race", fingerprint=fingerprint
    )
    assert not created and loser.pk == winner.pk and len(calls) == 2
    assert Concern.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_make_one_concern(reporter, valid_submission):
    if connection.vendor != "postgresql":
        pytest.skip("Concurrent writers need PostgreSQL; SQLite serialises the whole database.")
    _, token = api_token_create(user=reporter.user)
    body = body_of(valid_submission)
    statuses, barrier = [], threading.Barrier(4)

    def send():
        client = Client(headers={"Authorization": f"Bearer {token}"})
        barrier.wait()
        statuses.append(post(client, body, key="concurrent").status_code)
        connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 200, 200, 201]
    assert Concern.objects.count() == 1


def test_validation_problems_are_problem_json_with_the_forms_messages(
    reporter, valid_submission, published_code
):
    client = api_client(reporter)
    response = post(client, {"what_happened": f"Letter for {SYNTHETIC_NHS_NUMBER}", "part": "B"})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    errors = response.json()["errors"]
    # The very same messages the service gives the web form.
    with pytest.raises(ConcernInvalid) as raised:
        submit_concern(
            membership=reporter,
            submission=services.ConcernSubmission(
                part="B", what_happened=f"Letter for {SYNTHETIC_NHS_NUMBER}"
            ),
        )
    assert [(e["field"], e["message"]) for e in errors] == [
        (p.field, p.message) for p in raised.value.problems
    ]
    assert {"field": "what_happened", "code": "pid_blocked", "kind": "nhs_number"}.items() <= next(
        e for e in errors if e["field"] == "what_happened"
    ).items()
    assert "0018" not in response.content.decode().replace(SYNTHETIC_NHS_NUMBER, "")
    assert Concern.objects.count() == 0


def test_a_bad_date_is_a_problem_naming_the_field(reporter, valid_submission):
    body = {**body_of(valid_submission), "event_date": "3/4/2026"}
    response = post(api_client(reporter), body)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["field"] == "event_date" and error["message"].startswith("Enter the date as YYYY-MM-DD")


def test_a_warning_can_be_confirmed_through_the_api(reporter, valid_submission):
    body = {**body_of(valid_submission), "what_happened": "Dr Patel said the letter was sent."}
    client = api_client(reporter)
    refused = post(client, body, key="w-1")
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "pid_warning"
    accepted = post(client, {**body, "confirm_not_identifying": ["what_happened"]}, key="w-2")
    assert accepted.status_code == 201


def test_reads_are_scoped_and_hide_the_patient_reference(
    reporter, icb_analyst, submitted, make_member, other_icb_trust, other_reporter
):
    from liaison.accounts.models import Role

    listing = api_client(reporter).get("/api/v1/concerns").json()
    assert listing["count"] == 1 and listing["items"][0]["reference"] == submitted.reference
    analyst_view = api_client(icb_analyst).get(f"/api/v1/concerns/{submitted.reference}").json()
    assert analyst_view["patient_reference"] is None and analyst_view["what_happened"]
    assert api_client(other_reporter).get("/api/v1/concerns").json()["count"] == 0
    outsider = make_member(Role.ICB_ANALYST, other_icb_trust.icb)
    response = api_client(outsider).get(f"/api/v1/concerns/{submitted.reference}")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_me_too_through_the_api(other_reporter, submitted, event_day):
    client = api_client(other_reporter)
    url = f"/api/v1/concerns/{submitted.reference}/occurrences"
    added = client.post(
        url, json.dumps({"event_date": event_day.isoformat()}), content_type="application/json"
    )
    assert added.status_code == 201 and added.json()["occurrence_count"] == 2
    assert added.json()["patient_reference"] is None
    again = client.post(
        url, json.dumps({"event_date": event_day.isoformat()}), content_type="application/json"
    )
    assert again.status_code == 422
    assert again.json()["errors"][0]["message"].startswith("You have already said this happened on")
    assert Occurrence.objects.filter(concern=submitted).count() == 2


def test_administrators_cannot_use_the_concerns_api(administrator, valid_submission):
    client = api_client(administrator)
    assert client.get("/api/v1/concerns").status_code == 403
    assert post(client, body_of(valid_submission)).status_code == 403
