"""Deployment hardening, each part checked: Django's deployment checks clean in production mode, HSTS,
Secure and HttpOnly cookies, lockout after repeated failed sign-ins (what the person sees), and the idle
timeout. The Content Security Policy is checked on every page the access matrix visits
(``harness.csp_problems``); rate limits in ``test_rate_limits``."""

import json
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from liaison.accounts.middleware import LAST_ACTIVITY_KEY
from liaison.audit.models import AuditAction, AuditEvent
from liaison.core.factories import TEST_PASSWORD
from liaison.core.tests.access.harness import csp_problems

PRODUCTION = {
    "LIAISON_ENV": "production",
    "DEBUG": "false",
    "LIAISON_DEMO_DATA": "false",
    "SECRET_KEY": "production-test-" + "k3y" * 20,
    "ALLOWED_HOSTS": "liaison.example.nhs.uk",
    "DATABASE_URL": "sqlite:///:memory:",
}
HARDENING = [
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "X_FRAME_OPTIONS",
    "CONTENT_SECURITY_POLICY",
]


def _production_env() -> dict:
    # Not the test run's own settings, nor DJANGO_ALLOW_ASYNC_UNSAFE, which the browser tests set in
    # this process and which no deployment has (check --deploy rightly refuses it).
    drop = ("LIAISON_", "SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    keep = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    return {**keep, **PRODUCTION, "DJANGO_SETTINGS_MODULE": "liaison.config.settings"}


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The hardening settings as production mode computes them (in a fresh process)."""
    code = (
        "import json, django; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{name: getattr(settings, name) for name in {HARDENING!r}}}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=_production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_deployment_checks_are_clean_in_production_mode():
    liaison = os.path.join(os.path.dirname(sys.executable), "liaison")
    result = subprocess.run(
        [liaison, "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_are_hardened(production_settings):
    assert production_settings["SECURE_SSL_REDIRECT"] is True
    assert production_settings["SECURE_HSTS_SECONDS"] >= 31536000
    assert production_settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert production_settings["SESSION_COOKIE_SECURE"] is True
    assert production_settings["CSRF_COOKIE_SECURE"] is True
    assert production_settings["SESSION_COOKIE_HTTPONLY"] is True
    assert production_settings["CSRF_COOKIE_HTTPONLY"] is True
    script_src = production_settings["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["script-src"]
    assert "'unsafe-inline'" not in json.dumps(production_settings["CONTENT_SECURITY_POLICY"])
    assert any("nonce" in str(source).lower() for source in script_src)


@pytest.fixture
def as_in_production(settings, production_settings):
    for name, value in production_settings.items():
        if name == "CONTENT_SECURITY_POLICY":
            continue  # the same in every mode; its nonce marker does not survive JSON
        if name == "SECURE_PROXY_SSL_HEADER":
            value = tuple(value)
        setattr(settings, name, value)
    settings.ALLOWED_HOSTS = ["liaison.example.nhs.uk"]
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


@pytest.mark.django_db
def test_production_answers_carry_hsts_and_set_only_secure_httponly_cookies(as_in_production, reporter):
    client = Client(HTTP_HOST="liaison.example.nhs.uk")
    plain = client.get("/accounts/sign-in/")
    assert plain.status_code == 301
    assert plain["Location"] == "https://liaison.example.nhs.uk/accounts/sign-in/"

    page = client.get("/accounts/sign-in/", secure=True)
    assert page.status_code == 200
    assert page["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains; preload"
    assert page["X-Content-Type-Options"] == "nosniff"
    assert page["X-Frame-Options"] == "DENY"
    assert csp_problems(page, page.content.decode()) == []
    csrf = page.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"]

    signed_in = client.post(
        "/accounts/sign-in/", {"username": reporter.user.username, "password": TEST_PASSWORD}, secure=True
    )
    assert signed_in.status_code == 302
    session = signed_in.cookies["sessionid"]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"


@pytest.mark.django_db
def test_behind_the_proxy_https_is_recognised_from_x_forwarded_proto(as_in_production):
    response = Client(HTTP_HOST="liaison.example.nhs.uk").get(
        "/accounts/sign-in/", headers={"X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200
    assert "Strict-Transport-Security" in response


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account_and_say_for_how_long(reporter, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.AXES_FAILURE_LIMIT = 3
    settings.AXES_COOLOFF_TIME = timedelta(minutes=20)
    client = Client()
    answers = [
        client.post(
            "/accounts/sign-in/", {"username": reporter.user.username, "password": "not-it"}
        ).status_code
        for _ in range(3)
    ]
    assert answers[:2] == [422, 422]
    response = client.post(
        "/accounts/sign-in/", {"username": reporter.user.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 429
    assert response["Retry-After"] == "1200"
    page = response.content.decode()
    assert "Your account is locked for now" in page
    assert "You can try again in 20 minutes." in page
    assert "_auth_user_id" not in client.session
    assert AuditEvent.objects.filter(action=AuditAction.LOCKED_OUT).exists()


@pytest.mark.django_db
def test_an_idle_session_ends_after_the_idle_limit_for_pages_and_the_api(reporter, client_for, settings):
    settings.SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    client = client_for(reporter)
    assert client.get("/api/v1/me").status_code == 200
    session = client.session
    session[LAST_ACTIVITY_KEY] = (timezone.now() - timedelta(minutes=31)).timestamp()
    session.save()
    api = client.get("/api/v1/me")
    assert api.status_code == 401
    assert api["Content-Type"] == "application/problem+json"
    assert client.get("/").status_code == 302  # and the page session is gone too
