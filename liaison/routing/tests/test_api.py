"""The routing API: inbox, case, status and messages, with the same rules and scoping as the pages."""

import pytest
from django.test import Client

from liaison.accounts.services import api_token_create
from liaison.concerns.models import ConcernStatus
from liaison.routing import services

PATIENT_REFERENCE = "EMIS-55120"


def api_client(membership) -> Client:
    _, token = api_token_create(user=membership.user)
    return Client(headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def routed(make_concern, responder):
    concern = make_concern(patient_reference=PATIENT_REFERENCE, patient_reference_system="emis")
    services.route_new_concern(concern=concern, actor=concern.reporter)
    return concern


def test_inbox_lists_without_patient_references(routed, responder):
    response = api_client(responder).get("/api/v1/routing/inbox")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1 and body["results"][0]["reference"] == routed.reference
    assert PATIENT_REFERENCE not in response.content.decode()


def test_inbox_is_for_responders_only(routed, reporter):
    response = api_client(reporter).get("/api/v1/routing/inbox")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


def test_case_and_status_change(routed, responder, icb_analyst):
    client = api_client(responder)
    case = client.get(f"/api/v1/routing/concerns/{routed.reference}").json()
    assert case["relationship"] == "responder"
    assert case["patient_reference"] == PATIENT_REFERENCE
    assert case["next_statuses"] == ["acknowledged"]
    assert "default" in case["why_routed"]

    response = client.post(
        f"/api/v1/routing/concerns/{routed.reference}/status",
        {"to_status": "acknowledged"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["status"] == ConcernStatus.ACKNOWLEDGED

    refused = client.post(
        f"/api/v1/routing/concerns/{routed.reference}/status",
        {"to_status": "closed"},
        content_type="application/json",
    )
    assert refused.status_code == 422
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["errors"][0]["field"] == "to_status"

    analyst_view = api_client(icb_analyst).get(f"/api/v1/routing/concerns/{routed.reference}").json()
    assert analyst_view["patient_reference"] is None
    forbidden = api_client(icb_analyst).post(
        f"/api/v1/routing/concerns/{routed.reference}/status",
        {"to_status": "investigating"},
        content_type="application/json",
    )
    assert forbidden.status_code == 403


def test_messages_are_pid_checked_and_notes_stay_internal(routed, responder, reporter):
    client = api_client(responder)
    url = f"/api/v1/routing/concerns/{routed.reference}/messages"
    blocked = client.post(url, {"body": "NHS number 943 476 5919"}, content_type="application/json")
    assert blocked.status_code == 422 and "NHS number" in blocked.json()["detail"]
    assert (
        client.post(
            url, {"body": "Typing backlog", "internal": True}, content_type="application/json"
        ).status_code
        == 201
    )
    assert client.post(url, {"body": "We are on it"}, content_type="application/json").status_code == 201
    seen = api_client(reporter).get(f"/api/v1/routing/concerns/{routed.reference}").json()
    assert [m["body"] for m in seen["messages"]] == ["We are on it"]


def test_another_icb_gets_404(routed, make_member, other_icb_trust):
    from liaison.accounts.models import Role

    outsider = make_member(Role.RESPONDER, other_icb_trust)
    response = api_client(outsider).get(f"/api/v1/routing/concerns/{routed.reference}")
    assert response.status_code == 404
