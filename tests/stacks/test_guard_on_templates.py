"""The replacement guard on this project's own synthesized templates (not hand-made samples)."""

from __future__ import annotations

import copy

from infra.guard import compare
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
