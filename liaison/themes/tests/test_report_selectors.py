"""What the reports and dashboards read from themes: counts by event date and provider, and actions."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from liaison.concerns.models import ConcernOutcome
from liaison.core.factories import TrustFactory
from liaison.themes.models import ActionStatus, Theme, ThemeAction, ThemeActionProgress, ThemeMembership
from liaison.themes.selectors import actions_for_report, themes_summary

pytestmark = pytest.mark.django_db

OCTOBER = {"start": date(2026, 10, 1), "end": date(2026, 10, 31)}
UTC = ZoneInfo("UTC")


@pytest.fixture
def second_trust(icb):
    return TrustFactory(ods_code="RBS", name="ALDER HEY CHILDREN'S NHS FOUNDATION TRUST", icb=icb)


def _theme(icb, label, concerns, **fields):
    theme = Theme.objects.create(icb=icb, label=label, **fields)
    for concern in concerns:
        ThemeMembership.objects.create(theme=theme, concern=concern)
    return theme


def test_counts_concerns_by_event_date_and_provider_most_first(
    icb, other_icb, trust, second_trust, other_icb_trust, make_concern
):
    in_october = [make_concern(event_date=date(2026, 10, day)) for day in (1, 15, 31)]
    september = make_concern(event_date=date(2026, 9, 30))
    about_second = make_concern(about=second_trust, event_date=date(2026, 10, 2))
    discharge = _theme(icb, "discharge summary, late", [*in_october, september, about_second], rising=True)
    letters = _theme(icb, "clinic letters", [make_concern(event_date=date(2026, 10, 3)) for _ in range(2)])
    duplicate = make_concern(event_date=date(2026, 10, 5), outcome=ConcernOutcome.DUPLICATE)
    ThemeMembership.objects.create(theme=letters, concern=duplicate)
    _theme(icb, "nothing in october", [make_concern(event_date=date(2026, 8, 1))])
    _theme(other_icb, "another ICB", [make_concern(about=other_icb_trust, event_date=date(2026, 10, 4))])

    summary = themes_summary(icb_id=icb.pk, provider_ids=None, **OCTOBER)
    assert [(row.label, row.concern_count, row.rising) for row in summary] == [
        ("discharge summary, late", 4, True),
        ("clinic letters", 2, False),
    ]
    assert summary[0].url == f"/themes/{discharge.pk}/"

    only_trust = themes_summary(icb_id=icb.pk, provider_ids=[trust.pk], **OCTOBER)
    assert [(row.label, row.concern_count) for row in only_trust] == [
        ("discharge summary, late", 3),
        ("clinic letters", 2),
    ]
    assert [
        row.label for row in themes_summary(icb_id=None, provider_ids=[other_icb_trust.pk], **OCTOBER)
    ] == ["another ICB"]
    assert len(themes_summary(icb_id=icb.pk, provider_ids=None, limit=1, **OCTOBER)) == 1


def test_merged_themes_are_not_counted_again(icb, make_concern):
    target = _theme(icb, "target", [make_concern()])
    _theme(icb, "gone", [make_concern()], status="merged", merged_into=target)
    assert [row.label for row in themes_summary(icb_id=icb.pk, provider_ids=None, **OCTOBER)] == ["target"]


def test_actions_for_report_are_the_you_said_we_did_lines(
    icb, trust, second_trust, analyst_user, make_concern
):
    theme = _theme(icb, "discharge summary, late", [make_concern()])
    other = _theme(icb, "letters from alder hey", [make_concern(about=second_trust)])
    action = ThemeAction.objects.create(
        theme=theme,
        action="Discharge summaries sent electronically within 24 hours",
        owner_organisation=trust,
        created_by=analyst_user,
        status=ActionStatus.IN_PROGRESS,
        updated_at=datetime(2026, 10, 20, tzinfo=UTC),
    )
    ThemeActionProgress.objects.create(
        action=action, note="Pilot on two wards", recorded_on=date(2026, 10, 10), recorded_by=analyst_user
    )
    ThemeActionProgress.objects.create(
        action=action, note="All wards from November", recorded_on=date(2026, 11, 5), recorded_by=analyst_user
    )
    ThemeAction.objects.create(
        theme=other,
        action="Letters within 7 days",
        owner_organisation=second_trust,
        created_by=analyst_user,
        status=ActionStatus.DONE,
        updated_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    ThemeAction.objects.update(created_at=datetime(2026, 8, 1, tzinfo=UTC))
    lines = actions_for_report(icb_id=icb.pk, provider_ids=[trust.pk], **OCTOBER)
    assert len(lines) == 1
    line = lines[0]
    assert line.theme_label == "discharge summary, late"
    assert line.action == "Discharge summaries sent electronically within 24 hours"
    assert line.owner_organisation_name == trust.display_name
    assert line.status == "In progress"
    assert line.latest_progress == "Pilot on two wards"  # what was known by the end of the period
    # Done before the period began: not in October's report.
    assert actions_for_report(icb_id=icb.pk, provider_ids=[second_trust.pk], **OCTOBER) == []
    assert [a.theme_label for a in actions_for_report(icb_id=icb.pk, provider_ids=None, **OCTOBER)] == [
        "discharge summary, late"
    ]
