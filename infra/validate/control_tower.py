"""AWS Control Tower proactive controls, run offline with cfn-guard on the synthesized templates.

Organisations with Control Tower can turn on proactive controls: CloudFormation hooks that run
these guard rules and refuse a non-compliant resource at deploy time. `make validate` runs the
same rules (from `cdklabs-cdk-validator-cfnguard`, unpacked into `.venv/cfn-guard/` by
infra/validate/control_tower_install.py) so a refusal shows up in the pull request instead.

One cfn-guard process checks every template, from the cloud assembly's folder with relative
paths, and only with the rules whose resource types occur in the templates: the other rules
would each be parsed and skipped, which costs seconds and finds nothing. A failed control is a
finding on the resource it names, with the control's remediation text as the fix.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.validate import processes
from infra.validate.assembly import StackTemplate
from infra.validate.findings import APP_LEVEL, ScannerFinding, TemplateIndex, ToolRun

TOOL = "control-tower"
INSTALL_RELATIVE = Path(".venv/cfn-guard")
"""Where `make validate` unpacks cfn-guard and the rules, relative to the repository root."""
EXIT_PASSED = 0
EXIT_NOT_COMPLIANT = 19
"""cfn-guard's exit status when a rule failed; anything else but 0 is an error."""

_RULE_NAME = re.compile(r"^rule\s+(\w+)\s+when\b", re.MULTILINE)
_RESOURCE_TYPE = re.compile(r"AWS::[A-Za-z0-9]+::[A-Za-z0-9]+")
_RESOURCE_PATH = re.compile(r"^/Resources/([^/]+)")


class OutputError(ValueError):
    """cfn-guard printed something that is not its structured JSON report."""


@dataclass(frozen=True, slots=True)
class Control:
    """One proactive control: its id, what it requires, and the guard rule that checks it."""

    id: str
    """`CT.KMS.PR.3`."""
    name: str
    remediation: str
    guard_file: Path
    rule_names: frozenset[str]
    """The guard rules the file defines (`kms_create_grant_aws_service_check`)."""
    resource_types: frozenset[str]
    """What it evaluates (`EvaluatedResourceTypes` of its metadata)."""


@dataclass(frozen=True, slots=True)
class Installation:
    executable: Path
    rules: Path
    versions: Mapping[str, str]

    @property
    def version(self) -> str:
        guard = self.versions.get("cfn-guard", "?")
        return f"{guard} (rules {self.versions.get('rules', '?')})"


def installation(root: Path) -> Installation | None:
    """cfn-guard and the rules under `root` (`.venv/cfn-guard`), if they are there."""
    executable, rules = root / "bin" / "cfn-guard", root / "rules"
    if not executable.is_file() or not (rules / "cfn-guard").is_dir():
        return None
    try:
        versions = json.loads((root / "versions.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        versions = {}
    return Installation(executable, rules, versions if isinstance(versions, dict) else {})


def load_controls(rules: Path) -> list[Control]:
    """Every control under `rules/cfn-guard`, with its metadata from `rules/metadata`."""
    controls = []
    for guard_file in sorted((rules / "cfn-guard").rglob("*.guard")):
        text = guard_file.read_text(encoding="utf-8")
        metadata_file = (
            rules / "metadata" / guard_file.parent.name / (guard_file.stem + ".metadata.json")
        )
        try:
            metadata = json.loads(metadata_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            metadata = {}
        control_id = str(metadata.get("Id") or guard_file.stem.upper().replace("-", "."))
        controls.append(
            Control(
                id=control_id,
                name=str(metadata.get("DisplayName", "")),
                remediation=str(metadata.get("RemediationMessage", "")),
                guard_file=guard_file,
                rule_names=frozenset(_RULE_NAME.findall(text)),
                # A rule also names the types it follows references to (a key, a log group):
                # it evaluates only the metadata's types. Without metadata, every type it names.
                resource_types=frozenset(
                    metadata.get("EvaluatedResourceTypes") or _RESOURCE_TYPE.findall(text)
                ),
            )
        )
    return controls


def resource_types(templates: Iterable[Mapping[str, Any]]) -> set[str]:
    types: set[str] = set()
    for template in templates:
        resources = template.get("Resources") if isinstance(template, Mapping) else None
        for resource in (resources or {}).values():
            if isinstance(resource, Mapping) and isinstance(resource.get("Type"), str):
                types.add(resource["Type"])
    return types


def applicable(controls: Iterable[Control], types: set[str]) -> list[Control]:
    """The controls that evaluate a resource type the templates contain."""
    return [control for control in controls if control.resource_types & types]


def command(executable: Path, controls: Sequence[Control], data: Sequence[str]) -> list[str]:
    return [
        str(executable),
        "validate",
        *(arg for control in controls for arg in ("--rules", str(control.guard_file))),
        *(arg for path in data for arg in ("--data", path)),
        "--output-format",
        "json",
        "--show-summary",
        "none",
        "--structured",
    ]


def _failed_paths(node: Any, key: str | None = None) -> Iterator[str]:
    """The template paths of the values a failed check looked at: `from` and `traversed_to` of a
    comparison, the value of a resolved unary check; never `to`, the expected side."""
    if isinstance(node, Mapping):
        for name, value in node.items():
            looked_at = name in ("from", "traversed_to") or (
                name == "value" and key in ("Resolved", "InResolved")
            )
            if looked_at and isinstance(value, Mapping) and isinstance(value.get("path"), str):
                yield value["path"]
            yield from _failed_paths(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _failed_paths(value, key)


def _logical_ids(rule: Any) -> list[str | None]:
    found = sorted({m.group(1) for p in _failed_paths(rule) if (m := _RESOURCE_PATH.match(p))})
    return [*found] if found else [None]


def parse(
    stdout: str, controls: Sequence[Control], index: TemplateIndex, cwd: Path
) -> tuple[ScannerFinding, ...]:
    """One finding per failed control and resource, from `--output-format json --structured`."""
    try:
        reports = json.loads(stdout)
    except json.JSONDecodeError as error:
        raise OutputError(f"not JSON: {error}") from error
    if not isinstance(reports, list):
        raise OutputError("expected a JSON list with one report per template")
    by_rule = {name: control for control in controls for name in control.rule_names}
    findings: list[ScannerFinding] = []
    for report in reports:
        if not isinstance(report, Mapping):
            raise OutputError(f"unexpected report: {report!r}")
        template = index.find(str(report.get("name", "")), cwd)
        failed = report.get("not_compliant") or []
        for item in failed.values() if isinstance(failed, Mapping) else failed:
            rule = item.get("Rule", item) if isinstance(item, Mapping) else {}
            rule_name = str(rule.get("name", "?"))
            control = by_rule.get(rule_name)
            for logical_id in _logical_ids(rule):
                findings.append(
                    ScannerFinding(
                        tool=TOOL,
                        environment=template.environment if template else APP_LEVEL,
                        template=template.stem if template else str(report.get("name", "?")),
                        logical_id=logical_id,
                        rule=control.id if control else rule_name,
                        severity="",
                        message=control.name if control else rule_name,
                        fix=control.remediation if control else "",
                    )
                )
    return tuple(findings)


def run(
    templates: Mapping[str, StackTemplate],
    loaded: Mapping[str, Any],
    *,
    install: Installation | None,
    cwd: Path,
) -> ToolRun:
    """`loaded`: the parsed template of each key of `templates` (their resource types decide
    which controls run). Paths are given relative to `cwd`, the cloud assembly's folder."""
    if not templates:
        return ToolRun(TOOL, notes=("no templates to check",))
    if install is None:
        return ToolRun(
            TOOL,
            error=(
                "cfn-guard and the Control Tower rules are not installed: `make validate` "
                f"unpacks them into {INSTALL_RELATIVE} (or pass --control-tower DIR)"
            ),
        )
    controls = applicable(load_controls(install.rules), resource_types(loaded.values()))
    notes = (f"{len(controls)} controls apply to these resource types",)
    if not controls:
        return ToolRun(TOOL, install.version, notes=notes)
    data = [processes.relative(t.path, cwd) for t in templates.values()]
    try:
        result = processes.run(command(install.executable, controls, data), cwd=cwd)
        if result.returncode not in (EXIT_PASSED, EXIT_NOT_COMPLIANT):
            raise OutputError(f"exit {result.returncode}")
        findings = parse(result.stdout, controls, TemplateIndex(templates), cwd)
    except processes.ToolStartError as error:
        return ToolRun(TOOL, install.version, error=str(error))
    except OutputError as error:
        said = processes.tail(result.stderr or result.stdout)
        return ToolRun(TOOL, install.version, error=f"{error}; cfn-guard said: {said}")
    if result.returncode == EXIT_NOT_COMPLIANT and not findings:
        return ToolRun(
            TOOL, install.version, error="cfn-guard reported a failure without naming a rule"
        )
    return ToolRun(TOOL, install.version, findings=findings, notes=notes)
