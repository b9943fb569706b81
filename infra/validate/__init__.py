"""Pull-request validation of synthesized templates: one verdict from every check.

`python -m infra.validate --candidate cdk.out --baseline DIR` (behind `make validate`) reads
the stacks of a `cdk synth` output and runs cfn-lint (`.cfnlintrc.yaml`), checkov offline
(`.checkov.yaml`), the AWS Control Tower proactive controls (cfn-guard), the cdk-nag verdict in
`validation-report.json`, and the replacement guard against the baseline. It prints one line
per finding, writes a Markdown summary per environment to `cdk.out/validation-summary.md`
(also appended to `$GITHUB_STEP_SUMMARY`) and exits 0 (passed), 1 (findings) or 2 (a tool
could not give a verdict). See docs/ci.md.
"""

from infra.validate.findings import ScannerFinding, Suppression, ToolRun
from infra.validate.run import Options, ValidationResult, validate

__all__ = [
    "Options",
    "ScannerFinding",
    "Suppression",
    "ToolRun",
    "ValidationResult",
    "validate",
]
