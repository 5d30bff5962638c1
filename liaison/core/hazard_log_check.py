"""CI check: every test the clinical-safety hazard log names as a mitigation exists.

The hazard log names tests as ``path/to/test_file.py::test_name`` (optionally
``::TestClass::test_name``) inside backticks. This script fails, naming the hazard log line,
when a named file or test function is missing, and when a hazard marked "Mitigated" names none.

Usage: ``python -m liaison.core.hazard_log_check docs/clinical-safety/hazard-log.md``
"""

import ast
import re
import sys
from pathlib import Path

TEST_REFERENCE = re.compile(r"`((?:liaison|bench)/[\w/]+\.py)((?:::\w+)+)`")
HAZARD_HEADING = re.compile(r"^###\s+(H-\d+)")
STATUS_LINE = re.compile(r"^\s*[-*]?\s*\**Status\**:\s*(.+)$", re.IGNORECASE)


def _defined_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
            for child in node.body:
                if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                    names.add(f"{node.name}::{child.name}")
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
    return names


def check(log_path: Path, project_root: Path) -> list[str]:
    problems = []
    hazards: dict[str, dict] = {}
    current = None
    cache: dict[Path, set[str]] = {}
    for number, line in enumerate(log_path.read_text(encoding="utf-8").splitlines(), start=1):
        heading = HAZARD_HEADING.match(line)
        if heading:
            current = heading.group(1)
            hazards[current] = {"line": number, "tests": 0, "status": ""}
            continue
        status = STATUS_LINE.match(line)
        if status and current:
            hazards[current]["status"] = status.group(1).strip().lower()
        for file_part, name_part in TEST_REFERENCE.findall(line):
            test_file = project_root / file_part
            name = name_part.lstrip(":")
            if current:
                hazards[current]["tests"] += 1
            if not test_file.exists():
                problems.append(f"{log_path}:{number}: {file_part} does not exist")
                continue
            names = cache.setdefault(test_file, _defined_names(test_file))
            if name not in names:
                problems.append(f"{log_path}:{number}: {file_part} has no test {name}")
    for code, hazard in hazards.items():
        if hazard["status"].startswith("mitigated") and hazard["tests"] == 0:
            problems.append(f"{log_path}:{hazard['line']}: {code} is marked mitigated but names no test")
    if not hazards:
        problems.append(f"{log_path}: no hazards found (expected '### H-01 …' headings)")
    return problems


def main(argv: list[str]) -> int:
    log_path = Path(argv[0]) if argv else Path("docs/clinical-safety/hazard-log.md")
    problems = check(log_path, Path.cwd())
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"Hazard log check: every test named in {log_path} exists.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
