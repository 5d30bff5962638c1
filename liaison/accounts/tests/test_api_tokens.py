import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from liaison.accounts.models import ApiToken
from liaison.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db


def _token_for(username, capsys) -> str:
    call_command("create_token", username)
    return capsys.readouterr().out.strip()


def test_create_token_prints_a_token_that_authenticates(reporter, capsys):
    token = _token_for(reporter.user.username, capsys)
    assert token.startswith("lia_") and len(token) > 40
    stored = ApiToken.objects.get(user=reporter.user)
    assert stored.digest != token and token not in stored.prefix + stored.digest
    response = Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == reporter.user.username
    assert body["current"] == {
        "organisation_ods": reporter.organisation.ods_code,
        "organisation_name": reporter.organisation.display_name,
        "role": "reporter",
    }
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_CREATED, actor=reporter.user).exists()


def test_create_token_for_unknown_user_fails_clearly(db):
    with pytest.raises(CommandError, match="No active user with username 'nobody'"):
        call_command("create_token", "nobody")


def test_wrong_and_revoked_tokens_get_problem_json(reporter, capsys):
    response = Client().get("/api/v1/me", headers={"Authorization": "Bearer lia_not-a-real-token"})
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 401 and problem["title"] == "Authentication required"
    token = _token_for(reporter.user.username, capsys)
    ApiToken.objects.filter(user=reporter.user).update(revoked_at="2026-01-01T00:00:00Z")
    assert Client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_session_auth_works_for_the_api(reporter, client_for):
    response = client_for(reporter).get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["username"] == reporter.user.username


def test_openapi_document_is_served(reporter, client_for):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "Liaison API"
    assert "/api/v1/me" in document["paths"]
    assert client_for(reporter).get("/api/v1/docs").status_code == 200


def test_unknown_api_path_is_a_problem_not_a_page(reporter, client_for):
    response = client_for(reporter).get("/api/v1/no-such-thing")
    assert response.status_code == 404
