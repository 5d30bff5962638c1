from pathlib import Path

from liaison.core import hazard_log_check

PROJECT = Path(hazard_log_check.__file__).resolve().parents[2]


def test_the_real_hazard_log_names_only_existing_tests():
    assert hazard_log_check.check(PROJECT / "docs/clinical-safety/hazard-log.md", PROJECT) == []


def test_a_missing_test_is_reported(tmp_path):
    log = tmp_path / "log.md"
    log.write_text(
        "### H-01 Something\n- Status: Mitigated\n"
        "- Test: `liaison/core/tests/test_hazard_log_check.py::test_that_does_not_exist`\n"
    )
    problems = hazard_log_check.check(log, PROJECT)
    assert len(problems) == 1 and "has no test test_that_does_not_exist" in problems[0]


def test_a_missing_file_and_an_unproven_mitigation_are_reported(tmp_path):
    log = tmp_path / "log.md"
    log.write_text(
        "### H-01 A\n- Status: Mitigated\n- Test: `liaison/nowhere/tests/test_x.py::test_y`\n"
        "### H-02 B\n- Status: Mitigated\n"
    )
    problems = hazard_log_check.check(log, PROJECT)
    assert any("does not exist" in p for p in problems)
    assert any("H-02 is marked mitigated but names no test" in p for p in problems)
