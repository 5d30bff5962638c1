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
