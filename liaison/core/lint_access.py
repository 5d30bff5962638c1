"""CI check: views, API handlers and templates never reach the database directly.

Sensitive rows (concerns, messages, patient references, the audit log) must be read through
scoped selectors such as ``audit_events_visible_to(membership)``. The simplest rule that keeps
that true is structural: the edges of the application (``views.py``, ``api.py`` and templates)
may not touch a model manager at all. This script walks the source tree and fails, naming file
and line, when one does.

Usage: ``python -m liaison.core.lint_access [PATH ...]`` (exit status 1 on any finding).
"""

import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

EDGE_MODULES = {"views.py", "api.py"}
EDGE_PACKAGES = {"views", "api"}
FORBIDDEN_ATTRIBUTES = {"objects", "_default_manager", "_base_manager"}
FORBIDDEN_CALLS = {"get_object_or_404", "get_list_or_404", "raw"}
TEMPLATE_PATTERN = re.compile(r"\.(objects|_default_manager|_base_manager)\b")


@dataclass(frozen=True)
class Finding:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


def _is_edge_module(path: Path) -> bool:
    return path.name in EDGE_MODULES or (path.parent.name in EDGE_PACKAGES and path.suffix == ".py")


def check_python_source(source: str, path: Path) -> list[Finding]:
    """Findings for one Python module that is an application edge (a view or API module)."""
    findings = []
    tree = ast.parse(source, filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            findings.append(
                Finding(path, node.lineno, f"'.{node.attr}' used in an edge module: read through a selector")
            )
        elif isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            if name in FORBIDDEN_CALLS:
                findings.append(
                    Finding(path, node.lineno, f"'{name}()' used in an edge module: read through a selector")
                )
    return findings


def check_template_source(source: str, path: Path) -> list[Finding]:
    findings = []
    for number, line in enumerate(source.splitlines(), start=1):
        if TEMPLATE_PATTERN.search(line):
            findings.append(
                Finding(path, number, "model manager used in a template: pass data from a selector")
            )
    return findings


def check_tree(root: Path) -> list[Finding]:
    findings: list[Finding] = []
    for path in sorted(root.rglob("*")):
        parts = set(path.parts)
        if "tests" in parts or "migrations" in parts or "node_modules" in parts or not path.is_file():
            continue
        if path.suffix == ".py" and _is_edge_module(path):
            findings.extend(check_python_source(path.read_text(encoding="utf-8"), path))
        elif path.suffix == ".jinja":
            findings.extend(check_template_source(path.read_text(encoding="utf-8"), path))
    return findings


def main(argv: list[str]) -> int:
    roots = [Path(arg) for arg in argv] or [Path(__file__).resolve().parent.parent]
    findings = [finding for root in roots for finding in check_tree(root)]
    for finding in findings:
        print(finding)
    if findings:
        print(f"{len(findings)} direct database access(es) in views, API handlers or templates.")
        return 1
    print("Access path check: no view, API handler or template reaches a model manager directly.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
