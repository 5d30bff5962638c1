"""Production mode refuses unsafe configuration; development runs with nothing set."""

import os
import subprocess
import sys

import pytest

SAFE_PRODUCTION = {
    "LIAISON_ENV": "production",
    "SECRET_KEY": "p" * 64,
    "ALLOWED_HOSTS": "liaison.example.nhs.uk",
    "LIAISON_DEMO_DATA": "false",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _load_settings(environment: dict) -> subprocess.CompletedProcess:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "LIAISON_DEMO_DATA", "LIAISON_ENV", "ALLOWED_HOSTS"}
    }
    env.update(environment)
    env["DJANGO_SETTINGS_MODULE"] = "liaison.config.settings"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)


def test_production_with_safe_settings_starts_hardened():
    result = _load_settings(SAFE_PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "63072000"]


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set"),
        ({"SECRET_KEY": None}, "SECRET_KEY must be set"),
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"LIAISON_DEMO_DATA": "true"}, "LIAISON_DEMO_DATA must be off"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must name the hosts"),
    ],
)
def test_production_refuses_unsafe_settings(override, message):
    environment = dict(SAFE_PRODUCTION)
    for key, value in override.items():
        if value is None:
            environment.pop(key)
        else:
            environment[key] = value
    result = _load_settings(environment)
    assert result.returncode != 0
    assert "Liaison will not start in production mode" in result.stderr
    assert message in result.stderr


def test_development_runs_with_nothing_set():
    result = _load_settings({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "True"


def test_bad_boolean_is_a_clear_error():
    result = _load_settings({"DEBUG": "perhaps"})
    assert result.returncode != 0
    assert "DEBUG must be true or false, not 'perhaps'" in result.stderr
