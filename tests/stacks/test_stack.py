"""Stack-level properties: names, placement, tags, and no secret anywhere in a template."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import Assembly, Synthesized


def test_stack_name_contains_the_environment(any_env: Synthesized) -> None:
    assert any_env.stack_name == f"{any_env.config.project}-{any_env.config.name}"


@pytest.mark.parametrize(
    ("name", "account", "region"),
    [("relaxed", "222222222222", "eu-west-1"), ("strict", "333333333333", "eu-west-1")],
)
def test_production_tier_stacks_are_pinned_to_their_account_and_region(
    assembly: Assembly, name: str, account: str, region: str
) -> None:
    manifest = json.loads((assembly.outdir / f"assembly-{name}" / "manifest.json").read_text())
    stack_artifacts = [
        a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"
    ]
    assert [a["environment"] for a in stack_artifacts] == [f"aws://{account}/{region}"]
    assert all(a["properties"]["terminationProtection"] for a in stack_artifacts)


def test_dev_is_environment_agnostic(assembly: Assembly) -> None:
    manifest = json.loads((assembly.outdir / "assembly-showcase" / "manifest.json").read_text())
    stack_artifacts = [
        a for a in manifest["artifacts"].values() if a["type"] == "aws:cloudformation:stack"
    ]
    assert [a["environment"] for a in stack_artifacts] == ["aws://unknown-account/unknown-region"]


def test_every_taggable_cognito_resource_carries_the_tags(any_env: Synthesized) -> None:
    tags = any_env.only("AWS::Cognito::UserPool")["Properties"]["UserPoolTags"]
    assert tags["environment"] == any_env.config.name
    assert tags["project"] == any_env.config.project
    assert tags["owner"] == any_env.config.owner
    assert tags.get("cost-center") == any_env.config.cost_center
    for key, value in any_env.config.tags.items():
        assert tags[key] == value


# Shapes of credentials that must never reach a template: AWS keys, PEM keys, long base64 blobs
# that look like client secrets. Dynamic references ({{resolve:...}}) are allowed.
SECRET_PATTERNS = [
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(
        r"(?i)\"(ClientSecret|client_secret|PrivateKey|private_key)\"\s*:\s*\"(?!\{\{resolve:)"
    ),
]


def test_no_template_contains_a_literal_secret(any_env: Synthesized) -> None:
    text = json.dumps(any_env.template_json)
    for pattern in SECRET_PATTERNS:
        assert not pattern.search(text), pattern.pattern
