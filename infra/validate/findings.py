"""What the scanners report, in one shape: findings, suppressions and tool failures."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from infra.validate.assembly import StackTemplate

APP_LEVEL = "(app)"
"""Environment of a finding outside any stage (no `assembly-<env>` folder, no stage path)."""


@dataclass(frozen=True, slots=True)
class ScannerFinding:
    """One open finding: it fails validation."""

    tool: str
    environment: str
    template: str
    """Template stem, or the construct path for cdk-nag."""
    logical_id: str | None
    rule: str
    severity: str
    """error, warning, info, ...; empty when the tool gives none (checkov offline)."""
    message: str
    location: str = ""
    """Line numbers or property path, for people."""
    fix: str = ""
    """What to change, when the tool says (Control Tower's remediation text)."""
    config_key: str = ""
    """The config key that created the resource (its `cognito-kit:config` metadata)."""

    def line(self) -> str:
        target = self.logical_id or "-"
        where = f" ({self.location})" if self.location else ""
        severity = f" [{self.severity}]" if self.severity else ""
        fix = f" -> {self.fix}" if self.fix else ""
        key = f" [config: {self.config_key}]" if self.config_key else ""
        return (
            f"FAIL {self.tool} {self.environment}/{self.template} {target} {self.rule}"
            f"{severity}{where}: {self.message}{fix}{key}"
        )


@dataclass(frozen=True, slots=True)
class Suppression:
    """A finding deliberately accepted, with its reason: a checkov skip or a nag acknowledgment."""

    tool: str
    environment: str
    rule: str
    target: str
    """Logical id (checkov) or construct path (cdk-nag)."""
    reason: str


@dataclass(frozen=True, slots=True)
class ToolRun:
    """The outcome of one tool. `error` set means the tool could not give an answer at all."""

    tool: str
    version: str | None = None
    findings: tuple[ScannerFinding, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    error: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def passed(self) -> bool:
        return self.error is None and not self.findings


class TemplateIndex:
    """Finds the stack template a scanner names by path, to attribute it to an environment."""

    def __init__(self, templates: Mapping[str, StackTemplate]) -> None:
        self._by_path = {t.path.resolve(): t for t in templates.values()}
        self._by_name = {t.path.name: t for t in templates.values()}

    def find(self, reported: str | None, cwd: Path) -> StackTemplate | None:
        if not reported:
            return None
        path = Path(reported)
        for candidate in (path, cwd / path, cwd / reported.lstrip("/")):
            found = self._by_path.get(candidate.resolve())
            if found is not None:
                return found
        return self._by_name.get(path.name)
