"""Fixtures for the concerns tests: the national standards, the test ICB's Code, and a valid report."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.concerns.services import ConcernSubmission, submit_concern
from liaison.core.factories import PracticeFactory
from liaison.standards.tests.conftest import baseline, published_code  # noqa: F401 (fixtures)

SYNTHETIC_NHS_NUMBER = "999 000 0018"  # from the 999 test range: never a real patient


@pytest.fixture
def event_day() -> date:
    return timezone.localdate() - timedelta(days=3)


@pytest.fixture
def valid_submission(trust, event_day, published_code) -> ConcernSubmission:  # noqa: F811
    """A Part B breach of S02 (discharge summaries) about the Liverpool trust."""
    return ConcernSubmission(
        part="B",
        about_organisation=trust.ods_code,
        aspect_of_care="discharge",
        staff_group="doctor",
        event_date=event_day,
        standards=["S02"],
        what_happened="No discharge summary received five days after discharge from the acute medical unit.",
        impact="The practice could not act on the medication changes.",
        patient_reference="E12345",
        patient_reference_system="emis",
        reporter_may_be_named=True,
    )


@pytest.fixture
def other_practice(icb):
    return PracticeFactory(ods_code="N82002", name="ANOTHER MERSEY PRACTICE", icb=icb)


@pytest.fixture
def other_reporter(make_member, other_practice):
    return make_member(Role.REPORTER, other_practice)


@pytest.fixture
def submitted(reporter, valid_submission):
    """A concern the practice reporter has submitted about the trust."""
    concern, _ = submit_concern(membership=reporter, submission=valid_submission)
    return concern


def submission_with(submission: ConcernSubmission, **changes) -> ConcernSubmission:
    return replace(submission, **changes)


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 is deliberately slow; these tests make many users and never test hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
