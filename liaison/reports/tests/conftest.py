"""Fixtures for report tests: the national standards, a trust with a site, and concerns stored as
the concerns app stores them (a Part B concern, its standards and its original occurrence)."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from liaison.accounts.models import Role
from liaison.concerns.models import Concern, ConcernPart, ConcernStandard, Occurrence
from liaison.core.factories import OrganisationFactory, PracticeFactory
from liaison.directory.models import OrganisationType
from liaison.nhs111 import services as nhs111_services
from liaison.nhs111.models import IntakeRejection, ReceivedMessage
from liaison.nhs111.samples import referral_r4
from liaison.standards.models import Standard
from liaison.standards.services import standards_baseline_load

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def baseline(db):
    standards_baseline_load()
    return {standard.code: standard for standard in Standard.objects.all()}


@pytest.fixture
def site(trust):
    return OrganisationFactory(
        ods_code="REM01",
        name="ROYAL LIVERPOOL HOSPITAL",
        org_type=OrganisationType.TRUST_SITE,
        parent=trust,
        icb=trust.icb,
    )


@pytest.fixture
def second_practice(icb):
    return PracticeFactory(ods_code="N82002", name="SECOND MERSEY PRACTICE", icb=icb)


@pytest.fixture
def second_reporter(make_member, second_practice):
    return make_member(Role.REPORTER, second_practice)


@pytest.fixture
def make_breach(reporter, trust, baseline):
    """``make_breach(["S02"], date(2026, 10, 3), about=trust, reporter=membership)``: a stored Part B concern."""

    def make(codes, event_date, *, about=None, by=None, submitted=None, outcome="", part=ConcernPart.BREACH):
        membership = by or reporter
        about = about or trust
        concern = Concern.objects.create(
            part=part,
            reporter=membership.user,
            reporter_organisation=membership.organisation,
            reporter_icb=membership.organisation.icb,
            about_organisation=about,
            about_icb=about.icb,
            event_date=event_date,
            what_happened="The discharge summary did not arrive.",
            submitted_at=submitted or datetime(2026, 11, 2, 10, 0, tzinfo=LONDON),
            outcome=outcome,
        )
        for code in codes:
            ConcernStandard.objects.create(concern=concern, standard=baseline[code])
        Occurrence.objects.create(
            concern=concern,
            organisation=membership.organisation,
            reported_by=membership.user,
            event_date=event_date,
            is_original=True,
        )
        return concern

    return make


@pytest.fixture
def me_too():
    def add(concern, membership, event_date):
        return Occurrence.objects.create(
            concern=concern,
            organisation=membership.organisation,
            reported_by=membership.user,
            event_date=event_date,
        )

    return add


OCTOBER = date(2026, 10, 1)


# --- NHS 111 messages for the scorecard, sent through the real intake ------------------------------


def _sender(icb, ods_code, name):
    organisation = OrganisationFactory(
        ods_code=ods_code, name=name, org_type=OrganisationType.AMBULANCE_111, icb=icb
    )
    _, secret = nhs111_services.sender_credential_issue(organisation=organisation, name="Test system")
    return organisation, secret


def _send(organisation, secret, *, received, drop=(), minutes=30):
    """Send one message through the real intake, then date it as received at ``received``."""
    from liaison.nhs111.selectors import sender_credential_for_secret

    contact = received - timedelta(minutes=minutes)
    bundle = referral_r4(sender_ods=organisation.ods_code, drop=drop, contact_started=contact.isoformat())
    receipt = nhs111_services.message_receive(
        data=bundle,
        credential=sender_credential_for_secret(secret),
        request_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
    )
    latest_message = ReceivedMessage.objects.order_by("-pk").first()
    latest_rejection = IntakeRejection.objects.order_by("-pk").first()
    return receipt, latest_message, latest_rejection


@pytest.fixture
def senders(icb, practice):
    return {
        "RX7": _sender(icb, "RX7", "NORTH WEST AMBULANCE SERVICE NHS TRUST"),
        "RYF": _sender(icb, "RYF", "SOUTH EAST COAST AMBULANCE SERVICE NHS FOUNDATION TRUST"),
    }


def _at(day, hour=9):
    return datetime(2026, 10, day, hour, 0, tzinfo=LONDON)


@pytest.fixture
def october_111(senders):
    """RX7: 7 received in October (2 without allergies, 1 of them without medications too), 2 rejected,
    1 received in November. RYF: 3 received (1 without allergies)."""
    plan = [
        ("RX7", _at(1), (), 20),
        ("RX7", _at(2), (), 30),
        ("RX7", _at(3), ("allergy",), 40),
        ("RX7", _at(4), ("allergy", "medication"), 50),
        ("RX7", _at(5), (), 60),
        ("RX7", _at(6), (), 70),
        ("RX7", _at(31, 22), (), 80),
        ("RX7", datetime(2026, 11, 1, 9, tzinfo=LONDON), (), 10),
        ("RYF", _at(7), ("allergy",), 15),
        ("RYF", _at(8), (), 25),
        ("RYF", _at(9), (), 35),
    ]
    for ods, received, drop, minutes in plan:
        organisation, secret = senders[ods]
        _, message, _ = _send(organisation, secret, received=received, drop=drop, minutes=minutes)
        ReceivedMessage.objects.filter(pk=message.pk).update(received_at=received)
    for day in (10, 11):
        organisation, secret = senders["RX7"]
        before = IntakeRejection.objects.count()
        _send(organisation, secret, received=_at(day), drop=("pathways",))
        assert IntakeRejection.objects.count() == before + 1
        IntakeRejection.objects.filter(pk=IntakeRejection.objects.order_by("-pk").first().pk).update(
            rejected_at=_at(day)
        )
