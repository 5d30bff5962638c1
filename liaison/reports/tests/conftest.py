"""Fixtures for report tests: the national standards, a trust with a site, and concerns stored as
the concerns app stores them (a Part B concern, its standards and its original occurrence)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from liaison.accounts.models import Role
from liaison.concerns.models import Concern, ConcernPart, ConcernStandard, Occurrence
from liaison.core.factories import OrganisationFactory, PracticeFactory
from liaison.directory.models import OrganisationType
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
