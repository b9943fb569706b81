"""Command line: `python -m infra.guard BASELINE_DIR CANDIDATE_DIR`; exit 0, 1 (block) or 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from infra.guard.accepted_risks import AcceptedRisk, load_accepted_risks
from infra.guard.compare import GuardResult, compare
from infra.guard.errors import GuardInputError
from infra.guard.templates import find_templates

EXIT_PASSED = 0
EXIT_BLOCKED = 1
EXIT_INPUT_ERROR = 2

DEFAULT_ACCEPTED_RISKS = Path(__file__).resolve().parent.parent / "accepted-risks.yaml"
"""infra/accepted-risks.yaml, found from this file so the working directory does not matter."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.guard",
        description=(
            "Block pull requests whose synthesized CloudFormation templates would replace or "
            "delete Cognito user pools and other stateful resources, or fail on update."
        ),
        epilog="Exit status: 0 passed, 1 blocking findings, 2 usage or input error.",
    )
    parser.add_argument("baseline", type=Path, metavar="BASELINE_DIR", help="cdk.out before")
    parser.add_argument("candidate", type=Path, metavar="CANDIDATE_DIR", help="cdk.out after")
    parser.add_argument(
        "--accepted-risks",
        type=Path,
        default=None,
        metavar="PATH",
        help="accepted-risks YAML file (default: infra/accepted-risks.yaml; may be absent)",
    )
    parser.add_argument(
        "--markdown", type=Path, default=None, metavar="PATH", help="also write a Markdown report"
    )
    return parser


def _accepted(path: Path | None) -> tuple[AcceptedRisk, ...]:
    if path is None:
        if not DEFAULT_ACCEPTED_RISKS.exists():
            return ()
        path = DEFAULT_ACCEPTED_RISKS
    return load_accepted_risks(path)


def run(baseline_dir: Path, candidate_dir: Path, accepted_risks: Path | None = None) -> GuardResult:
    """Load both folders and the accepted risks, and compare. Raises GuardInputError."""
    baseline_files = find_templates(baseline_dir, "baseline")
    candidate_files = find_templates(candidate_dir, "candidate")
    if not baseline_files and not candidate_files:
        raise GuardInputError(
            f"no *.template.json files under {baseline_dir} or {candidate_dir}: "
            "pass the cdk synth output folders (cdk.out)"
        )
    accepted = _accepted(accepted_risks)
    baseline: dict[str, Any] = {}
    candidate: dict[str, Any] = {}
    for name in sorted(set(baseline_files) | set(candidate_files)):
        # One key per file name; the candidate's folder decides the environment.
        reference = candidate_files.get(name) or baseline_files[name]
        key = f"{reference.environment}/{reference.stem}"
        if name in baseline_files:
            baseline[key] = baseline_files[name].load()
        if name in candidate_files:
            candidate[key] = candidate_files[name].load()
    return compare(baseline, candidate, accepted)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = run(args.baseline, args.candidate, args.accepted_risks)
        if args.markdown is not None:
            try:
                args.markdown.parent.mkdir(parents=True, exist_ok=True)
                args.markdown.write_text(result.to_markdown(), encoding="utf-8")
            except OSError as error:
                raise GuardInputError(f"cannot write {args.markdown}: {error}") from error
    except GuardInputError as error:
        print(f"guard: error: {error}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    print("\n".join(result.to_lines()))
    return result.exit_code
