"""The replacement guard on this project's own synthesized templates (not hand-made samples)."""

from __future__ import annotations

import copy
from typing import Any

from infra.guard import compare
from infra.provenance import CONFIG_KEY_METADATA, ENVIRONMENT_METADATA
from tests.conftest import KIT_ENVIRONMENTS, Assembly
from tests.stacks.test_logical_ids import POOL


def templates(assembly: Assembly) -> dict[str, dict[str, object]]:
    return {
        f"{name}/{name}Cognito": assembly.environments[name].template_json
        for name in KIT_ENVIRONMENTS
    }


def test_unchanged_templates_pass(assembly: Assembly) -> None:
    result = compare(templates(assembly), templates(assembly))
    assert result.passed
    assert result.blocking == ()


def test_renaming_a_pinned_resource_is_blocked_in_every_environment(assembly: Assembly) -> None:
    [pool_id] = POOL
    candidate = copy.deepcopy(templates(assembly))
    for template in candidate.values():
        resources = template["Resources"]
        assert isinstance(resources, dict)
        resources["DirectoryMovedUserPool0A1B2C3D"] = resources.pop(pool_id)
    result = compare(templates(assembly), candidate)
    assert not result.passed
    removed = {(f.environment, f.logical_id) for f in result.blocking if f.kind == "removed"}
    assert removed == {(name, pool_id) for name in KIT_ENVIRONMENTS}


def strict_pair(assembly: Assembly) -> tuple[dict[str, Any], dict[str, Any]]:
    before = assembly.environments["strict"].template_json
    return {"strict/strictCognito": before}, {"strict/strictCognito": copy.deepcopy(before)}


def pool_of(templates: dict[str, Any]) -> dict[str, Any]:
    [pool_id] = POOL
    pool: dict[str, Any] = templates["strict/strictCognito"]["Resources"][pool_id]
    return pool


def test_a_sign_in_change_names_the_file_and_key_and_the_fix(assembly: Assembly) -> None:
    baseline, candidate = strict_pair(assembly)
    pool_of(candidate)["Properties"]["UsernameAttributes"] = ["phone_number"]
    [finding] = compare(baseline, candidate).blocking
    assert finding.config_file == "tests/fixtures/environments/strict.yaml"
    assert finding.config_key == "user_pool.sign_in_identifiers"
    assert "docs/migration.md" in (finding.config_fix or "")
    line = "\n".join(compare(baseline, candidate).to_lines())
    assert (
        "[config: tests/fixtures/environments/strict.yaml: user_pool.sign_in_identifiers:" in line
    )


def test_a_changed_attribute_names_its_custom_attribute_key(assembly: Assembly) -> None:
    baseline, candidate = strict_pair(assembly)
    schema = pool_of(candidate)["Properties"]["Schema"]
    tenant = next(a for a in schema if a["Name"] == "tenant_id")
    tenant["Mutable"] = True
    [finding] = compare(baseline, candidate).blocking
    assert finding.config_key == "user_pool.custom_attributes.tenant_id"


def test_a_removed_client_names_its_key(assembly: Assembly) -> None:
    baseline, candidate = strict_pair(assembly)
    resources = candidate["strict/strictCognito"]["Resources"]
    client = next(
        i
        for i, r in resources.items()
        if r.get("Metadata", {}).get(CONFIG_KEY_METADATA) == "app_clients.WebApp"
        and r["Type"] == "AWS::Cognito::UserPoolClient"
    )
    del resources[client]
    findings = [f for f in compare(baseline, candidate).blocking if f.logical_id == client]
    assert [(f.kind, f.config_key) for f in findings] == [("removed", "app_clients.WebApp")]


def test_lowering_the_tier_blocks(assembly: Assembly) -> None:
    baseline, candidate = strict_pair(assembly)
    candidate["strict/strictCognito"]["Metadata"][ENVIRONMENT_METADATA]["tier"] = "development"
    [finding] = compare(baseline, candidate).blocking
    assert finding.kind == "tier-lowered"
    assert finding.config_key == "tier"
    assert finding.config_file == "tests/fixtures/environments/strict.yaml"


def test_raising_the_tier_passes(assembly: Assembly) -> None:
    baseline, candidate = strict_pair(assembly)
    baseline["strict/strictCognito"] = copy.deepcopy(baseline["strict/strictCognito"])
    baseline["strict/strictCognito"]["Metadata"][ENVIRONMENT_METADATA]["tier"] = "development"
    assert compare(baseline, candidate).passed
