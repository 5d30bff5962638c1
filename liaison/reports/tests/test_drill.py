"""Drill-downs from the dashboard's theme counts and NHS 111 scorecard numbers: each list holds exactly
what its number counts, and shows only what the person may see."""

import re
import uuid
from datetime import date, datetime
from html import unescape
from zoneinfo import ZoneInfo

import pytest

from liaison.accounts.models import Role
from liaison.concerns.models import ConcernOutcome
from liaison.nhs111 import services as nhs111_services
from liaison.nhs111.models import ReceivedMessage
from liaison.nhs111.samples import referral_r4
from liaison.nhs111.selectors import scorecard_for, sender_credential_for_secret
from liaison.reports import drill
from liaison.reports.selectors import themes_for_dashboard
from liaison.themes.models import Theme, ThemeMembership, ThemeStatus
from liaison.themes.selectors import themes_summary

OCT = date(2026, 10, 1)
LONDON = ZoneInfo("Europe/London")
PERIOD = "from=2026-10&to=2026-10"


def _links(body: str, path: str) -> list[tuple[str, int]]:
    """(href, number shown) for every link to ``path`` on a page."""
    return [
        (unescape(href), int(number))
        for href, number in re.findall(rf'<a href="({re.escape(path)}\?[^"]+)">(\d+)<', body)
    ]


# --- Themes -------------------------------------------------------------------------------------------


@pytest.fixture
def themed(icb, trust, make_breach, other_icb_trust, second_reporter, site):
    """A theme with October concerns about the trust and its site, one about another ICB's trust, one
    from September, and a duplicate; a second, merged theme that the dashboard does not show."""
    theme = Theme.objects.create(icb=icb, label="Discharge summaries late")
    counted = [
        make_breach(["S02"], date(2026, 10, 2)),
        make_breach(["S02"], date(2026, 10, 9), by=second_reporter),
        make_breach(["S03"], date(2026, 10, 20), part="A"),
    ]
    not_counted = [
        make_breach(["S02"], date(2026, 9, 30)),
        make_breach(["S02"], date(2026, 10, 3), outcome=ConcernOutcome.DUPLICATE),
    ]
    about_site = make_breach(["S02"], date(2026, 10, 4), about=site)
    for concern in [*counted, *not_counted, about_site]:
        ThemeMembership.objects.create(theme=theme, concern=concern)
    merged = Theme.objects.create(icb=icb, label="Merged away", status=ThemeStatus.MERGED)
    ThemeMembership.objects.create(theme=merged, concern=make_breach(["S02"], date(2026, 10, 5)))
    return theme, counted, about_site, merged


def test_a_theme_count_drills_to_exactly_the_concerns_it_counts(icb, icb_analyst, themed):
    theme, counted, about_site, _ = themed
    end = date(2026, 10, 31)
    summary = next(
        s for s in themes_summary(icb_id=icb.pk, provider_ids=None, start=OCT, end=end) if s.id == theme.pk
    )
    found = drill.theme_drilldown(icb_analyst, theme_id=theme.pk, start=OCT, end=end)
    assert found.total == summary.concern_count == 4
    assert set(found.counted) == {c.pk for c in counted} | {about_site.pk}
    assert set(found.concerns.values_list("pk", flat=True)) == set(found.counted)


def test_a_providers_theme_count_drills_to_its_own_concerns(icb, responder, themed):
    """A provider's themes count the concerns about it and its sites, as its heat map does."""
    theme, counted, about_site, _ = themed
    end = date(2026, 10, 31)
    _, themes = themes_for_dashboard(scope=drill.selectors.scope_for(responder), start=OCT, end=end)
    number = next(t.concern_count for t in themes if t.id == theme.pk)
    found = drill.theme_drilldown(responder, theme_id=theme.pk, start=OCT, end=end)
    assert found.total == number == len(counted) + 1
    assert set(found.counted) == {c.pk for c in counted} | {about_site.pk}
    visible = set(found.concerns.values_list("pk", flat=True))
    assert visible <= set(found.counted)


def test_with_a_place_chosen_a_theme_counts_only_that_places_providers(
    icb, icb_analyst, themed, trust, make_breach
):
    """The Place filter applies to the themes as to the rest of the dashboard, and the drill-down too."""
    from liaison.core.factories import TrustFactory
    from liaison.directory.models import Place

    theme, counted, about_site, _ = themed
    end = date(2026, 10, 31)
    liverpool = Place.objects.create(icb=icb, name="Liverpool")
    wirral = Place.objects.create(icb=icb, name="Wirral")
    trust.place = liverpool
    trust.save(update_fields=["place"])
    elsewhere = TrustFactory(
        ods_code="RBL", name="WIRRAL UNIVERSITY TEACHING HOSPITAL", icb=icb, place=wirral
    )
    in_wirral = make_breach(["S02"], date(2026, 10, 6), about=elsewhere)
    ThemeMembership.objects.create(theme=theme, concern=in_wirral)

    for place, expected in (
        (liverpool, {c.pk for c in counted} | {about_site.pk}),  # the site counts through its trust
        (wirral, {in_wirral.pk}),
        (None, {c.pk for c in counted} | {about_site.pk, in_wirral.pk}),
    ):
        place_id = place.pk if place else None
        scope = drill.selectors.scope_for(icb_analyst, place_id=place_id)
        _, themes = themes_for_dashboard(scope=scope, start=OCT, end=end)
        number = next(t.concern_count for t in themes if t.id == theme.pk)
        found = drill.theme_drilldown(icb_analyst, theme_id=theme.pk, start=OCT, end=end, place_id=place_id)
        assert number == found.total == len(expected), place
        assert set(found.counted) == expected, place


def test_the_dashboard_theme_links_list_what_they_count(client_for, icb_analyst, themed):
    client = client_for(icb_analyst)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    links = [(href, n) for href, n in _links(body, "/reports/concerns/") if "measure=theme" in href]
    assert links, "the theme count is not a link"
    for href, number in links:
        page = client.get(href)
        assert page.status_code == 200
        text = page.content.decode()
        assert f"{number} concerns in {number} concern" in text
        assert len(re.findall(r'href="/concerns/LIA-[^"/]+/"', text)) == number


def test_a_merged_or_foreign_theme_is_not_found(client_for, icb_analyst, make_member, other_icb, themed):
    theme, _, _, merged = themed
    assert (
        client_for(icb_analyst).get(f"/reports/concerns/?measure=theme&theme={merged.pk}").status_code == 404
    )
    sussex = client_for(make_member(Role.ICB_ANALYST, other_icb))
    assert sussex.get(f"/reports/concerns/?measure=theme&theme={theme.pk}&{PERIOD}").status_code == 404


# --- NHS 111 --------------------------------------------------------------------------------------


@pytest.fixture
def with_unregistered(october_111, senders):
    """One more October message from RX7 for a patient with no registered practice (the ICB's queue)."""
    organisation, secret = senders["RX7"]
    received = datetime(2026, 10, 12, 9, tzinfo=LONDON)
    nhs111_services.message_receive(
        data=referral_r4(sender_ods="RX7", practice_ods=None, contact_started=received.isoformat()),
        credential=sender_credential_for_secret(secret),
        request_id=str(uuid.uuid4()),
        correlation_id=str(uuid.uuid4()),
    )
    message = ReceivedMessage.objects.order_by("-pk").first()
    ReceivedMessage.objects.filter(pk=message.pk).update(received_at=received)
    return message


@pytest.mark.parametrize("measure", ["received", "rejected", "required_missing"])
def test_each_111_number_drills_to_exactly_the_messages_it_counts(icb_analyst, with_unregistered, measure):
    scores = {score.sender.ods_code: score for score in scorecard_for(icb_analyst, OCT).scores}
    attribute = {"received": "received", "rejected": "rejected", "required_missing": "with_required_missing"}
    for ods, score in scores.items():
        found = drill.nhs111_drilldown(icb_analyst, measure=measure, month=OCT, sender_ods=ods)
        assert found.total == getattr(score, attribute[measure]), (ods, measure)
    everyone = drill.nhs111_drilldown(icb_analyst, measure=measure, month=OCT)
    assert everyone.total == sum(getattr(score, attribute[measure]) for score in scores.values())


def test_the_111_list_shows_no_patient_and_opens_only_the_icbs_own_queue(
    client_for, icb_analyst, with_unregistered
):
    response = client_for(icb_analyst).get("/reports/nhs111/?measure=received&sender=RX7&month=2026-10")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Jane Example" not in body and "9990000018" not in body
    opened = re.findall(r'href="/111/messages/(\d+)/"', body)
    assert opened == [str(with_unregistered.pk)]
    assert "TEST MERSEY PRACTICE" in body.upper()  # where the others went, by practice
    assert "8 messages received" in body


def test_the_dashboard_111_links_list_what_they_count(client_for, icb_analyst, with_unregistered):
    client = client_for(icb_analyst)
    body = client.get(f"/reports/?{PERIOD}").content.decode()
    links = _links(body, "/reports/nhs111/")
    assert {re.search(r"measure=(\w+)", href).group(1) for href, _ in links} == {
        "received",
        "rejected",
        "required_missing",
    }
    for href, number in links:
        text = client.get(href).content.decode()
        assert len(re.findall(r'<tr class="nhsuk-table__row">', text)) - 1 == number, href


def test_only_the_icb_analysts_may_drill_into_111(
    client_for, reporter, responder, administrator, october_111
):
    for member in (reporter, responder, administrator):
        assert client_for(member).get("/reports/nhs111/?month=2026-10").status_code == 403


def test_a_111_number_that_does_not_exist_is_not_found(client_for, icb_analyst, october_111):
    client = client_for(icb_analyst)
    assert client.get("/reports/nhs111/?measure=nonsense&month=2026-10").status_code == 404
    assert client.get("/reports/nhs111/?measure=received&sender=NOPE1&month=2026-10").status_code == 404


def test_one_message_is_counted_in_the_singular(client_for, icb_analyst, with_unregistered):
    # The ICB's unregistered-patient queue has one October message from RX7.
    found = drill.nhs111_drilldown(icb_analyst, measure="received", month=OCT, sender_ods="RX7")
    assert found.total > 1
    text = client_for(icb_analyst).get("/reports/nhs111/?measure=received&sender=RX7&month=2026-10").content
    assert f"{found.total} messages received in October 2026" in text.decode()
    ReceivedMessage.objects.filter(sender__ods_code="RX7").exclude(pk=with_unregistered.pk).delete()
    text = client_for(icb_analyst).get("/reports/nhs111/?measure=received&sender=RX7&month=2026-10").content
    assert "1 message received in October 2026" in text.decode()
