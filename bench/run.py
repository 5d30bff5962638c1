"""Runs every benchmark script in bench/ (every bench/*.py but this one), each printing one summary
line last; `python bench/run.py pid fhir` runs only the named ones.

The submission, scale, PID, themes and FHIR benchmarks arrive with the features they measure (see
../shared quality targets in docs/architecture.md). Each script exits non-zero when it misses its
target, and so does this.
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    chosen = set(sys.argv[1:])
    scripts = sorted(
        path for path in HERE.glob("*.py") if path.name != "run.py" and (not chosen or path.stem in chosen)
    )
    if not scripts:
        print("bench: no benchmarks yet (0 run, 0 failed)")
        return 0
    failed = 0
    for script in scripts:
        print(f"== {script.name}", flush=True)
        result = subprocess.run([sys.executable, str(script)], check=False)  # noqa: S603 (our own scripts)
        failed += result.returncode != 0
    print(f"bench: {len(scripts)} run, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
