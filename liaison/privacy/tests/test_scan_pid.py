"""``liaison scan_pid``: JSON lines in and out, and checking a CSV export before it is shared."""

import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from liaison.privacy import scan_text

LIAISON = shutil.which("liaison") or str(Path(sys.executable).with_name("liaison"))


class FakeStdin:
    """Standard input as the command sees it: only ``buffer`` (bytes) is read."""

    def __init__(self, buffer):
        self.buffer = buffer


def run_jsonl(monkeypatch, data: bytes | None = None, *, path: Path | None = None) -> tuple[list[dict], str]:
    if data is not None:
        monkeypatch.setattr(sys, "stdin", FakeStdin(io.BytesIO(data)))
    stdout = io.StringIO()
    if path is None:
        call_command("scan_pid", "--jsonl", stdout=stdout)
    else:
        call_command("scan_pid", "--jsonl", str(path), stdout=stdout)
    output = stdout.getvalue()
    return [json.loads(line) for line in output.splitlines()], output


def jsonl(*records: dict) -> bytes:
    return "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")


# --- JSON lines --------------------------------------------------------------------------------


def test_each_input_line_gives_one_output_line_with_kinds_offsets_and_actions(monkeypatch):
    texts = {
        "c-1": "Discharge summary for NHS 999 000 0018 not received; DOB 12/03/1956.",
        "c-2": "Discharge summary not received.",
        "c-3": "Mrs Jane Okonkwo was seen on 14/04/2026.",
    }
    records, _ = run_jsonl(monkeypatch, jsonl(*({"id": key, "text": text} for key, text in texts.items())))
    assert [record["id"] for record in records] == ["c-1", "c-2", "c-3"]
    assert records[0]["findings"] == [
        {"kind": "nhs_number", "start": 26, "end": 38, "action": "block"},
        {"kind": "date_of_birth", "start": 57, "end": 67, "action": "block"},
    ]
    assert texts["c-1"][26:38] == "999 000 0018"
    assert records[1]["findings"] == []
    assert [(f["kind"], f["action"]) for f in records[2]["findings"]] == [
        ("personal_name", "warn"),
        ("full_date", "warn"),
    ]
    for record in records:
        assert set(record) == {"id", "findings"}
        for finding in record["findings"]:
            assert set(finding) == {"kind", "start", "end", "action"}


def test_offsets_count_unicode_characters_and_ids_keep_their_json_type(monkeypatch):
    text = "Zoë’s letter 🏥 — NHS 999 000 0026 — for Seán Murphy"
    records, output = run_jsonl(monkeypatch, jsonl({"id": 7, "text": text}, {"id": "7", "text": ""}))
    assert [record["id"] for record in records] == [7, "7"]
    spans = [(f["kind"], text[f["start"] : f["end"]]) for f in records[0]["findings"]]
    assert spans == [("nhs_number", "999 000 0026"), ("personal_name", "Seán Murphy")]
    assert records[1]["findings"] == []
    assert "Seán" not in output and "999 000" not in output  # the text itself is never written back


def test_reads_a_file_and_skips_blank_lines(monkeypatch, tmp_path):
    path = tmp_path / "concerns.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + jsonl({"id": 1, "text": "L7 8XP"}) + b"\n   \n" + jsonl({"id": 2, "text": "ok"})
    )
    records, _ = run_jsonl(monkeypatch, path=path)
    assert [(r["id"], [f["kind"] for f in r["findings"]]) for r in records] == [(1, ["postcode"]), (2, [])]


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"id": 3, "text": "NHS 999 000 0018 for Mrs Smith"', "not valid JSON"),
        (b'["NHS 999 000 0018 for Mrs Smith"]', "expected an object"),
        (b'{"id": 3}', "missing 'text'"),
        (b'{"text": "NHS 999 000 0018 for Mrs Smith"}', "missing 'id'"),
        (b'{"id": 3, "text": ["NHS 999 000 0018", "Mrs Smith"]}', '"text" must be a string'),
        (b'{"id": {"nhs": "999 000 0018"}, "text": "Mrs Smith"}', '"id" must be a string or a number'),
        ('{"id": 3, "text": "NHS 999 000 0018 for Mrs Smith"}'.encode("latin-1") + b"\xff", "not UTF-8"),
    ],
)
def test_a_malformed_line_stops_with_its_number_and_never_echoes_the_text(monkeypatch, line, reason):
    data = (
        jsonl({"id": 1, "text": "fine"}, {"id": 2, "text": "also fine"})
        + line
        + b"\n"
        + jsonl({"id": 4, "text": "x"})
    )
    monkeypatch.setattr(sys, "stdin", FakeStdin(io.BytesIO(data)))
    stdout = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("scan_pid", "--jsonl", stdout=stdout)
    message = str(raised.value)
    assert message.startswith("line 3: ") and reason in message
    assert raised.value.returncode == 2
    for fragment in ("999", "0018", "Smith", "nhs"):
        assert fragment not in message
    assert [json.loads(line)["id"] for line in stdout.getvalue().splitlines()] == [1, 2]


class LazyLines:
    """Standard input that makes its lines only when asked, and checks that the output keeps up.

    Line n is handed over only after the result for line n - 2 has been written: proof that the
    command streams rather than reading everything first.
    """

    def __init__(self, count: int, stdout: io.StringIO):
        self.count = count
        self.stdout = stdout
        self.handed_over = 0

    def __iter__(self):
        for number in range(1, self.count + 1):
            written = self.stdout.getvalue().count("\n")
            assert written >= number - 2, f"line {number} was read before line {number - 2} was answered"
            self.handed_over = number
            text = (
                f"Referral {number} for NHS 999 000 0018 to Ward {number % 40}" if number % 3 == 0 else "ok"
            )
            yield (json.dumps({"id": number, "text": text}) + "\n").encode()


def test_large_input_is_streamed_line_by_line(monkeypatch):
    stdout = io.StringIO()
    lines = LazyLines(5_000, stdout)
    monkeypatch.setattr(sys, "stdin", FakeStdin(lines))
    call_command("scan_pid", "--jsonl", stdout=stdout)
    records = [json.loads(line) for line in stdout.getvalue().splitlines()]
    assert lines.handed_over == 5_000
    assert [record["id"] for record in records] == list(range(1, 5_001))
    assert sum(bool(record["findings"]) for record in records) == 5_000 // 3
    assert all(f["kind"] == "nhs_number" for record in records for f in record["findings"])


def test_the_installed_command_reads_standard_input_and_reports_errors_on_stderr():
    """End to end through the real console script, as another system would call it."""
    text = "Für Zoë: NHS 999 000 0018"
    data = jsonl({"id": "a", "text": text}) + b'{"id": "b", "text": "Mrs Smith 999 000 0026"\n'
    completed = subprocess.run(
        [LIAISON, "scan_pid", "--jsonl"],
        input=data,
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert completed.returncode == 2
    (line,) = completed.stdout.decode().splitlines()
    assert json.loads(line) == {
        "id": "a",
        "findings": [{"kind": "nhs_number", "start": 13, "end": 25, "action": "block"}],
    }
    assert text[13:25] == "999 000 0018"
    stderr = completed.stderr.decode()
    assert "line 2: not valid JSON" in stderr
    assert "Smith" not in stderr and "0026" not in stderr


# --- CSV exports -------------------------------------------------------------------------------


def run_csv(path: Path, *columns: str) -> tuple[str, CommandError | None]:
    stdout = io.StringIO()
    arguments = ["scan_pid", "--csv", str(path)]
    for column in columns:
        arguments += ["--column", column]
    try:
        call_command(*arguments, stdout=stdout)
    except CommandError as error:
        return stdout.getvalue(), error
    return stdout.getvalue(), None


def write_csv(tmp_path: Path, content: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode(encoding))
    return path


EXPORT = (
    "reference,summary,detail\n"
    'LIA-1,Letter not received,"Discharge summary for NHS 999 000 0018, Mrs Jane Smith, not received"\n'
    "LIA-2,Clinic letter late,The clinic letter took 6 weeks to arrive.\n"
    'LIA-3,"Multi-line\nsummary","Seen on 14/04/2026, letter never sent"\n'
    "LIA-4,Call back,Call the daughter on 07700 900123 please\n"
)


def test_csv_lists_each_row_with_kinds_and_masked_forms_and_exits_1_when_anything_blocks(tmp_path):
    output, error = run_csv(write_csv(tmp_path, EXPORT), "detail")
    assert output.splitlines() == [
        "row 2, column 'detail': NHS number 999 ••• ••18 (block); possible name Mrs J••• S••• (warn)",
        "row 4, column 'detail': full date 14/••/••26 (warn)",
        "row 5, column 'detail': phone number 07••• ••••23 (block)",
    ]
    assert error is not None and error.returncode == 1
    assert "2 row(s) hold patient-identifiable data" in str(error)
    for fragment in ("000 00", "Jane", "Smith", "900123", "04/20"):
        assert fragment not in output + str(error)


def test_csv_with_only_warnings_or_nothing_passes(tmp_path):
    output, error = run_csv(write_csv(tmp_path, EXPORT), "summary")
    assert (output.strip(), error) == ("Nothing found.", None)
    path = write_csv(tmp_path, "id,detail\n1,Seen on 3 March 2026 by the team\n2,Crohn's disease clinic\n")
    output, error = run_csv(path, "detail")
    assert error is None
    assert output.splitlines() == [
        "row 2, column 'detail': full date 3 M•••• ••26 (warn)",
        "Nothing to remove. 1 row(s) have possible names or dates: check them before sharing the export.",
    ]


def test_csv_several_columns_excel_byte_order_mark_and_accents(tmp_path):
    path = write_csv(tmp_path, "\ufeffRéférence,Détail\nLIA-9,Zoë Smith was discharged\nL7 8XP,fine\n")
    output, error = run_csv(path, "Référence", "Détail")
    assert output.splitlines() == [
        "row 2, column 'Détail': possible name Z••• S••• (warn)",
        "row 3, column 'Référence': postcode L7 ••• (block)",
    ]
    assert error.returncode == 1


def test_csv_errors_name_the_problem_without_the_content(tmp_path):
    _, error = run_csv(write_csv(tmp_path, EXPORT), "Detail")
    assert error.returncode == 2
    assert str(error) == "header: no column 'Detail' (the columns are 'reference', 'summary', 'detail')."
    _, error = run_csv(
        write_csv(tmp_path, "id,detail\n1,Mrs Smith from Köln\n", encoding="latin-1"), "detail"
    )
    assert error.returncode == 2 and "not UTF-8" in str(error) and "Smith" not in str(error)
    _, error = run_csv(tmp_path / "missing.csv", "detail")
    assert error.returncode == 2 and "Cannot read" in str(error)


def test_column_and_source_options_must_go_together(tmp_path):
    with pytest.raises(CommandError, match="Say which column"):
        call_command("scan_pid", "--csv", str(write_csv(tmp_path, EXPORT)))
    with pytest.raises(CommandError, match="--column only goes with --csv"):
        call_command("scan_pid", "--jsonl", "-", "--column", "detail")


def test_csv_masks_match_the_guard(tmp_path):
    text = "Email jane.doe@nhs.net about DOB 12/03/1956"
    output, _ = run_csv(write_csv(tmp_path, f'detail\n"{text}"\n'), "detail")
    masks = [finding.masked for finding in scan_text(text).findings]
    assert (
        output.splitlines()[0]
        == f"row 2, column 'detail': email address {masks[0]} (block); date of birth {masks[1]} (block)"
    )
