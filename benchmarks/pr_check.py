"""Wall time of the pull-request check (`.ci/run`) beside its budget, each step's time from the
check's own log, then `make test` run alone beside its own budget.

    python benchmarks/pr_check.py

This runs `.ci/run` itself, so it measures what CI runs. Installs are not
counted (CI restores `.venv` and `node_modules` from its cache, keyed on the pinned files);
every other cache a fresh clone lacks (mypy's, pytest's, cdk.out) is removed first. It prints
figures; it is not a gate (timings on a shared machine are noisy: run it on an idle one).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CI_RUN = ROOT / ".ci" / "run"
PR_CHECK_BUDGET_S = 180.0
TEST_BUDGET_S = 30.0
FRESH_CLONE_LACKS = (".mypy_cache", ".pytest_cache", ".ruff_cache", "cdk.out", ".hypothesis")


def ci_steps(script: str) -> list[str]:
    """The `make` steps `.ci/run` runs in its lanes (the quoted ones), in order of appearance."""
    return re.findall(r'"(make [^"]+)"', script)


STEP_DONE = re.compile(
    r"^\[(?P<lane>[\w-]+)\] (?:done: |FAILED: )(?P<step>make .+?) (?:in|after) (?P<s>\d+) s$"
)


def main() -> int:
    if not ci_steps(CI_RUN.read_text(encoding="utf-8")):
        sys.exit(f"no make steps found in {CI_RUN}")
    subprocess.run(["make", "--no-print-directory", "setup"], cwd=ROOT, check=True)  # noqa: S607
    for name in FRESH_CLONE_LACKS:
        shutil.rmtree(ROOT / name, ignore_errors=True)
    start = time.perf_counter()
    result = subprocess.run(  # noqa: S603 - the repository's own CI script
        [str(CI_RUN)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    total = time.perf_counter() - start
    steps = [m for line in result.stdout.splitlines() if (m := STEP_DONE.match(line.strip()))]
    print(f"pull-request check (.ci/run): two lanes side by side (cpus: {os.cpu_count()})")
    print(f"{'lane':<10}{'step':<24}{'seconds':>9}")
    for match in steps:
        print(f"{match['lane']:<10}{match['step']:<24}{int(match['s']):>9}")
    print(f"{'total (wall)':<34}{total:>9.1f}  budget {PR_CHECK_BUDGET_S:.0f} s")
    if result.returncode != 0:
        print(result.stdout[-4000:], result.stderr[-2000:], sep="\n", file=sys.stderr)
        return result.returncode
    # In the check, `make test` shares the cores with the rehearsal on one worker; the budget
    # is for the command a developer runs, alone, on every core.
    shutil.rmtree(ROOT / ".pytest_cache", ignore_errors=True)
    start = time.perf_counter()
    alone = subprocess.run(
        ["make", "--no-print-directory", "test"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    if alone.returncode != 0:
        print(alone.stdout[-4000:], alone.stderr[-2000:], sep="\n", file=sys.stderr)
        return alone.returncode
    print(f"{'make test (alone, every core)':<34}{seconds:>9.1f}  budget {TEST_BUDGET_S:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
