"""Text understanding for concerns: suggested standards, similar texts, clusters, and the model behind them.

Nothing here stores concern text. Callers pass text that has already been through the PID guard
(the htmx suggestion view does this itself, and refuses blocked text). Every function answers even
when the sentence model has not been built: it falls back to TF-IDF and ``text_model_status()``
says so.
"""

import json
import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from liaison.standards.baseline import BASELINE

from .text.build import BuildReport, build_static_model
from .text.clustering import (
    DEFAULT_MIN_SIZE,
    DEFAULT_THRESHOLD,
    UNCLUSTERED,
    Clustering,
    assign_by_similarity,
    cluster_texts,
)
from .text.model import HybridModel, StaticModel, TextModelStatus, TfidfModel, load_static_model
from .text.suggest import StandardSuggester, StandardText

MODEL_SUBDIRECTORY = Path("themes") / "text-model"
# Below this similarity a candidate is not offered as similar. On the labelled corpus about 9 in 10
# pairs above the floor are about the same theme (bench/themes.py measures it); TF-IDF scores run lower.
SIMILAR_MIN_SCORE = {"static": 0.45, "tfidf": 0.35}
# One unfitted TF-IDF model, so that cached suggesters are keyed by the same object.
_FALLBACK = TfidfModel()


def text_model_directory() -> Path:
    """Where the static model lives: ``THEMES_TEXT_MODEL_DIR`` if set, else under ``LIAISON_VAR_DIR``."""
    configured = getattr(settings, "THEMES_TEXT_MODEL_DIR", None)
    return Path(configured) if configured else Path(settings.VAR_DIR) / MODEL_SUBDIRECTORY


def text_model() -> tuple[HybridModel | TfidfModel, TextModelStatus]:
    """The model that answers now (the sentence model with keywords, or TF-IDF alone) and its status.

    Either must be ``fitted`` to the texts at hand before it encodes.
    """
    model, status = load_static_model(text_model_directory())
    return (_hybrid(model) if model is not None else _FALLBACK), status


@lru_cache(maxsize=4)
def _hybrid(model: StaticModel) -> HybridModel:
    # The centre is the mean of the standards' wording and example phrasings: interface-concern text.
    reference = [text for standard in _standard_texts(None) for text in standard.texts()]
    return HybridModel(model, centre=model.encode(reference).mean(axis=0))


def text_model_status() -> TextModelStatus:
    """Which model answers, and why: shown to analysts."""
    return text_model()[1]


def text_model_build(
    *,
    directory: str | Path | None = None,
    dimensions: int = 256,
    progress: Callable[[int, int], None] | None = None,
) -> BuildReport:
    """Build the static model from the installed model package into ``directory`` (default: the cache)."""
    return build_static_model(
        target=Path(directory) if directory else text_model_directory(),
        dimensions=dimensions,
        progress=progress,
    )


# --- Standards -------------------------------------------------------------------------------


@cache
def standard_phrasings() -> dict[str, tuple[str, ...]]:
    """Example phrasings of concerns about each national standard, by code."""
    raw = (
        resources.files("liaison.themes").joinpath("data/standard_phrasings.json").read_text(encoding="utf-8")
    )
    return {code: tuple(texts) for code, texts in json.loads(raw).items()}


def _standard_texts(code_of_conduct) -> tuple[StandardText, ...]:
    phrasings = standard_phrasings()
    if code_of_conduct is None:
        items = [(s.code, s.title, s.requirement) for s in BASELINE]
    else:
        items = [(s.code, s.title, s.wording) for s in code_of_conduct.standards]
    return tuple(
        StandardText(code=code, title=title, wording=wording, phrasings=phrasings.get(code, ()))
        for code, title, wording in items
    )


@lru_cache(maxsize=32)
def _suggester(model, standards: tuple[StandardText, ...]) -> StandardSuggester:
    return StandardSuggester(model, list(standards))


def standard_suggester(*, code_of_conduct=None) -> StandardSuggester:
    """The suggester for the national baseline, or for an ICB's Code in force (a ``CodeOfConductInForce``)."""
    model, _ = text_model()
    return _suggester(model, _standard_texts(code_of_conduct))


def suggest_standards(text: str, *, code_of_conduct=None, limit: int = 3) -> list[tuple[str, float]]:
    """Up to ``limit`` (standard code, confidence 0–1) pairs for ``text``, best first.

    ``code_of_conduct`` is the ``CodeOfConductInForce`` for the reporter's ICB (from
    ``liaison.standards.selectors.code_of_conduct_for``); without it, the national baseline. An empty
    or unreadable text gets no suggestions. A suggestion is only ever offered: never apply it for the user.
    """
    if not (text or "").strip():
        return []
    return standard_suggester(code_of_conduct=code_of_conduct).suggest([text], limit=limit)[0]


def suggest_standards_many(texts: list[str], *, limit: int = 1) -> list[list[tuple[str, float]]]:
    """``suggest_standards`` for many texts at once, against the national baseline (for commands and bench)."""
    return standard_suggester().suggest(texts, limit=limit)


# --- Similar texts and clusters --------------------------------------------------------------


def similar_texts(
    text: str, candidates: Iterable[tuple[object, str]], limit: int = 5, min_score: float | None = None
) -> list[tuple[object, float]]:
    """The candidates most like ``text``, as (id, similarity 0–1), best first, above a floor.

    ``candidates`` are (id, text) pairs, for example the open concerns the reporter may see.
    """
    candidates = list(candidates)
    if not (text or "").strip() or not candidates:
        return []
    model, status = text_model()
    texts = [text, *(candidate_text for _, candidate_text in candidates)]
    vectors = model.fitted(texts).encode(texts)
    if not np.linalg.norm(vectors[0]):
        return []
    similarity = vectors[1:] @ vectors[0]
    floor = SIMILAR_MIN_SCORE[status.kind] if min_score is None else min_score
    order = np.argsort(-similarity)[:limit]
    return [
        (candidates[i][0], round(float(np.clip(similarity[i], 0.0, 1.0)), 3))
        for i in order
        if similarity[i] >= floor
    ]


@dataclass(frozen=True)
class TextClusters:
    """Clusters of texts: each text's cluster (-1 for unclustered) and each cluster's label."""

    clustering: Clustering
    model_kind: str
    space: HybridModel | TfidfModel

    @property
    def labels(self) -> list[int]:
        return [int(label) for label in self.clustering.labels]

    def name(self, label: int) -> str:
        return self.clustering.names.get(label, "Unclustered")

    def assign(self, texts: list[str]) -> list[int]:
        """Place new texts in the existing clusters (or -1), without re-clustering; fast one at a time."""
        similarity = self.space.similarities(texts, self.clustering.centroids)
        labels = assign_by_similarity(similarity, self.clustering.cluster_ids, self.clustering.threshold)
        return [int(label) for label in labels]


# Tuned on the synthetic corpus in bench/data (see bench/themes.py): TF-IDF vectors are sparser,
# so the same texts sit further apart and the cut is looser.
CLUSTER_THRESHOLD = {"static": DEFAULT_THRESHOLD, "tfidf": 0.95}
RECENTRE_FROM = 50


def texts_cluster(
    texts: list[str], *, threshold: float | None = None, min_size: int = DEFAULT_MIN_SIZE
) -> TextClusters:
    """Cluster ``texts`` without a number of clusters; see ``liaison.themes.text.clustering``."""
    model, status = text_model()
    # A corpus large enough has its own common component; a handful of texts keeps the reference one.
    space = model.fitted(texts, recentre=len(texts) >= RECENTRE_FROM)
    vectors = space.encode(texts)
    clustering = cluster_texts(
        texts,
        vectors,
        threshold=CLUSTER_THRESHOLD[status.kind] if threshold is None else threshold,
        min_size=min_size,
    )
    return TextClusters(clustering=clustering, model_kind=status.kind, space=space)


# --- Themes: stored, curated, rebuilt, rising ------------------------------------------------------
#
# Every write to themes. A rebuild re-clusters an ICB's concerns and maps the new clusters onto the
# stored themes by membership overlap, so that analysts' decisions survive it:
#
# - a concern an analyst placed (``source=analyst``) is never moved by the model;
# - a cluster joins the stored theme that holds most of its concerns (a plurality of at least a
#   quarter of the cluster), so merged themes stay merged and renamed or pinned themes keep their
#   identity; several clusters may join one theme, never one cluster two themes;
# - an unclustered concern stays in a pinned theme; otherwise it leaves its theme;
# - a theme left empty is archived unless an analyst has made it theirs (pinned, renamed, owned, or
#   with actions); a merged theme stays merged.

MIN_PHRASE_TEXTS = 2  # a key phrase must be in at least this many of a theme's concerns
BIGRAM_WEIGHT = 1.5
MIN_CONCERNS_TO_CLUSTER = 5
CLUSTER_TAKEOVER = 0.25  # share of a cluster a stored theme must hold to claim it
# A new concern joins the nearest theme when its similarity to the theme's centre is at least this
# (by model); below, it waits for the next rebuild. Set on the synthetic corpus (bench/themes.py).
ASSIGN_MIN_SIMILARITY = {"static": 0.35, "tfidf": 0.2}
RECENT_WEEKS = 4
PREVIOUS_WEEKS = 12
RISING_MIN_RECENT = 5
RISING_ALPHA = 0.01
RISING_EPOCH = date(2024, 1, 1)  # a Monday: four-week notification periods count from here


class ThemeInvalid(ValueError):
    """A curation request that cannot be done as asked; ``problems`` maps field → message."""

    def __init__(self, problems: dict[str, str]):
        super().__init__("; ".join(problems.values()))
        self.problems = problems


def concern_text(concern) -> str:
    """The text a theme reads from a concern: what happened and its impact (both passed the PID guard)."""
    return " ".join(part for part in (concern.what_happened, concern.impact) if part).strip()


def _concerns_of_icb(icb):
    from liaison.themes.selectors import counted_concerns

    return counted_concerns().filter(Q(about_icb=icb) | Q(about_icb__isnull=True, reporter_icb=icb))


def theme_key_phrases(texts: list[str], *, top: int = 3, others: list[list[str]] | None = None) -> list[str]:
    """Key phrases for one theme: c-TF-IDF over words and two-word phrases that appear in at least
    ``MIN_PHRASE_TEXTS`` of its texts (so no phrase comes from one report alone), weighed against
    ``others`` (the other themes' texts); phrases the PID guard flags are dropped."""
    from liaison.privacy import scan_text

    from .text.clustering import _phrases

    def document_counts(group: list[str]) -> Counter:
        counts: Counter = Counter()
        for text in group:
            counts.update(set(_phrases(text)))
        return counts

    mine = document_counts(texts)
    floor = MIN_PHRASE_TEXTS if len(texts) >= MIN_PHRASE_TEXTS else 1
    mine = Counter({phrase: count for phrase, count in mine.items() if count >= floor})
    if not mine:
        return []
    overall = Counter(mine)
    groups = 1
    for group in others or []:
        overall.update(document_counts(group))
        groups += 1
    average = sum(overall.values()) / groups
    total = sum(mine.values())
    # A two-word phrase says more than either word: it wins unless its words are much more common.
    scored = sorted(
        (
            (
                round(
                    count
                    / total
                    * math.log(1 + average / overall[phrase])
                    * (BIGRAM_WEIGHT if " " in phrase else 1),
                    9,
                ),
                phrase.count(" "),
                phrase,
            )
            for phrase, count in mine.items()
        ),
        reverse=True,
    )
    chosen: list[str] = []
    for _, _, phrase in scored:
        phrase_words = set(phrase.split())
        if any(phrase_words <= set(kept.split()) or set(kept.split()) <= phrase_words for kept in chosen):
            continue
        if not scan_text(phrase).clean:
            continue
        chosen.append(phrase)
        if len(chosen) == top:
            break
    return chosen


def _label_from(phrases: list[str], fallback: str) -> str:
    if not phrases:
        return fallback
    label = ", ".join(phrases)
    return (label[0].upper() + label[1:])[:120]


def _event(theme, kind, *, actor=None, detail=None, now=None):
    from liaison.themes.models import ThemeEvent

    return ThemeEvent.objects.create(
        theme=theme, kind=kind, actor=actor, detail=detail or {}, occurred_at=now or timezone.now()
    )


def _audit(*, actor, theme, changes: dict, request=None, action=None):
    from liaison.audit.models import AuditAction
    from liaison.audit.services import audit_record

    audit_record(
        action=action or AuditAction.UPDATE,
        actor=actor,
        obj=theme,
        changes=changes,
        request=request,
        organisation=theme.icb,
        object_repr=f"Theme {theme.pk}",
    )


def _require_curator(membership, theme) -> None:
    from liaison.accounts.permissions import has_permission

    if not has_permission(membership, "themes.curate", theme):
        raise PermissionError("Only the ICB's interface team can change its themes.")


def _checked_text(field: str, value: str, *, label: str, max_length: int, required: bool = True) -> str:
    from liaison.privacy import scan_text

    value = " ".join((value or "").split())
    if not value:
        if required:
            raise ThemeInvalid({field: f"Enter {label}"})
        return ""
    if len(value) > max_length:
        raise ThemeInvalid(
            {field: f"{label[0].upper() + label[1:]} must be {max_length} characters or fewer"}
        )
    if scan_text(value).blocked:
        raise ThemeInvalid(
            {
                field: f"Remove anything that could identify a patient from {label} (such as an NHS number or postcode)"
            }
        )
    return value


# --- Curation ----------------------------------------------------------------------------------------


def theme_rename(*, membership, theme, label: str, request=None):
    _require_curator(membership, theme)
    label = _checked_text("label", label, label="a name for the theme", max_length=120)
    with transaction.atomic():
        before = theme.label
        theme.label = label
        theme.label_set_by_analyst = True
        theme.save(update_fields=["label", "label_set_by_analyst", "updated_at"])
        _event(theme, "renamed", actor=membership.user, detail={"from": before, "to": label})
        _audit(actor=membership.user, theme=theme, changes={"label": [before, label]}, request=request)
    return theme


def theme_set_pinned(*, membership, theme, pinned: bool, request=None):
    _require_curator(membership, theme)
    with transaction.atomic():
        if theme.pinned == pinned:
            return theme
        theme.pinned = pinned
        theme.save(update_fields=["pinned", "updated_at"])
        _event(theme, "pinned" if pinned else "unpinned", actor=membership.user)
        _audit(actor=membership.user, theme=theme, changes={"pinned": [not pinned, pinned]}, request=request)
    return theme


def theme_set_owner(*, membership, theme, owner_id, request=None):
    _require_curator(membership, theme)
    owner = None
    if owner_id:
        from liaison.themes.selectors import theme_owner_candidates

        found = theme_owner_candidates(icb=theme.icb).filter(user_id=owner_id).first()
        if found is None:
            raise ThemeInvalid({"owner": "Choose an owner from the ICB's interface team"})
        owner = found.user
    with transaction.atomic():
        before = theme.owner.username if theme.owner_id else ""
        theme.owner = owner
        theme.save(update_fields=["owner", "updated_at"])
        after = owner.username if owner else ""
        _event(theme, "owner_set", actor=membership.user, detail={"from": before, "to": after})
        _audit(actor=membership.user, theme=theme, changes={"owner": [before, after]}, request=request)
    return theme


def theme_merge(*, membership, target, sources, request=None):
    """Merge ``sources`` into ``target``: their concerns and actions move; they stay merged for good."""
    from liaison.themes.models import ThemeAction, ThemeMembership, ThemeStatus

    _require_curator(membership, target)
    sources = [theme for theme in sources if theme.pk != target.pk]
    if not sources:
        raise ThemeInvalid({"sources": "Choose at least one other theme to merge into this one"})
    for theme in sources:
        _require_curator(membership, theme)
        if theme.icb_id != target.icb_id or theme.status != ThemeStatus.ACTIVE:
            raise ThemeInvalid({"sources": "Choose active themes from the same ICB"})
    if target.status != ThemeStatus.ACTIVE:
        raise ThemeInvalid({"target": "This theme is no longer active: merge into an active theme"})
    now = timezone.now()
    with transaction.atomic():
        ids = [theme.pk for theme in sources]
        moved = ThemeMembership.objects.filter(theme_id__in=ids).update(theme=target, updated_at=now)
        ThemeAction.objects.filter(theme_id__in=ids).update(theme=target)
        for theme in sources:
            theme.status = ThemeStatus.MERGED
            theme.merged_into = target
            theme.pinned = False
            theme.save(update_fields=["status", "merged_into", "pinned", "updated_at"])
            _event(theme, "merged", actor=membership.user, detail={"into": target.pk}, now=now)
            _audit(
                actor=membership.user,
                theme=theme,
                changes={"status": ["active", "merged"], "merged_into": [None, target.pk]},
                request=request,
            )
        _event(
            target, "merged", actor=membership.user, detail={"from": ids, "concerns_moved": moved}, now=now
        )
        _audit(actor=membership.user, theme=target, changes={"merged_from": ids}, request=request)
        target.save(update_fields=["updated_at"])
        _refresh_phrases([target])
    return target


def theme_split(*, membership, theme, concern_ids: list[int], label: str, request=None):
    """Move the chosen concerns into a new theme named ``label``; the analyst's placement is kept for good."""
    from liaison.themes.models import MembershipSource, Theme, ThemeMembership, ThemeStatus

    _require_curator(membership, theme)
    label = _checked_text("label", label, label="a name for the new theme", max_length=120)
    chosen = list(ThemeMembership.objects.filter(theme=theme, concern_id__in=concern_ids or []))
    if not chosen:
        raise ThemeInvalid({"concerns": "Choose the concerns to move into the new theme"})
    if len(chosen) == theme.memberships.count():
        raise ThemeInvalid({"concerns": "Leave at least one concern in this theme, or rename it instead"})
    if theme.status != ThemeStatus.ACTIVE:
        raise ThemeInvalid({"concerns": "This theme is no longer active"})
    now = timezone.now()
    with transaction.atomic():
        new = Theme.objects.create(icb=theme.icb, label=label, label_set_by_analyst=True)
        ThemeMembership.objects.filter(pk__in=[m.pk for m in chosen]).update(
            theme=new, source=MembershipSource.ANALYST, updated_at=now
        )
        moved = sorted(m.concern_id for m in chosen)
        _event(theme, "split", actor=membership.user, detail={"into": new.pk, "concerns": moved}, now=now)
        _event(new, "split", actor=membership.user, detail={"from": theme.pk, "concerns": moved}, now=now)
        _audit(
            actor=membership.user,
            theme=theme,
            changes={"split_into": new.pk, "concerns": moved},
            request=request,
        )
        from liaison.audit.models import AuditAction

        _audit(
            actor=membership.user,
            theme=new,
            changes={"label": label, "split_from": theme.pk},
            request=request,
            action=AuditAction.CREATE,
        )
        _refresh_phrases([theme, new])
    return new


def theme_move_concern(*, membership, concern, target, request=None):
    """Put one concern in ``target`` (an analyst's placement: never overridden by a rebuild)."""
    from liaison.themes.models import MembershipSource, ThemeMembership, ThemeStatus

    _require_curator(membership, target)
    if target.status != ThemeStatus.ACTIVE:
        raise ThemeInvalid({"target": "Choose an active theme"})
    if (concern.about_icb_id or concern.reporter_icb_id) != target.icb_id:
        raise ThemeInvalid({"target": "Choose a theme of the ICB the concern belongs to"})
    now = timezone.now()
    with transaction.atomic():
        existing = ThemeMembership.objects.select_for_update().filter(concern=concern).first()
        before = existing.theme_id if existing else None
        old_theme = existing.theme if existing else None
        if existing is None:
            ThemeMembership.objects.create(theme=target, concern=concern, source=MembershipSource.ANALYST)
        else:
            existing.theme = target
            existing.source = MembershipSource.ANALYST
            existing.score = None
            existing.save(update_fields=["theme", "source", "score", "updated_at"])
        detail = {"concern": concern.pk, "from": before, "to": target.pk}
        _event(target, "concern_moved", actor=membership.user, detail=detail, now=now)
        _audit(
            actor=membership.user,
            theme=target,
            changes={"concern_moved": [before, target.pk], "concern": concern.pk},
            request=request,
        )
        _refresh_phrases([theme for theme in (old_theme, target) if theme is not None])
    return target


def theme_move_concerns(*, membership, concerns, target, request=None):
    """``theme_move_concern`` for several concerns at once: all move, or none."""
    if not concerns:
        raise ThemeInvalid({"concerns": "Select the concerns to move"})
    with transaction.atomic():
        for concern in concerns:
            theme_move_concern(membership=membership, concern=concern, target=target, request=request)
    return target


def _action_owner(theme, owner_organisation_id):
    from liaison.directory.models import Organisation

    if not owner_organisation_id:
        return None
    owner = (
        Organisation.objects.filter(pk=owner_organisation_id)
        .filter(Q(icb=theme.icb) | Q(pk=theme.icb_id))
        .first()
    )
    if owner is None:
        raise ThemeInvalid({"owner_organisation": "Choose an organisation in this ICB"})
    return owner


def theme_action_add(
    *,
    membership,
    theme,
    action: str,
    owner_organisation_id=None,
    owner_person: str = "",
    due_date=None,
    request=None,
):
    from liaison.themes.models import ThemeAction

    _require_curator(membership, theme)
    problems = {}
    values = {}
    for field, value, label, length, required in (
        ("action", action, "the action agreed", 500, True),
        ("owner_person", owner_person, "the person who owns it", 120, False),
    ):
        try:
            values[field] = _checked_text(field, value, label=label, max_length=length, required=required)
        except ThemeInvalid as error:
            problems.update(error.problems)
    try:
        owner = _action_owner(theme, owner_organisation_id)
    except ThemeInvalid as error:
        problems.update(error.problems)
    if problems:
        raise ThemeInvalid(problems)
    now = timezone.now()
    with transaction.atomic():
        item = ThemeAction.objects.create(
            theme=theme,
            action=values["action"],
            owner_organisation=owner,
            owner_person=values["owner_person"],
            due_date=due_date,
            created_by=membership.user,
            updated_at=now,
        )
        _event(theme, "action_added", actor=membership.user, detail={"action": item.pk}, now=now)
        _audit(
            actor=membership.user,
            theme=theme,
            changes={
                "action_added": item.pk,
                "owner_organisation": owner.ods_code if owner else "",
                "due_date": due_date.isoformat() if due_date else "",
            },
            request=request,
        )
    return item


def theme_action_update(*, membership, action, status: str, note: str = "", recorded_on=None, request=None):
    """Change an action's status and/or record progress (a dated note)."""
    from liaison.themes.models import ActionStatus, ThemeActionProgress

    theme = action.theme
    _require_curator(membership, theme)
    if status not in ActionStatus.values:
        raise ThemeInvalid({"status": "Choose the action's status"})
    note = _checked_text("note", note, label="the progress note", max_length=1000, required=False)
    if status == action.status and not note:
        raise ThemeInvalid({"note": "Enter the progress made, or change the status"})
    now = timezone.now()
    with transaction.atomic():
        before = action.status
        action.status = status
        action.updated_at = now
        action.save(update_fields=["status", "updated_at"])
        if before != status:
            _event(
                theme,
                "action_changed",
                actor=membership.user,
                detail={"action": action.pk, "from": before, "to": status},
                now=now,
            )
        if note:
            ThemeActionProgress.objects.create(
                action=action,
                note=note,
                recorded_on=recorded_on or timezone.localdate(),
                recorded_by=membership.user,
            )
            _event(theme, "progress_added", actor=membership.user, detail={"action": action.pk}, now=now)
        _audit(
            actor=membership.user,
            theme=theme,
            changes={"action": action.pk, "status": [before, status], "progress_added": bool(note)},
            request=request,
        )
    return action


# --- Key phrases, rebuild and assignment -----------------------------------------------------------


def _member_texts(themes) -> dict[int, list[str]]:
    from liaison.themes.models import ThemeMembership

    texts: dict[int, list[str]] = defaultdict(list)
    rows = ThemeMembership.objects.filter(theme__in=themes).values_list(
        "theme_id", "concern__what_happened", "concern__impact"
    )
    for theme_id, what, impact in rows:
        texts[theme_id].append(" ".join(part for part in (what, impact) if part))
    return texts


def _refresh_phrases(themes) -> None:
    """Recompute key phrases (and, unless an analyst named it, the label) of these themes, weighed
    against the other active themes of their ICB."""
    from liaison.themes.models import Theme, ThemeStatus

    themes = list(themes)
    if not themes:
        return
    icb_ids = {theme.icb_id for theme in themes}
    peers = list(Theme.objects.filter(icb_id__in=icb_ids, status=ThemeStatus.ACTIVE))
    texts = _member_texts(peers + themes)
    for theme in themes:
        others = [
            texts.get(peer.pk, []) for peer in peers if peer.pk != theme.pk and peer.icb_id == theme.icb_id
        ]
        phrases = theme_key_phrases(texts.get(theme.pk, []), others=others)
        theme.key_phrases = phrases
        fields = ["key_phrases", "updated_at"]
        if not theme.label_set_by_analyst and phrases:
            theme.label = _label_from(phrases, theme.label)
            fields.append("label")
        theme.save(update_fields=fields)


@dataclass
class RebuildReport:
    concerns: int = 0
    clusters: int = 0
    themes_created: int = 0
    themes_archived: int = 0
    memberships_changed: int = 0
    analyst_placements_kept: int = 0
    rising: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def _progress(build, step: str, done: int, total: int) -> None:
    if build is None:
        return
    build.step, build.done, build.total = step, done, total
    build.save(update_fields=["step", "done", "total"])


def themes_rebuild(*, icb, build=None, today: date | None = None) -> RebuildReport:
    """Re-cluster every concern of ``icb`` and map the clusters onto its stored themes (see above).
    Idempotent: a second run with nothing new changes nothing."""
    from liaison.themes.models import MembershipSource, Theme, ThemeMembership, ThemeStatus

    report = RebuildReport()
    steps = 5
    _progress(build, "Reading concerns", 0, steps)
    concerns = list(_concerns_of_icb(icb).order_by("pk").only("pk", "what_happened", "impact"))
    report.concerns = len(concerns)
    ids = [concern.pk for concern in concerns]
    texts = [concern_text(concern) for concern in concerns]

    _progress(build, "Finding groups of similar concerns", 1, steps)
    labels = [UNCLUSTERED] * len(ids)
    scores: dict[int, float] = {}
    if len(ids) >= MIN_CONCERNS_TO_CLUSTER:
        clusters = texts_cluster(texts)
        labels = clusters.labels
        vectors = clusters.space.encode(texts)
        centroid_of = {int(c): i for i, c in enumerate(clusters.clustering.cluster_ids)}
        for index, label in enumerate(labels):
            if label != UNCLUSTERED:
                centroid = clusters.clustering.centroids[centroid_of[label]]
                scores[ids[index]] = round(float(np.clip(vectors[index] @ centroid, 0.0, 1.0)), 3)
    report.clusters = len(set(labels) - {UNCLUSTERED})

    _progress(build, "Matching groups to the themes analysts know", 2, steps)
    with transaction.atomic():
        themes = {
            theme.pk: theme
            for theme in Theme.objects.select_for_update().filter(icb=icb, status=ThemeStatus.ACTIVE)
        }
        existing = {
            membership.concern_id: membership
            for membership in ThemeMembership.objects.filter(theme__icb=icb).select_related("theme")
        }
        members_of: dict[int, list[int]] = defaultdict(list)
        for concern_id, label in zip(ids, labels, strict=True):
            if label != UNCLUSTERED:
                members_of[label].append(concern_id)
        target_of: dict[int, Theme] = {}
        now = timezone.now()
        for label, members in sorted(members_of.items(), key=lambda item: (-len(item[1]), item[0])):
            held = Counter(
                existing[cid].theme_id
                for cid in members
                if cid in existing and existing[cid].theme_id in themes
            )
            best = sorted(held.items(), key=lambda item: (-item[1], item[0]))[:1]
            if best and best[0][1] >= max(1, CLUSTER_TAKEOVER * len(members)):
                target_of[label] = themes[best[0][0]]
                continue
            theme = Theme.objects.create(icb=icb, label=f"New theme {len(themes) + 1}")
            themes[theme.pk] = theme
            target_of[label] = theme
            _event(theme, "created", detail={"concerns": len(members)}, now=now)
            report.themes_created += 1

        _progress(build, "Placing concerns in themes", 3, steps)
        label_of = dict(zip(ids, labels, strict=True))
        to_create, to_update, to_delete = [], [], []
        for concern_id in ids:
            current = existing.get(concern_id)
            if current is not None and current.source == MembershipSource.ANALYST:
                report.analyst_placements_kept += 1
                continue
            label = label_of[concern_id]
            if label == UNCLUSTERED:
                if current is not None and not (
                    current.theme_id in themes and themes[current.theme_id].pinned
                ):
                    to_delete.append(current.pk)
                continue
            target = target_of[label]
            if current is None:
                to_create.append(
                    ThemeMembership(theme=target, concern_id=concern_id, score=scores.get(concern_id))
                )
            elif current.theme_id != target.pk:
                current.theme = target
                current.score = scores.get(concern_id)
                current.updated_at = now
                to_update.append(current)
        ThemeMembership.objects.filter(pk__in=to_delete).delete()
        ThemeMembership.objects.bulk_update(to_update, ["theme", "score", "updated_at"], batch_size=500)
        # A concern the task worker placed while this ran keeps that place.
        ThemeMembership.objects.bulk_create(to_create, batch_size=500, ignore_conflicts=True)
        report.memberships_changed = len(to_create) + len(to_update) + len(to_delete)

        _progress(build, "Labelling themes", 4, steps)
        counts = Counter(
            ThemeMembership.objects.filter(theme__in=list(themes)).values_list("theme_id", flat=True)
        )
        kept = []
        for theme in themes.values():
            if counts[theme.pk] or theme.is_curated or theme.actions.exists():
                kept.append(theme)
                continue
            theme.status = ThemeStatus.ARCHIVED
            theme.save(update_fields=["status", "updated_at"])
            _event(theme, "archived", now=now)
            report.themes_archived += 1
        _refresh_phrases(kept)
    report.rising = len(themes_check_rising(icb=icb, today=today))
    _progress(build, "Finished", steps, steps)
    return report


def theme_build_start(*, icb, requested_by=None, enqueue: bool = True):
    """Record a rebuild of ``icb``'s themes and hand it to the task worker (or not, to run it here).
    While one is waiting or running for the ICB, that one is returned instead of a second."""
    from liaison.themes.models import BuildStatus, ThemeBuild

    with transaction.atomic():
        running = ThemeBuild.objects.filter(
            icb=icb, status__in=[BuildStatus.QUEUED, BuildStatus.RUNNING]
        ).first()
        if running is not None and running.created_at > timezone.now() - timedelta(hours=1):
            return running
        build = ThemeBuild.objects.create(icb=icb, requested_by=requested_by)
        if enqueue:
            from liaison.themes.tasks import rebuild_themes

            transaction.on_commit(lambda: rebuild_themes.enqueue(build.pk))
    return build


def theme_build_run(*, build_id: int):
    """Run a recorded rebuild, keeping its progress row up to date; a failure is recorded, not lost."""
    from liaison.themes.models import BuildStatus, ThemeBuild

    build = ThemeBuild.objects.select_related("icb").get(pk=build_id)
    if build.status == BuildStatus.DONE:
        return build
    build.status = BuildStatus.RUNNING
    build.started_at = timezone.now()
    build.save(update_fields=["status", "started_at"])
    try:
        report = themes_rebuild(icb=build.icb, build=build)
    except Exception as error:
        build.status = BuildStatus.FAILED
        build.result = {"error": type(error).__name__}
        build.finished_at = timezone.now()
        build.save(update_fields=["status", "result", "finished_at"])
        raise
    build.status = BuildStatus.DONE
    build.result = report.as_dict()
    build.finished_at = timezone.now()
    build.save(update_fields=["status", "result", "finished_at"])
    return build


@dataclass
class _ThemeSpace:
    theme_ids: list[int]
    space: object
    sums: np.ndarray
    centroids: np.ndarray
    kind: str

    def add(self, index: int, vector: np.ndarray) -> None:
        """Count one more concern in a theme's centre (after this process placed it)."""
        self.sums[index] += vector
        norm = np.linalg.norm(self.sums[index])
        self.centroids[index] = (self.sums[index] / (norm or 1)).astype(np.float32)


_SPACES: dict[int, tuple[tuple, _ThemeSpace]] = {}


def _theme_space(icb_id: int) -> _ThemeSpace | None:
    """The ICB's active themes' centres in a space fitted to their concerns, cached until a theme or a
    placement changes (or the model does), so that placing one concern is one encode and one product."""

    from liaison.themes.models import Theme, ThemeStatus

    themes = Theme.objects.filter(icb_id=icb_id, status=ThemeStatus.ACTIVE)
    model, status = text_model()
    key = _space_key(icb_id, model)
    cached = _SPACES.get(icb_id)
    if cached is not None and cached[0] == key:
        return cached[1]
    texts = _member_texts(list(themes))
    theme_ids = [pk for pk in sorted(texts) if texts[pk]]
    if not theme_ids:
        return None
    corpus = [member for pk in theme_ids for member in texts[pk]]
    space = model.fitted(corpus)
    sums = np.stack([space.encode(texts[pk]).sum(axis=0) for pk in theme_ids]).astype(np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    result = _ThemeSpace(
        theme_ids=theme_ids,
        space=space,
        sums=sums,
        centroids=(sums / np.where(norms == 0, 1, norms)).astype(np.float32),
        kind=status.kind,
    )
    _SPACES[icb_id] = (key, result)
    return result


def _space_key(icb_id: int, model) -> tuple:
    """What the cached space depends on: the ICB's active themes and their placements, and the model."""
    from django.db.models import Count, Max

    from liaison.themes.models import Theme, ThemeMembership, ThemeStatus

    stamp = ThemeMembership.objects.filter(theme__icb_id=icb_id, theme__status=ThemeStatus.ACTIVE).aggregate(
        n=Count("pk"), changed=Max("updated_at"), created=Max("created_at")
    )
    themes = Theme.objects.filter(icb_id=icb_id, status=ThemeStatus.ACTIVE).order_by("pk")
    return (
        stamp["n"],
        stamp["changed"],
        stamp["created"],
        tuple(themes.values_list("pk", flat=True)),
        id(model),
    )


def theme_assign_concern(*, concern_id: int):
    """Place a new concern in the nearest active theme of its ICB, if near enough; else leave it for
    the next rebuild. Returns the membership or None. A concern already in a theme is left alone."""
    from liaison.concerns.models import Concern
    from liaison.themes.models import ThemeMembership

    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None or ThemeMembership.objects.filter(concern=concern).exists():
        return None
    icb_id = concern.about_icb_id or concern.reporter_icb_id
    text = concern_text(concern)
    if icb_id is None or not text:
        return None
    found = _theme_space(icb_id)
    if found is None:
        return None
    vector = found.space.encode([text])[0]
    similarity = found.centroids @ vector
    best = int(np.argmax(similarity))
    score = float(similarity[best])
    if score < ASSIGN_MIN_SIMILARITY[found.kind]:
        return None
    membership, created = ThemeMembership.objects.get_or_create(
        concern=concern, defaults={"theme_id": found.theme_ids[best], "score": round(score, 3)}
    )
    cached = _SPACES.get(icb_id)
    if created and cached is not None and cached[1] is found:
        # This process's own placement: move the centre rather than refit the whole space.
        found.add(best, vector)
        _SPACES[icb_id] = (_space_key(icb_id, text_model()[0]), found)
    return membership


# --- Rising themes ---------------------------------------------------------------------------------


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exactly."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    return min(1.0, sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


@dataclass(frozen=True)
class RisingTest:
    """Concerns in the last four weeks against the twelve before, and the verdict.

    Under "no change" each of the recent + previous concerns falls in the recent four weeks with
    probability 4/16, so the recent count is Binomial(recent + previous, 0.25) (the exact
    conditional test for two Poisson rates). Rising: at least ``RISING_MIN_RECENT`` recent concerns
    and a one-sided p-value below ``RISING_ALPHA``. Fewer recent concerns: too few to call.
    """

    recent: int
    previous: int
    p_value: float
    verdict: str  # rising | not_rising | too_few

    @property
    def recent_per_week(self) -> float:
        return round(self.recent / RECENT_WEEKS, 2)

    @property
    def previous_per_week(self) -> float:
        return round(self.previous / PREVIOUS_WEEKS, 2)

    @property
    def rate_ratio(self) -> float | None:
        if not self.previous:
            return None
        return round((self.recent / RECENT_WEEKS) / (self.previous / PREVIOUS_WEEKS), 2)

    def as_dict(self) -> dict:
        return {
            "recent": self.recent,
            "previous": self.previous,
            "recent_per_week": self.recent_per_week,
            "previous_per_week": self.previous_per_week,
            "rate_ratio": self.rate_ratio,
            "p_value": self.p_value,
            "verdict": self.verdict,
        }


def rising_test(recent: int, previous: int) -> RisingTest:
    share = RECENT_WEEKS / (RECENT_WEEKS + PREVIOUS_WEEKS)
    p_value = round(binomial_upper_tail(recent, recent + previous, share), 6)
    if recent < RISING_MIN_RECENT:
        verdict = "too_few"
    elif p_value < RISING_ALPHA:
        verdict = "rising"
    else:
        verdict = "not_rising"
    return RisingTest(recent=recent, previous=previous, p_value=p_value, verdict=verdict)


def rising_windows(today: date) -> dict[str, tuple[date, date]]:
    recent_start = today - timedelta(weeks=RECENT_WEEKS) + timedelta(days=1)
    previous_start = recent_start - timedelta(weeks=PREVIOUS_WEEKS)
    return {
        "recent": (recent_start, today),
        "previous": (previous_start, recent_start - timedelta(days=1)),
    }


def rising_period_start(today: date) -> date:
    """The four-week notification period ``today`` is in: a rising theme is notified once in each."""
    return RISING_EPOCH + timedelta(days=28 * ((today - RISING_EPOCH).days // 28))


def themes_check_rising(*, icb, today: date | None = None) -> list:
    """Test every active theme of ``icb``, and each provider within it, for a rise; store the evidence
    on the theme and notify the ICB's analysts of a newly rising theme once per four-week period.
    Returns the rising themes."""
    from liaison.accounts.models import Membership, Role
    from liaison.directory.models import Organisation
    from liaison.notifications.services import notify
    from liaison.themes.models import Theme, ThemeMembership, ThemeStatus

    today = today or timezone.localdate()
    windows = rising_windows(today)
    start, end = windows["previous"][0], windows["recent"][1]
    recent_start = windows["recent"][0]
    rows = (
        ThemeMembership.objects.filter(
            theme__icb=icb,
            theme__status=ThemeStatus.ACTIVE,
            concern__event_date__gte=start,
            concern__event_date__lte=end,
        )
        .exclude(concern__outcome="duplicate")
        .values_list("theme_id", "concern__about_organisation_id", "concern__event_date")
    )
    per_theme: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    per_provider: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for theme_id, organisation_id, event_date in rows:
        index = 0 if event_date >= recent_start else 1
        per_theme[theme_id][index] += 1
        per_provider[theme_id][organisation_id][index] += 1
    names = dict(
        Organisation.objects.filter(
            pk__in={org for providers in per_provider.values() for org in providers}
        ).values_list("pk", "name")
    )
    period = rising_period_start(today)
    analysts = [
        membership.user
        for membership in Membership.objects.filter(
            organisation=icb, role=Role.ICB_ANALYST, is_active=True, user__is_active=True
        ).select_related("user")
    ]
    rising = []
    with transaction.atomic():
        for theme in Theme.objects.select_for_update().filter(icb=icb, status=ThemeStatus.ACTIVE):
            recent, previous = per_theme.get(theme.pk, (0, 0))
            result = rising_test(recent, previous)
            providers = []
            for organisation_id, (p_recent, p_previous) in per_provider.get(theme.pk, {}).items():
                provider_result = rising_test(p_recent, p_previous)
                providers.append(
                    {
                        "organisation_id": organisation_id,
                        "organisation": _title(names.get(organisation_id, "")),
                    }
                    | provider_result.as_dict()
                )
            providers.sort(key=lambda row: (-row["recent"], row["organisation"]))
            is_rising = result.verdict == "rising" or any(row["verdict"] == "rising" for row in providers)
            theme.rising = is_rising
            theme.rising_checked_on = today
            theme.rising_evidence = {
                "test": "exact conditional binomial test of two Poisson rates (one-sided)",
                "alpha": RISING_ALPHA,
                "minimum_recent": RISING_MIN_RECENT,
                "recent_window": [d.isoformat() for d in windows["recent"]],
                "previous_window": [d.isoformat() for d in windows["previous"]],
                "theme": result.as_dict(),
                "providers": providers,
            }
            theme.save(update_fields=["rising", "rising_checked_on", "rising_evidence", "updated_at"])
            if not is_rising:
                continue
            rising.append(theme)
            already = theme.events.filter(kind="rising", detail__period=period.isoformat()).exists()
            if already:
                continue
            _event(
                theme, "rising", detail={"period": period.isoformat(), "recent": recent, "previous": previous}
            )
            notify(
                kind="theme_rising",
                recipients=analysts,
                link_path=f"/themes/{theme.pk}/",
                organisation=icb,
                key=f"theme-rising:{theme.pk}:{period.isoformat()}",
            )
    return rising


def _title(name: str) -> str:
    from liaison.directory.models import Organisation

    return Organisation(name=name).display_name if name else ""


__all__ = [
    "UNCLUSTERED",
    "similar_texts",
    "standard_phrasings",
    "suggest_standards",
    "suggest_standards_many",
    "text_model",
    "text_model_build",
    "text_model_directory",
    "text_model_status",
    "texts_cluster",
]
