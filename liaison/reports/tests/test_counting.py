"""The counting rules of the breach report and the dashboard: each rule, and counts equal to the concerns behind them."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.utils import timezone

from liaison.accounts.models import Role
from liaison.concerns.models import ConcernOutcome, ConcernPart
from liaison.reports import selectors
from liaison.reports.models import ReportVersion
from liaison.routing.services import concern_merge
from liaison.standards.models import CodeOfConduct, CodeOfConductVersion, CodeStandard

OCT = date(2026, 10, 1)


def month_counts(icb, month=OCT):
    """{(provider ods, standard code): count} for the month, from the report's exact (ICB) version."""
    data = selectors.monthly_report(icb=icb, month=month, version=ReportVersion.ICB)
    table = data.tables["month"]
    return {
        (key, code): cell.value
        for _, key, cells, _ in table.rows()
        for code, cell in zip(table.column_labels, cells, strict=True)
        if cell.value
    }


def test_each_occurrence_is_a_breach_event_and_each_standard_counts(
    icb, trust, make_breach, me_too, second_reporter
):
    concern = make_breach(["S02"], date(2026, 10, 3))
    me_too(concern, second_reporter, date(2026, 10, 9))
    make_breach(["S02", "S03"], date(2026, 10, 20))

    assert month_counts(icb) == {("REM", "S02"): 3, ("REM", "S03"): 1}


def test_a_breach_counts_in_the_month_of_its_event_not_when_reported(
    icb, make_breach, me_too, second_reporter
):
    concern = make_breach(["S02"], date(2026, 10, 30))
    # The same problem happened to another practice in September: that occurrence counts in September.
    me_too(concern, second_reporter, date(2026, 9, 28))

    assert month_counts(icb, OCT) == {("REM", "S02"): 1}
    assert month_counts(icb, date(2026, 9, 1)) == {("REM", "S02"): 1}
    assert month_counts(icb, date(2026, 11, 1)) == {}


def test_merged_duplicates_are_not_double_counted(
    icb, trust, reporter, second_reporter, make_breach, make_member
):
    kept = make_breach(["S02"], date(2026, 10, 5))
    duplicate = make_breach(["S02"], date(2026, 10, 7), by=second_reporter)
    # The first reporter also said "me too" on the duplicate for the same day they already reported.
    duplicate.occurrences.create(
        organisation=reporter.organisation, reported_by=reporter.user, event_date=date(2026, 10, 5)
    )
    assert month_counts(icb) == {("REM", "S02"): 3}

    concern_merge(membership=make_member(Role.RESPONDER, trust), duplicate=duplicate, into=kept)

    duplicate.refresh_from_db()
    assert duplicate.outcome == ConcernOutcome.DUPLICATE
    # Two real occurrences: the first reporter's (once) and the second reporter's, moved across.
    assert month_counts(icb) == {("REM", "S02"): 2}


def test_a_concern_closed_as_duplicate_counts_nothing(icb, make_breach):
    make_breach(["S02"], date(2026, 10, 5), outcome=ConcernOutcome.DUPLICATE)
    make_breach(["S02"], date(2026, 10, 6))
    assert month_counts(icb) == {("REM", "S02"): 1}


def test_part_a_themes_are_not_breaches(icb, make_breach):
    make_breach(["S02"], date(2026, 10, 5), part=ConcernPart.THEME)
    assert month_counts(icb) == {}


def test_only_breaches_while_the_time_limit_was_in_force_count(icb, make_breach):
    # Clinic letters (S03) had no time limit before 1 April 2016: an event then is not a breach of it.
    make_breach(["S03"], date(2016, 3, 15))
    make_breach(["S03"], date(2016, 4, 15))
    # A limit for one part of a standard (S10: Advice & Guidance from April 2025) does not bound the rest.
    make_breach(["S10"], date(2016, 4, 20))

    assert month_counts(icb, date(2016, 3, 1)) == {}
    assert month_counts(icb, date(2016, 4, 1)) == {("REM", "S03"): 1, ("REM", "S10"): 1}


def test_the_code_of_conduct_in_force_on_the_event_date_decides(icb, baseline, make_breach):
    code = CodeOfConduct.objects.create(icb=icb, title="Cheshire and Merseyside Code of Conduct")
    version = CodeOfConductVersion.objects.create(
        code_of_conduct=code, version="1", effective_from=date(2026, 10, 15), published_at=timezone.now()
    )
    CodeStandard.objects.create(version=version, standard=baseline["S02"])
    make_breach(["S03"], date(2026, 10, 10))  # before the Code: the national baseline has S03
    make_breach(["S03"], date(2026, 10, 20))  # the Code in force leaves S03 out
    make_breach(["S02"], date(2026, 10, 21))

    assert month_counts(icb) == {("REM", "S02"): 1, ("REM", "S03"): 1}


def test_a_trust_site_counts_for_its_trust(icb, site, make_breach):
    make_breach(["S02"], date(2026, 10, 3), about=site)
    make_breach(["S02"], date(2026, 10, 4))
    assert month_counts(icb) == {("REM", "S02"): 2}


def test_another_icbs_concerns_are_not_in_the_report(icb, other_icb_trust, make_breach):
    make_breach(["S02"], date(2026, 10, 3), about=other_icb_trust)
    assert month_counts(icb) == {}


def test_year_to_date_is_the_financial_year_and_previous_is_last_month(icb, make_breach):
    make_breach(["S02"], date(2026, 3, 31))  # the previous financial year
    make_breach(["S02"], date(2026, 4, 1))
    make_breach(["S02"], date(2026, 9, 30))
    make_breach(["S02"], date(2026, 10, 1))
    data = selectors.monthly_report(icb=icb, month=OCT, version=ReportVersion.ICB)

    def total(period):
        return data.tables[period].totals()[1].value

    assert (total("month"), total("previous"), total("ytd")) == (1, 1, 3)
    assert data.financial_year_start == date(2026, 4, 1)
    april = selectors.monthly_report(icb=icb, month=date(2026, 4, 1), version=ReportVersion.ICB)
    assert april.tables["previous"].totals()[1].value == 1  # March, in the year before
    assert april.tables["ytd"].totals()[1].value == 1


def _expected(concerns_and_occurrences, *, start, end):
    """The rules worked out by hand, concern by concern, independently of the selector's query."""
    expected = Counter()
    for concern in concerns_and_occurrences:
        if concern.part != ConcernPart.BREACH or concern.outcome == ConcernOutcome.DUPLICATE:
            continue
        for occurrence in concern.occurrences.all():
            if not start <= occurrence.event_date <= end:
                continue
            for item in concern.standards_breached.all():
                expected[(concern.pk, item.standard.code)] += 1
    return expected


@pytest.fixture
def busy_icb(icb, trust, site, make_breach, me_too, second_reporter, other_icb_trust):
    from liaison.core.factories import TrustFactory

    second_trust = TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)
    concerns = []
    for index, day in enumerate(range(1, 29, 3)):
        event = date(2026, 10, day)
        about = [trust, site, second_trust][index % 3]
        codes = [["S02"], ["S03", "S06"], ["S08"], ["S02", "S08"]][index % 4]
        concern = make_breach(codes, event, about=about)
        if day % 2:
            me_too(concern, second_reporter, event + timedelta(days=1))
        concerns.append(concern)
    concerns.append(make_breach(["S02"], date(2026, 10, 9), outcome=ConcernOutcome.DUPLICATE))
    concerns.append(make_breach(["S02"], date(2026, 10, 9), about=other_icb_trust))
    return concerns


def test_every_dashboard_number_drills_down_to_exactly_the_concerns_it_counts(icb, busy_icb, icb_analyst):
    start, end = OCT, selectors.month_end(OCT)
    board = selectors.dashboard_for(icb_analyst, start=start, end=end)
    expected = _expected([c for c in busy_icb if c.about_icb_id == icb.pk], start=start, end=end)
    assert board.total == sum(expected.values()) > 0

    for row in board.heat_rows:
        for standard, cell in zip(board.standards, row.cells, strict=True):
            found = selectors.drilldown(
                icb_analyst,
                measure="breaches",
                start=start,
                end=end,
                provider_ods=row.provider.ods_code,
                standard_code=standard.code,
            )
            behind = {
                concern_id: count
                for (concern_id, code), count in expected.items()
                if code == standard.code
                and selectors.Concern.objects.get(pk=concern_id).about_organisation.ods_code
                in (row.provider.ods_code, *(c.ods_code for c in row.provider.children.all()))
            }
            # The number, the concerns listed and the breach events they add up to are the same thing.
            assert found.total == cell.count == sum(behind.values())
            assert set(found.concerns.values_list("pk", flat=True)) == set(found.counted) == set(behind)


def test_report_counts_equal_the_concerns_behind_them(icb, busy_icb):
    expected = _expected(
        [c for c in busy_icb if c.about_icb_id == icb.pk], start=OCT, end=selectors.month_end(OCT)
    )
    by_cell = Counter()
    for (concern_id, code), count in expected.items():
        about = (
            selectors.Concern.objects.select_related("about_organisation__parent")
            .get(pk=concern_id)
            .about_organisation
        )
        provider = about.parent if about.org_type == "trust_site" else about
        by_cell[(provider.ods_code, code)] += count
    assert month_counts(icb) == dict(by_cell)


def test_a_responder_sees_only_their_own_organisation(icb, busy_icb, responder, trust):
    board = selectors.dashboard_for(responder, start=OCT, end=selectors.month_end(OCT))
    assert [row.provider for row in board.heat_rows] == [trust]
    found = selectors.drilldown(responder, measure="breaches", start=OCT, end=selectors.month_end(OCT))
    assert found.total == board.total
    assert {c.about_organisation.ods_code for c in found.concerns} <= {"REM", "REM01"}


def test_reporters_and_other_icbs_have_no_dashboard(icb, busy_icb, reporter, make_member, other_icb):
    assert selectors.dashboard_for(reporter, start=OCT, end=selectors.month_end(OCT)) is None
    other_analyst = make_member(Role.ICB_ANALYST, other_icb)
    board = selectors.dashboard_for(other_analyst, start=OCT, end=selectors.month_end(OCT))
    assert [row.provider.ods_code for row in board.heat_rows] == ["RXH"]


def test_the_dashboard_runs_a_fixed_number_of_queries(
    icb, busy_icb, icb_analyst, django_assert_num_queries, make_breach
):
    start, end = OCT, selectors.month_end(OCT)
    selectors.dashboard_for(icb_analyst, start=start, end=end)  # warm caches (content types, sessions)
    with django_assert_num_queries(8):
        selectors.dashboard_for(icb_analyst, start=start, end=end)
    for day in range(1, 20):
        make_breach(["S02", "S08"], date(2026, 10, day))
    with django_assert_num_queries(8):
        selectors.dashboard_for(icb_analyst, start=start, end=end)


def test_clock_performance_counts_on_time_and_late(icb, trust, make_breach, icb_analyst):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from liaison.routing.models import ConcernClock

    london = ZoneInfo("Europe/London")
    on_time = make_breach(["S02"], date(2026, 10, 1), submitted=datetime(2026, 10, 1, 9, tzinfo=london))
    late = make_breach(["S02"], date(2026, 10, 1), submitted=datetime(2026, 10, 2, 9, tzinfo=london))
    waiting = make_breach(["S02"], date(2026, 10, 1), submitted=datetime(2026, 10, 5, 9, tzinfo=london))
    ConcernClock.objects.create(
        concern=on_time,
        started_on=date(2026, 10, 1),
        acknowledge_due=date(2026, 10, 5),
        respond_due=date(2026, 10, 29),
        acknowledged_at=datetime(2026, 10, 2, 9, tzinfo=london),
        responded_at=datetime(2026, 10, 20, 9, tzinfo=london),
    )
    ConcernClock.objects.create(
        concern=late,
        started_on=date(2026, 10, 2),
        acknowledge_due=date(2026, 10, 6),
        respond_due=date(2026, 10, 30),
        acknowledged_at=datetime(2026, 10, 9, 9, tzinfo=london),
    )
    ConcernClock.objects.create(
        concern=waiting,
        started_on=date(2026, 10, 5),
        acknowledge_due=date(2026, 10, 7),
        respond_due=date(2026, 11, 2),
    )
    rows = selectors.clock_performance(
        scope=selectors.Scope(icb=icb), start=OCT, end=selectors.month_end(OCT), today=date(2026, 10, 31)
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row.concerns, row.acknowledged_on_time, row.acknowledged_late) == (3, 1, 2)
    assert (row.responded_on_time, row.responded_late) == (1, 1)  # the waiting one is not yet due
    assert row.acknowledged_percent == 33
    found = selectors.drilldown(
        icb_analyst,
        measure="acknowledged_late",
        start=OCT,
        end=selectors.month_end(OCT),
        today=date(2026, 10, 31),
    )
    assert set(found.counted) == {late.pk, waiting.pk}
