"""The JSON Lines commands: suggest_standard and cluster_texts, including malformed input."""

import io
import json

import pytest
from django.core.management import CommandError, call_command


def _run(command, lines, *args, **options):
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        command, *args, jsonl=True, stdin=io.StringIO(lines), stdout=stdout, stderr=stderr, **options
    )
    return [json.loads(line) for line in stdout.getvalue().splitlines()], stderr.getvalue()


INPUT = "\n".join(
    json.dumps(row)
    for row in [
        {"id": "a", "text": "No discharge summary received a week after the patient left the ward."},
        {"id": 2, "text": "Patient asked to get a fit note from the GP after surgery."},
        {"id": "empty", "text": ""},
    ]
)


def test_suggest_standard_writes_one_line_per_input_in_order(static_model):
    rows, stderr = _run("suggest_standard", INPUT + "\n\n")
    assert [row["id"] for row in rows] == ["a", 2, "empty"]
    assert rows[0]["standard"] == "S02" and 0 < rows[0]["score"] <= 1
    assert rows[1]["standard"] == "S07"
    assert rows[2] == {"id": "empty", "standard": None, "score": 0.0}
    assert stderr == ""


def test_suggest_standard_top_lists_alternatives(static_model):
    rows, _ = _run("suggest_standard", INPUT, top=3)
    assert [item["standard"] for item in rows[0]["alternatives"]][0] == "S02"
    assert len(rows[0]["alternatives"]) == 3


def test_suggest_standard_reads_a_file(static_model, tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text(INPUT, encoding="utf-8")
    rows, _ = _run("suggest_standard", "", str(path))
    assert len(rows) == 3


def test_the_fallback_is_announced_on_stderr_and_still_answers(no_text_model):
    rows, stderr = _run("suggest_standard", INPUT)
    assert "Keyword matching (TF-IDF) is in use" in stderr
    assert rows[0]["standard"] == "S02"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('{"id": 1, "text": "fine"}\nnot json\n', "standard input, line 2: not valid JSON"),
        ('["id", "text"]\n', "line 1: expected an object"),
        ('{"id": 1}\n', "line 1: missing 'text'"),
        ('{"text": "no id"}\n', "line 1: missing 'id'"),
        ('{"id": 1, "text": 5}\n', 'line 1: "text" must be a string'),
        ('{"id": [1], "text": "x"}\n', 'line 1: "id" must be a string or a whole number'),
        ('{"id": 1, "text": "x"}\n{"id": 1, "text": "y"}\n', "line 2: id 1 appears more than once"),
    ],
)
@pytest.mark.parametrize("command", ["suggest_standard", "cluster_texts"])
def test_malformed_input_is_refused_with_the_line_and_no_output(no_text_model, command, lines, message):
    stdout = io.StringIO()
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace("[", r"\[")):
        call_command(command, jsonl=True, stdin=io.StringIO(lines), stdout=stdout, stderr=io.StringIO())
    assert stdout.getvalue() == ""


def test_a_missing_file_is_a_clear_error(no_text_model, tmp_path):
    with pytest.raises(CommandError, match="Cannot read .*nothing.jsonl"):
        call_command("suggest_standard", str(tmp_path / "nothing.jsonl"), jsonl=True, stdout=io.StringIO())


def test_cluster_texts_groups_and_labels(static_model):
    texts = [
        *[f"No discharge summary received {n} days after the patient left the ward." for n in range(2, 8)],
        *[f"Patient asked to get a fit note from the GP after surgery, number {n}." for n in range(6)],
    ]
    lines = "\n".join(json.dumps({"id": i, "text": text}) for i, text in enumerate(texts))
    rows, _ = _run("cluster_texts", lines, min_size=3)
    assert [row["id"] for row in rows] == list(range(12))
    discharge, fit_note = rows[0]["cluster"], rows[6]["cluster"]
    assert discharge != fit_note and discharge >= 0 and fit_note >= 0
    assert {row["cluster"] for row in rows[:6]} == {discharge}
    assert "discharge summary" in rows[0]["label"] and "fit note" in rows[6]["label"]


def test_cluster_texts_refuses_a_nonsense_threshold(no_text_model):
    with pytest.raises(CommandError, match="--threshold must be between 0 and 2"):
        call_command("cluster_texts", jsonl=True, threshold=5.0, stdin=io.StringIO(""), stdout=io.StringIO())


def test_cluster_texts_with_no_input_writes_nothing(no_text_model):
    rows, _ = _run("cluster_texts", "")
    assert rows == []
