from datetime import timedelta

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client
from django.utils import timezone

from liaison.accounts.middleware import LAST_ACTIVITY_KEY
from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.factories import TEST_PASSWORD

pytestmark = pytest.mark.django_db


def test_pages_require_sign_in_by_default():
    response = Client().get("/directory/whos-who/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/?next=/directory/whos-who/")


def test_health_check_needs_no_sign_in():
    response = Client().get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_passwords_are_hashed_with_argon2(reporter):
    assert identify_hasher(reporter.user.password).algorithm == "argon2"


def test_sign_in_records_an_audit_event_and_lands_on_home(reporter):
    client = Client()
    response = client.post(
        "/accounts/sign-in/", {"username": reporter.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"
    event = AuditEvent.objects.get(action=AuditAction.SIGN_IN)
    assert event.actor == reporter.user
    home = client.get("/")
    assert reporter.organisation.display_name in home.content.decode()


def test_failed_sign_in_keeps_the_username_and_says_what_to_do(reporter):
    response = Client().post("/accounts/sign-in/", {"username": reporter.user.username, "password": "wrong"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Enter a correct username and password" in page
    assert f'value="{reporter.user.username}"' in page
    assert "<title>Error: " in page
    failed = AuditEvent.objects.get(action=AuditAction.SIGN_IN_FAILED)
    assert failed.changes == {"username": reporter.user.username}
    assert "wrong" not in str(failed.changes)


def test_empty_sign_in_names_each_missing_field(db):
    response = Client().post("/accounts/sign-in/", {"username": "", "password": ""})
    assert response.status_code == 422
    page = response.content.decode()
    assert "Enter your username" in page
    assert "Enter your password" in page


def test_account_locks_after_repeated_failures_even_with_the_right_password(reporter, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/sign-in/", {"username": reporter.user.username, "password": "wrong"})
    response = client.post(
        "/accounts/sign-in/", {"username": reporter.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert "Your account is locked for now" in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).exists()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_not_per_network(reporter, make_member, practice, settings):
    colleague = make_member("reporter", practice)
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/sign-in/", {"username": reporter.user.username, "password": "wrong"})
    response = client.post(
        "/accounts/sign-in/", {"username": colleague.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 302


def test_idle_session_is_signed_out(reporter, client_for, settings):
    client = client_for(reporter)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = (
        timezone.now() - settings.SESSION_IDLE_TIMEOUT - timedelta(minutes=1)
    ).timestamp()
    session.save()
    response = client.get("/directory/whos-who/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    assert AuditEvent.objects.filter(action=AuditAction.SESSION_TIMED_OUT, actor=reporter.user).exists()
    assert client.get("/").status_code == 302


def test_active_session_is_kept(reporter, client_for, settings):
    client = client_for(reporter)
    client.get("/")
    session = client.session
    session[LAST_ACTIVITY_KEY] = (
        timezone.now() - settings.SESSION_IDLE_TIMEOUT + timedelta(minutes=5)
    ).timestamp()
    session.save()
    assert client.get("/").status_code == 200


def test_sign_out_needs_post_and_is_audited(reporter, client_for):
    client = client_for(reporter)
    assert client.get("/accounts/sign-out/").status_code == 405
    response = client.post("/accounts/sign-out/")
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.SIGN_OUT, actor=reporter.user).exists()
    assert client.get("/").status_code == 302
