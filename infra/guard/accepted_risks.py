"""The accepted-risks file: deliberate, reviewed exceptions to the guard.

Format (YAML, a list; `[]` when empty):

    - environment: dev              # as the guard prints it: the <env> of cdk.out/assembly-<env>
      logical_id: UserPool6BA7E5F2  # the logical id the finding names
      finding: removed              # removed | create-only-change | immutable-pool-setting
                                    #   | protection-weakened | tier-lowered
                                    #   | relying-party-changed | issuer-switch | key-switch
      reason: Dev pool recreated on purpose; no real users (ticket AUTH-123).

An entry accepts every finding of that kind on that resource in that environment. Unknown
keys, missing keys, an unknown finding kind, a reason shorter than 15 characters and duplicate
entries are errors; all errors are reported at once, each with the file and the key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints, ValidationError

from infra.guard.errors import GuardInputError
from infra.guard.findings import Finding, FindingKind

MIN_REASON_LENGTH = 15
DEFAULT_PATH = Path("infra/accepted-risks.yaml")

_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class AcceptedRisk(BaseModel):
    """One reviewed exception: this finding on this resource in this environment is intended."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    environment: _Text
    logical_id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]+$")]
    finding: Annotated[FindingKind, Field(strict=False)]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=MIN_REASON_LENGTH)]

    def matches(self, finding: Finding) -> bool:
        return (
            self.environment == finding.environment
            and self.logical_id == finding.logical_id
            and self.finding == finding.kind
        )

    def describe(self) -> str:
        return (
            f"environment={self.environment} logical_id={self.logical_id} "
            f"finding={self.finding.value}"
        )


class _AcceptedRisksFile(RootModel[list[AcceptedRisk]]):
    pass


def _key_path(location: tuple[int | str, ...]) -> str:
    path = ""
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".") or "(top level)"


def _describe_error(error: Any) -> str:
    kind = error.get("type")
    if kind == "extra_forbidden":
        allowed = ", ".join(AcceptedRisk.model_fields)
        return f"unknown key (allowed: {allowed})"
    if kind == "missing":
        return "required key is missing"
    message = str(error.get("msg", "invalid value"))
    if kind == "string_too_short" and error.get("loc", ())[-1:] == ("reason",):
        message = f"give a reason of at least {MIN_REASON_LENGTH} characters: why is it safe?"
    return f"{message} (got {error.get('input')!r})"


def parse_accepted_risks(data: Any, source: str) -> tuple[AcceptedRisk, ...]:
    """Validate already-loaded YAML data; `source` names the file in error messages."""
    if data is None:
        return ()
    try:
        entries = _AcceptedRisksFile.model_validate(data).root
    except ValidationError as error:
        lines = [
            f"  {_key_path(tuple(item['loc']))}: {_describe_error(item)}" for item in error.errors()
        ]
        raise GuardInputError(
            f"{source}: invalid accepted-risks file ({len(lines)} error(s)):\n" + "\n".join(lines)
        ) from None
    seen: dict[tuple[str, str, FindingKind], int] = {}
    duplicates: list[str] = []
    for index, entry in enumerate(entries):
        key = (entry.environment, entry.logical_id, entry.finding)
        if key in seen:
            duplicates.append(f"  [{index}]: duplicates entry [{seen[key]}] ({entry.describe()})")
        seen.setdefault(key, index)
    if duplicates:
        raise GuardInputError(
            f"{source}: invalid accepted-risks file ({len(duplicates)} error(s)):\n"
            + "\n".join(duplicates)
        )
    return tuple(entries)


def load_accepted_risks(path: Path) -> tuple[AcceptedRisk, ...]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise GuardInputError(f"{path}: cannot read accepted-risks file: {error}") from error
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise GuardInputError(f"{path}: not valid YAML: {error}") from error
    return parse_accepted_risks(data, str(path))
