"""Run one external scanner: fixed argument lists (no shell), a timeout, output captured."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TIMEOUT_SECONDS = 900


@dataclass(frozen=True, slots=True)
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str


class ToolStartError(Exception):
    """The tool is missing, timed out or could not start; the message says which and how to fix."""


def venv_script(name: str) -> Path | None:
    """A console script installed beside this interpreter (the project's .venv), else on PATH."""
    beside = Path(sys.executable).parent / name
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which(name)
    return Path(found) if found else None


def relative(path: Path, cwd: Path) -> str:
    """`path` as a scanner is given it: relative to `cwd` when inside it. A verdict must not
    depend on where the checkout is (checkov's heuristics read more than the values)."""
    resolved, base = path.resolve(), cwd.resolve()
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(resolved)


def tail(text: str, lines: int = 15) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def run(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> ProcessResult:
    try:
        # The command is a list built from fixed options and template paths; no shell.
        completed = subprocess.run(  # noqa: S603
            list(command),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as error:
        raise ToolStartError(f"{command[0]} not found: {error}") from error
    except subprocess.TimeoutExpired as error:
        raise ToolStartError(f"{command[0]} did not finish within {timeout:.0f} s") from error
    except OSError as error:
        raise ToolStartError(f"{command[0]} could not start: {error}") from error
    return ProcessResult(completed.returncode, completed.stdout, completed.stderr)
