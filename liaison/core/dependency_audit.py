"""The dependency audit run by ``make lint``: every package pinned in requirements.lock against the
known-vulnerability records PyPI publishes, through pip-audit.

    python -m liaison.core.dependency_audit [requirements.lock] [--accepted FILE] [--unreachable fail|warn]

Fails (exit 1) on any known vulnerability that is not listed, with a reason, in the accepted file
(``docs/security/accepted-vulnerabilities.txt``: one ``ID package reason…`` a line). Packages the
service could not answer for are not audited: that fails too (exit 2), saying which and why, unless
``--unreachable warn`` (what ``make lint`` uses, so that a machine without PyPI's vulnerability API
still lints; ``make audit`` is the strict form).
"""

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ACCEPTED = ROOT / "docs" / "security" / "accepted-vulnerabilities.txt"


@dataclass(frozen=True)
class Finding:
    package: str
    version: str
    vuln_id: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]

    def line(self) -> str:
        fix = f"fixed in {', '.join(self.fix_versions)}" if self.fix_versions else "no fixed version yet"
        also = f" ({', '.join(self.aliases)})" if self.aliases else ""
        return f"{self.package} {self.version}: {self.vuln_id}{also}, {fix}"


@dataclass
class AuditResult:
    findings: list[Finding]
    accepted: list[Finding]
    not_audited: list[tuple[str, str]]  # (package, reason)
    audited: int


def read_accepted(path: Path) -> dict[str, str]:
    """Accepted vulnerability ids (and their aliases) → the reason given. Every entry needs a reason."""
    accepted = {}
    if not path.exists():
        return accepted
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip() if raw.lstrip().startswith("#") else raw.strip()
        if not line:
            continue
        parts = line.split(None, 2)
        if len(parts) < 3:
            raise SystemExit(f"{path}:{number}: write 'ID package reason', with the reason it is accepted")
        accepted[parts[0].upper()] = f"{parts[1]}: {parts[2]}"
    return accepted


def judge(report: dict, accepted: dict[str, str]) -> AuditResult:
    """Sort pip-audit's JSON report into unaccepted findings, accepted ones, and packages not audited."""
    result = AuditResult(findings=[], accepted=[], not_audited=[], audited=0)
    for dependency in report.get("dependencies", []):
        name, version = dependency.get("name", "?"), dependency.get("version", "?")
        if "skip_reason" in dependency:
            result.not_audited.append((name, dependency["skip_reason"]))
            continue
        result.audited += 1
        for vuln in dependency.get("vulns", []):
            finding = Finding(
                package=name,
                version=version,
                vuln_id=vuln.get("id", "?"),
                aliases=tuple(vuln.get("aliases", [])),
                fix_versions=tuple(vuln.get("fix_versions", [])),
            )
            ids = {finding.vuln_id.upper(), *(alias.upper() for alias in finding.aliases)}
            (result.accepted if ids & set(accepted) else result.findings).append(finding)
    return result


def run_pip_audit(requirements: Path) -> dict:
    command = [
        sys.executable,
        "-m",
        "pip_audit",
        "--requirement",
        str(requirements),
        "--no-deps",
        "--disable-pip",
        "--format",
        "json",
        "--progress-spinner",
        "off",
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)  # noqa: S603 (fixed argv)
    try:
        return json.loads(completed.stdout)
    except json.JSONDecodeError:
        detail = (completed.stderr or completed.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SystemExit(
            "The dependency audit could not run: pip-audit gave no report. Is PyPI reachable from this "
            f"machine (https://pypi.org/pypi/<package>/<version>/json)? pip-audit said: {detail[0]}"
        ) from None


def report_lines(result: AuditResult, accepted: dict[str, str], unreachable: str) -> tuple[list[str], int]:
    lines, status = [], 0
    for finding in result.accepted:
        reason = next(
            accepted[i]
            for i in (finding.vuln_id.upper(), *(a.upper() for a in finding.aliases))
            if i in accepted
        )
        lines.append(f"accepted: {finding.line()} — {reason}")
    if result.findings:
        status = 1
        lines.append(
            f"{len(result.findings)} known vulnerabilit{'y' if len(result.findings) == 1 else 'ies'}:"
        )
        lines += [f"  {finding.line()}" for finding in result.findings]
        lines.append(
            "Upgrade the package in pyproject.toml and requirements.lock, or, if it cannot affect Liaison, add "
            "'ID package reason' to docs/security/accepted-vulnerabilities.txt."
        )
    if result.not_audited:
        total = len(result.not_audited) + result.audited
        lines.append(
            f"NOT AUDITED: PyPI's vulnerability API did not answer for {len(result.not_audited)} of {total} "
            "pinned packages, so nothing is known about them (https://pypi.org/pypi/<package>/<version>/json "
            "must be reachable):"
        )
        lines += [f"  {package}: {reason}" for package, reason in result.not_audited[:10]]
        if len(result.not_audited) > 10:
            lines.append(f"  … and {len(result.not_audited) - 10} more")
        if unreachable == "fail" and not status:
            status = 2
    if not status and not result.audited:
        lines.append("Dependency audit: nothing could be audited (see above).")
    elif not status:
        lines.append(
            f"Dependency audit: {result.audited} packages audited, no unaccepted known vulnerabilities"
            + (" (some were not audited: see above)" if result.not_audited else ".")
        )
    return lines, status


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requirements", nargs="?", default=str(ROOT / "requirements.lock"))
    parser.add_argument("--accepted", default=str(ACCEPTED))
    parser.add_argument("--unreachable", choices=["fail", "warn"], default="fail")
    parser.add_argument("--report", help="read a saved pip-audit JSON report instead of running pip-audit")
    args = parser.parse_args(argv)
    accepted = read_accepted(Path(args.accepted))
    if args.report:
        report = json.loads(Path(args.report).read_text(encoding="utf-8"))
    else:
        report = run_pip_audit(Path(args.requirements))
    lines, status = report_lines(judge(report, accepted), accepted, args.unreachable)
    print("\n".join(lines), file=sys.stderr if status else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
