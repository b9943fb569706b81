"""Which environment file and config key produced each resource, written into the template.

A reviewer reads "infra/environments/prod.yaml: user_pool.sign_in_identifiers", not
"DirectoryUserPool76052951 UsernameAttributes". Every CloudFormation resource a config key
creates carries that key in its `Metadata` (`cognito-kit:config`), and the template carries
the environment, its tier and its file (`Metadata.cognito-kit:environment`). The replacement
guard reads both back, from a synthesized baseline or from a deployed template, and the
`acknowledgments:` of an environment file find their constructs through the same keys.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the guard reads these names without starting the CDK's Node.js runtime
    from constructs import IConstruct

CONFIG_KEY_METADATA = "cognito-kit:config"
ENVIRONMENT_METADATA = "cognito-kit:environment"
ROOT = Path(__file__).resolve().parents[1]


def source_file(directory: Path, name: str) -> str:
    """The environment file as the repository names it (absolute when kept outside)."""
    path = (directory / f"{name}.yaml").resolve()
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def environment_metadata(name: str, tier: str, file: str) -> dict[str, Any]:
    """The template-level metadata naming the environment, its tier and its file."""
    return {ENVIRONMENT_METADATA: {"name": name, "tier": tier, "file": file}}


class Provenance:
    """The constructs each config key produced, recorded as the stack composes them."""

    def __init__(self) -> None:
        self._marks: list[tuple[IConstruct, str]] = []

    def mark(self, construct: IConstruct, key: str) -> None:
        """Record that `key` produced `construct` (and everything below it)."""
        self._marks.append((construct, key))

    def label(self) -> None:
        """Write each resource's key into its metadata: the key of the nearest marked construct
        above it, so a group's role created inside the identity pool names its group."""
        import aws_cdk as cdk  # here, not at the top: see the TYPE_CHECKING import

        by_depth = sorted(self._marks, key=lambda mark: len(mark[0].node.scopes))
        for construct, key in by_depth:  # deeper marks come later and win
            for child in construct.node.find_all():
                if isinstance(child, cdk.CfnResource):
                    child.add_metadata(CONFIG_KEY_METADATA, key)

    def constructs(self, key: str) -> list[IConstruct]:
        """The constructs `key` produced, itself or through any key below it."""
        return [
            construct
            for construct, marked in self._marks
            if marked == key or marked.startswith(f"{key}.")
        ]
