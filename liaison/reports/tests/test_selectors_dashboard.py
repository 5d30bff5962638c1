"""The dashboard's trend and response times come from one read of the concerns reported: each number
is still the concerns it says, and each response-time number drills down to exactly those concerns."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from liaison.concerns.models import ConcernOutcome
from liaison.core.factories import TrustFactory
from liaison.reports import selectors
from liaison.routing.models import ConcernClock

LONDON = ZoneInfo("Europe/London")
SEP, OCT = date(2026, 9, 1), date(2026, 10, 1)


def _reported(make_breach, day: date, **options):
    return make_breach(
        ["S02"], day, submitted=datetime(day.year, day.month, day.day, 9, tzinfo=LONDON), **options
    )


def _clock(concern, *, acknowledged: date | None):
    ConcernClock.objects.create(
        concern=concern,
        started_on=concern.submitted_at.date(),
        acknowledge_due=date(concern.submitted_at.year, concern.submitted_at.month, 10),
        respond_due=date(concern.submitted_at.year, concern.submitted_at.month, 28),
        acknowledged_at=datetime(acknowledged.year, acknowledged.month, acknowledged.day, 9, tzinfo=LONDON)
        if acknowledged
        else None,
    )


def test_trend_counts_every_concern_reported_and_response_times_only_those_with_clocks(
    icb, trust, site, other_icb_trust, make_breach, icb_analyst
):
    quiet_trust = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    _clock(_reported(make_breach, date(2026, 9, 3)), acknowledged=date(2026, 9, 4))  # on time
    _clock(_reported(make_breach, date(2026, 10, 2), about=site), acknowledged=date(2026, 10, 20))  # late
    _clock(_reported(make_breach, date(2026, 10, 3)), acknowledged=None)  # missed by 31 October
    _reported(make_breach, date(2026, 10, 4))  # no clock: in the trend, not in the response times
    _reported(make_breach, date(2026, 10, 5), about=quiet_trust)  # a provider with no clocks at all
    _clock(_reported(make_breach, date(2026, 10, 6), outcome=ConcernOutcome.DUPLICATE), acknowledged=None)
    _clock(_reported(make_breach, date(2026, 10, 7), about=other_icb_trust), acknowledged=None)

    board = selectors.dashboard_for(
        icb_analyst, start=SEP, end=selectors.month_end(OCT), today=date(2026, 10, 31)
    )

    assert [(row.month, row.concerns) for row in board.trend] == [(SEP, 1), (OCT, 4)]
    assert [row.provider for row in board.clock_rows] == [trust]  # the site's clock counts for its trust
    row = board.clock_rows[0]
    assert (row.concerns, row.acknowledged_on_time, row.acknowledged_late) == (3, 1, 2)
    for measure, number in (
        ("clocks", row.concerns),
        ("acknowledged_on_time", row.acknowledged_on_time),
        ("acknowledged_late", row.acknowledged_late),
    ):
        found = selectors.drilldown(
            icb_analyst,
            measure=measure,
            start=SEP,
            end=selectors.month_end(OCT),
            provider_ods=trust.ods_code,
            today=date(2026, 10, 31),
        )
        assert found.total == number
