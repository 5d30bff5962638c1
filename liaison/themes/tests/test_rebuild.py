"""Stored themes: a rebuild groups an ICB's concerns, analysts' decisions survive it, new concerns join."""

from collections import Counter
from datetime import date, timedelta

import pytest

from liaison.audit.models import AuditEvent
from liaison.themes import services
from liaison.themes.models import MembershipSource, Theme, ThemeEvent, ThemeMembership, ThemeStatus

from .conftest import labelled_corpus

pytestmark = pytest.mark.django_db

TOPICS = ("discharge_summary", "shared_care", "fit_note")
TODAY = date(2026, 11, 29)


@pytest.fixture
def corpus_concerns(make_concern):
    """Twelve concerns on each of three topics, spread over the last four months, labelled by topic."""
    rows = [row for row in labelled_corpus() if row["theme"] in TOPICS]
    by_topic = Counter()
    concerns = {}
    for row in rows:
        if by_topic[row["theme"]] == 12:
            continue
        by_topic[row["theme"]] += 1
        concern = make_concern(row["text"], event_date=TODAY - timedelta(days=7 * by_topic[row["theme"]]))
        concerns[concern.pk] = row["theme"]
    return concerns


def _topic_of(theme, concerns) -> str:
    topics = Counter(concerns[m.concern_id] for m in theme.memberships.all())
    return topics.most_common(1)[0][0]


def _by_topic(icb, concerns) -> dict[str, Theme]:
    result = {}
    for theme in Theme.objects.filter(icb=icb, status=ThemeStatus.ACTIVE):
        if theme.memberships.exists():
            result.setdefault(_topic_of(theme, concerns), theme)
    return result


@pytest.mark.parametrize("model", ["static_model", "no_text_model"])
def test_a_rebuild_groups_concerns_into_labelled_themes(request, model, icb, corpus_concerns):
    request.getfixturevalue(model)
    report = services.themes_rebuild(icb=icb, today=TODAY)
    assert report.concerns == 36
    themes = _by_topic(icb, corpus_concerns)
    assert set(themes) == set(TOPICS)
    for topic, theme in themes.items():
        members = list(theme.memberships.select_related("concern"))
        purity = Counter(corpus_concerns[m.concern_id] for m in members)[topic] / len(members)
        assert purity >= 0.8, (topic, purity)
        assert theme.key_phrases and theme.label
        texts = [services.concern_text(m.concern).lower() for m in members]
        for phrase in theme.key_phrases:  # never from one report alone
            assert sum(phrase.split()[0] in text for text in texts) >= services.MIN_PHRASE_TEXTS
        assert all(m.source == MembershipSource.MODEL and m.score is not None for m in members)
    assert ThemeEvent.objects.filter(kind="created").count() == report.themes_created >= 3


def test_a_second_rebuild_changes_nothing(static_model, icb, corpus_concerns):
    services.themes_rebuild(icb=icb, today=TODAY)
    before = sorted(ThemeMembership.objects.values_list("concern_id", "theme_id"))
    labels = sorted(Theme.objects.values_list("pk", "label", "status"))
    again = services.themes_rebuild(icb=icb, today=TODAY)
    assert again.themes_created == 0 and again.memberships_changed == 0 and again.themes_archived == 0
    assert sorted(ThemeMembership.objects.values_list("concern_id", "theme_id")) == before
    assert sorted(Theme.objects.values_list("pk", "label", "status")) == labels


def test_analysts_decisions_survive_a_full_rebuild(static_model, icb, icb_analyst, corpus_concerns):
    services.themes_rebuild(icb=icb, today=TODAY)
    themes = _by_topic(icb, corpus_concerns)
    discharge, shared_care, fit_note = (themes[topic] for topic in TOPICS)

    services.theme_rename(membership=icb_analyst, theme=discharge, label="Late discharge summaries")
    services.theme_set_pinned(membership=icb_analyst, theme=discharge, pinned=True)
    fit_note_concerns = set(fit_note.memberships.values_list("concern_id", flat=True))
    services.theme_merge(membership=icb_analyst, target=shared_care, sources=[fit_note])
    split_ids = sorted(discharge.memberships.values_list("concern_id", flat=True))[:3]
    split = services.theme_split(
        membership=icb_analyst, theme=discharge, concern_ids=split_ids, label="Summaries sent by post"
    )
    moved = discharge.memberships.exclude(concern_id__in=split_ids).first().concern
    services.theme_move_concern(membership=icb_analyst, concern=moved, target=shared_care)

    report = services.themes_rebuild(icb=icb, today=TODAY)

    discharge.refresh_from_db()
    fit_note.refresh_from_db()
    assert (discharge.label, discharge.pinned, discharge.status) == (
        "Late discharge summaries",
        True,
        "active",
    )
    assert discharge.label_set_by_analyst
    assert fit_note.status == ThemeStatus.MERGED and fit_note.merged_into == shared_care
    assert not fit_note.memberships.exists()
    in_shared_care = set(shared_care.memberships.values_list("concern_id", flat=True))
    assert fit_note_concerns <= in_shared_care  # merged stays merged
    assert set(split.memberships.values_list("concern_id", flat=True)) == set(split_ids)
    assert split.memberships.filter(source=MembershipSource.ANALYST).count() == 3
    assert ThemeMembership.objects.get(concern=moved).theme == shared_care
    assert report.analyst_placements_kept == 4
    assert not Theme.objects.filter(
        icb=icb, status=ThemeStatus.ACTIVE, label__startswith="New theme"
    ).exists()
    # Every curation decision is on the theme's history and in the audit log.
    kinds = set(ThemeEvent.objects.filter(actor=icb_analyst.user).values_list("kind", flat=True))
    assert kinds == {"renamed", "pinned", "merged", "split", "concern_moved"}
    assert AuditEvent.objects.filter(object_type="themes.Theme", actor=icb_analyst.user).count() >= 6


@pytest.mark.parametrize("model", ["static_model", "no_text_model"])
def test_a_new_concern_joins_the_nearest_theme_or_waits(request, model, icb, corpus_concerns, make_concern):
    request.getfixturevalue(model)
    services.themes_rebuild(icb=icb, today=TODAY)
    themes = _by_topic(icb, corpus_concerns)
    new = make_concern(
        "Discharge summary still not received after the patient went home from the surgical ward."
    )
    membership = services.theme_assign_concern(concern_id=new.pk)
    assert membership is not None and membership.theme == themes["discharge_summary"]
    assert membership.source == MembershipSource.MODEL and membership.score > 0
    # Already placed: left alone.
    assert services.theme_assign_concern(concern_id=new.pk) is None
    unrelated = make_concern("The car park is full.")
    assert services.theme_assign_concern(concern_id=unrelated.pk) is None
    assert not ThemeMembership.objects.filter(concern=unrelated).exists()


def test_only_the_icb_team_curates_and_text_is_pid_guarded(
    static_model, icb, icb_analyst, responder, corpus_concerns, make_concern, other_icb_trust
):
    services.themes_rebuild(icb=icb, today=TODAY)
    theme = Theme.objects.filter(icb=icb, status=ThemeStatus.ACTIVE).first()
    with pytest.raises(PermissionError):
        services.theme_rename(membership=responder, theme=theme, label="Anything")
    with pytest.raises(services.ThemeInvalid) as error:
        services.theme_rename(membership=icb_analyst, theme=theme, label="Patient 943 476 5919 again")
    assert "could identify a patient" in error.value.problems["label"]
    with pytest.raises(services.ThemeInvalid) as error:
        services.theme_action_add(membership=icb_analyst, theme=theme, action="  ")
    assert error.value.problems == {"action": "Enter the action agreed"}
    elsewhere = make_concern(about=other_icb_trust)
    with pytest.raises(services.ThemeInvalid) as error:
        services.theme_move_concern(membership=icb_analyst, concern=elsewhere, target=theme)
    assert error.value.problems == {"target": "Choose a theme of the ICB the concern belongs to"}
