"""`python -m infra.validate --candidate cdk.out [--baseline DIR]`: exit 0, 1 (findings) or 2."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra.validate import summary
from infra.validate.run import (
    DEFAULT_CFN_LINT_CONFIG,
    DEFAULT_CHECKOV_CONFIG,
    EXIT_INCOMPLETE,
    SUMMARY_NAME,
    Options,
    ValidationResult,
    validate,
)

STEP_SUMMARY_VARIABLE = "GITHUB_STEP_SUMMARY"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.validate",
        description=(
            "Validate a `cdk synth` output: cfn-lint, checkov, the AWS Control Tower proactive "
            "controls (cfn-guard), the cdk-nag report and the replacement guard against a "
            "baseline; write a Markdown summary."
        ),
        epilog=(
            "Exit status: 0 passed, 1 at least one finding, 2 a tool could not give a verdict "
            "(or a usage error). See docs/ci.md."
        ),
    )
    parser.add_argument(
        "--candidate", type=Path, required=True, metavar="DIR", help="cdk synth output to check"
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        default=None,
        metavar="DIR",
        help="cdk synth output before the change, for the replacement guard (omit: no guard)",
    )
    parser.add_argument(
        "--baseline-label",
        default=None,
        metavar="TEXT",
        help="how the summary names the baseline, e.g. 'base commit 1a2b3c4'",
    )
    parser.add_argument(
        "--accepted-risks",
        type=Path,
        default=None,
        metavar="PATH",
        help="guard accepted-risks file (default: infra/accepted-risks.yaml)",
    )
    parser.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="PATH",
        help=f"Markdown summary to write (default: CANDIDATE/{SUMMARY_NAME})",
    )
    parser.add_argument(
        "--cfn-lint-config", type=Path, default=DEFAULT_CFN_LINT_CONFIG, metavar="PATH"
    )
    parser.add_argument(
        "--checkov-config", type=Path, default=DEFAULT_CHECKOV_CONFIG, metavar="PATH"
    )
    parser.add_argument(
        "--cfn-lint", type=Path, default=None, metavar="PATH", help="cfn-lint executable"
    )
    parser.add_argument(
        "--checkov",
        type=Path,
        default=None,
        metavar="PATH",
        help="checkov executable (default: .venv/checkov/bin/checkov, else PATH)",
    )
    parser.add_argument(
        "--control-tower",
        type=Path,
        default=None,
        metavar="DIR",
        help="cfn-guard and the Control Tower rules, as `make validate` unpacks them "
        "(default: .venv/cfn-guard)",
    )
    return parser


def write_summary(text: str, path: Path, environ: Mapping[str, str]) -> list[str]:
    """Write the summary file and append to the CI job summary; returns problems, if any."""
    problems = []
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        problems.append(f"cannot write {path}: {error}")
    step_summary = environ.get(STEP_SUMMARY_VARIABLE)
    if step_summary:
        try:
            with Path(step_summary).open("a", encoding="utf-8") as handle:
                handle.write(text + "\n")
        except OSError as error:
            problems.append(f"cannot append to ${STEP_SUMMARY_VARIABLE} ({step_summary}): {error}")
    return problems


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    args = _parser().parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    options = Options(
        candidate=args.candidate,
        baseline=args.baseline,
        baseline_label=args.baseline_label,
        accepted_risks=args.accepted_risks,
        cfn_lint_config=args.cfn_lint_config,
        checkov_config=args.checkov_config,
        cfn_lint=args.cfn_lint,
        checkov=args.checkov,
        control_tower=args.control_tower,
        environ=env,
    )
    result: ValidationResult = validate(options)
    print("\n".join(summary.lines(result)))
    summary_path = args.summary or args.candidate / SUMMARY_NAME
    problems = write_summary(summary.markdown(result), summary_path, env)
    for problem in problems:
        print(f"validate: error: {problem}", file=sys.stderr)
    if problems:
        return EXIT_INCOMPLETE
    print(f"validate: summary written to {summary_path}")
    return result.exit_code
