"""Fixtures for routing tests: concerns made directly, as the concerns app's submit would store them."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from liaison.concerns.models import Concern, ConcernPart, Occurrence

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def make_concern(reporter, trust):
    """Store a concern (without routing it): ``make_concern(about=..., submitted_at=...)``."""

    def make(*, about=None, reporter_membership=None, submitted_at=None, standards=(), **fields):
        membership = reporter_membership or reporter
        about = about or trust
        submitted_at = submitted_at or datetime(2026, 11, 2, 10, 0, tzinfo=LONDON)
        concern = Concern.objects.create(
            part=ConcernPart.BREACH if standards else ConcernPart.THEME,
            reporter=membership.user,
            reporter_organisation=membership.organisation,
            reporter_icb=membership.organisation.icb,
            about_organisation=about,
            about_icb=about.icb if about.icb_id else None,
            event_date=fields.pop("event_date", date(2026, 10, 30)),
            what_happened=fields.pop("what_happened", "The discharge summary arrived three weeks late."),
            submitted_at=submitted_at,
            **fields,
        )
        for standard in standards:
            concern.standards_breached.create(standard=standard)
        Occurrence.objects.create(
            concern=concern,
            organisation=membership.organisation,
            reported_by=membership.user,
            event_date=concern.event_date,
            is_original=True,
        )
        return concern

    return make
