"""Rising themes: the stated test on seeded counts, the evidence stored, and one notification a period."""

from datetime import date, timedelta

import pytest

from liaison.core.factories import TrustFactory
from liaison.notifications.models import Channel, Notification
from liaison.themes import services
from liaison.themes.models import Theme, ThemeMembership

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 29)


def test_the_exact_binomial_tail_matches_a_hand_calculation():
    # P(X >= 2) for Binomial(3, 0.25) = 3 × 0.25² × 0.75 + 0.25³ = 0.15625
    assert services.binomial_upper_tail(2, 3, 0.25) == pytest.approx(0.15625)
    assert services.binomial_upper_tail(0, 5, 0.25) == 1.0
    assert services.binomial_upper_tail(6, 5, 0.25) == 0.0


@pytest.mark.parametrize(
    ("recent", "previous", "verdict"),
    [
        (10, 3, "rising"),  # 2.5 a week against 0.25: p ≈ 0.0001
        (5, 15, "not_rising"),  # the same rate as before
        (8, 12, "not_rising"),  # higher, but not beyond chance at 1%: p ≈ 0.10
        (4, 0, "too_few"),  # a sharp rise on tiny numbers: too few to call
    ],
)
def test_the_rising_test_on_seeded_counts(recent, previous, verdict):
    result = services.rising_test(recent, previous)
    assert result.verdict == verdict
    assert result.recent_per_week == round(recent / 4, 2)
    assert result.rate_ratio == (round((recent / 4) / (previous / 12), 2) if previous else None)


def _seed(theme, make_concern, *, recent: int, previous: int, about=None):
    for index in range(recent):
        concern = make_concern(about=about, event_date=TODAY - timedelta(days=index % 27))
        ThemeMembership.objects.create(theme=theme, concern=concern)
    for index in range(previous):
        concern = make_concern(about=about, event_date=TODAY - timedelta(days=28 + (index * 7) % 83))
        ThemeMembership.objects.create(theme=theme, concern=concern)


def test_themes_are_tested_per_theme_and_provider_and_analysts_told_once(
    icb, trust, icb_analyst, make_member, make_concern
):
    second_analyst = make_member("icb_analyst", icb)
    rising = Theme.objects.create(icb=icb, label="Rising")
    flat = Theme.objects.create(icb=icb, label="Flat")
    small = Theme.objects.create(icb=icb, label="Small")
    _seed(rising, make_concern, recent=10, previous=3)
    _seed(flat, make_concern, recent=5, previous=15)
    _seed(small, make_concern, recent=3, previous=0)
    other_provider = TrustFactory(ods_code="RBS", icb=icb)
    _seed(flat, make_concern, recent=0, previous=1, about=other_provider)

    found = services.themes_check_rising(icb=icb, today=TODAY)

    assert found == [rising]
    for theme, verdict in ((rising, "rising"), (flat, "not_rising"), (small, "too_few")):
        theme.refresh_from_db()
        assert theme.rising is (verdict == "rising")
        assert theme.rising_evidence["theme"]["verdict"] == verdict
    evidence = rising.rising_evidence
    assert evidence["theme"]["recent"] == 10 and evidence["theme"]["previous"] == 3
    assert evidence["theme"]["rate_ratio"] == 10.0
    assert evidence["theme"]["p_value"] < 0.001
    assert "binomial" in evidence["test"]
    assert evidence["recent_window"] == ["2026-11-02", "2026-11-29"]
    assert [row["organisation"] for row in flat.rising_evidence["providers"]] == [
        trust.display_name,
        other_provider.display_name,
    ]

    def told():
        return Notification.objects.filter(kind="theme_rising", channel=Channel.IN_APP)

    assert sorted(told().values_list("recipient_user_id", flat=True)) == sorted(
        [icb_analyst.user_id, second_analyst.user_id]
    )
    row = told().first()
    assert row.link_path == f"/themes/{rising.pk}/" and row.concern is None
    # Checked again in the same four-week period (2 to 29 November 2026): nobody is told twice.
    assert services.rising_period_start(TODAY) == date(2026, 11, 2)
    services.themes_check_rising(icb=icb, today=TODAY)
    assert told().count() == 2
    assert rising.events.filter(kind="rising").count() == 1
    # Still rising in the next period: told once more.
    services.themes_check_rising(icb=icb, today=TODAY + timedelta(days=1))
    assert told().count() == 4
