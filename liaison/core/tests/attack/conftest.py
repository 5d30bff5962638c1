"""Fixtures for the attack tests: the national standards, the test ICB's Code, a concern to aim at."""

from datetime import timedelta

import pytest
from django.utils import timezone

from liaison.standards.tests.conftest import baseline, published_code  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; these tests make users and never test hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def event_day():
    return timezone.localdate() - timedelta(days=3)
