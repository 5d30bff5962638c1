"""Fixtures for NHS 111 tests: a 111 provider with a sender credential, and message bundles."""

import pytest

from liaison.core.factories import OrganisationFactory
from liaison.directory.models import OrganisationType
from liaison.nhs111 import services
from liaison.nhs111.samples import SENDER_ODS


@pytest.fixture
def provider_111(icb):
    return OrganisationFactory(
        ods_code=SENDER_ODS,
        name="NORTH WEST AMBULANCE SERVICE NHS TRUST",
        org_type=OrganisationType.AMBULANCE_111,
        icb=icb,
    )


@pytest.fixture
def credential(provider_111):
    """A sender credential for the 111 provider: (credential, secret)."""
    return services.sender_credential_issue(organisation=provider_111, name="Test 111 system")


@pytest.fixture
def receive(credential, practice):
    """Receive a bundle as the 111 provider: ``receive(bundle)`` → Receipt."""
    import uuid

    def do(bundle, *, request_id=None, correlation_id=None):
        return services.message_receive(
            data=bundle,
            credential=credential[0],
            request_id=request_id or str(uuid.uuid4()),
            correlation_id=correlation_id or str(uuid.uuid4()),
        )

    return do


@pytest.fixture
def held_elsewhere():
    """``held_elsewhere(sender_ods, message_id)``: another database session processing that message now.

    PostgreSQL only: the intake's transaction-scoped advisory lock, taken by a second connection.
    """
    import contextlib

    import psycopg
    from django.db import connection

    opened = []

    def hold(sender_ods: str, message_id: str):
        settings = connection.settings_dict
        other = psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"] or None,
            password=settings["PASSWORD"] or None,
            host=settings["HOST"] or None,
            port=settings["PORT"] or None,
            autocommit=True,
        )
        opened.append(other)
        other.execute(
            "SELECT pg_advisory_lock(hashtextextended(%s, 0))",
            [services.message_lock_name(sender_ods, message_id)],
        )

    yield hold
    for other in opened:
        with contextlib.suppress(psycopg.Error):
            other.close()
