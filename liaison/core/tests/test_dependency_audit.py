"""The dependency audit's verdicts on pip-audit reports: unaccepted vulnerabilities fail, accepted ones
(with a reason) pass and are listed, and packages the service could not answer for are never passed
off as audited."""

import json

import pytest

from liaison.core import dependency_audit

REPORT = {
    "dependencies": [
        {"name": "django", "version": "5.2.19", "vulns": []},
        {
            "name": "examplelib",
            "version": "1.0.0",
            "vulns": [
                {
                    "id": "PYSEC-2099-1",
                    "fix_versions": ["1.0.1"],
                    "aliases": ["CVE-2099-0001"],
                    "description": "x",
                }
            ],
        },
        {
            "name": "offline-lib",
            "skip_reason": "Dependency not found on PyPI and could not be audited: offline-lib (2.0)",
        },
    ],
    "fixes": [],
}


def run(tmp_path, report, accepted_text="", *extra):
    (tmp_path / "report.json").write_text(json.dumps(report))
    (tmp_path / "accepted.txt").write_text(accepted_text)
    return dependency_audit.main(
        ["--report", str(tmp_path / "report.json"), "--accepted", str(tmp_path / "accepted.txt"), *extra]
    )


def test_an_unaccepted_vulnerability_fails_naming_the_fix(tmp_path, capsys):
    assert run(tmp_path, REPORT) == 1
    err = capsys.readouterr().err
    assert "examplelib 1.0.0: PYSEC-2099-1 (CVE-2099-0001), fixed in 1.0.1" in err
    assert "docs/security/accepted-vulnerabilities.txt" in err


def test_an_accepted_vulnerability_passes_with_its_reason_shown(tmp_path, capsys):
    accepted = (
        "# comment\nCVE-2099-0001 examplelib only the command-line tool is affected; Liaison never runs it\n"
    )
    assert run(tmp_path, REPORT, accepted, "--unreachable", "warn") == 0
    out = capsys.readouterr().out
    assert "accepted: examplelib 1.0.0: PYSEC-2099-1" in out
    assert "only the command-line tool is affected" in out
    assert "NOT AUDITED" in out and "offline-lib" in out


def test_packages_not_audited_fail_unless_told_to_warn(tmp_path, capsys):
    clean = {"dependencies": [REPORT["dependencies"][0], REPORT["dependencies"][2]]}
    assert run(tmp_path, clean) == 2
    assert "PyPI's vulnerability API did not answer for 1 of 2 pinned packages" in capsys.readouterr().err
    assert run(tmp_path, clean, "", "--unreachable", "warn") == 0
    assert "1 packages audited" in capsys.readouterr().out


def test_an_accepted_entry_without_a_reason_is_refused(tmp_path):
    with pytest.raises(SystemExit, match="with the reason it is accepted"):
        run(tmp_path, REPORT, "PYSEC-2099-1 examplelib\n")


def test_the_shipped_accepted_list_is_valid():
    for reason in dependency_audit.read_accepted(dependency_audit.ACCEPTED).values():
        assert reason.strip()
