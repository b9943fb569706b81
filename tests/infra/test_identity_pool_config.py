"""Identity-pool config errors: guest writes, wildcards, unknown claims and clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.infra.test_config_errors import kit_file, problems_of, write_env


def with_identity_pool(tmp_path: Path, **settings: Any) -> None:
    data = kit_file("showcase")
    data["identity_pool"].update(settings)
    write_env(tmp_path, "dev", data)


def test_guest_write_actions_and_star_resources_are_refused(tmp_path: Path) -> None:
    with_identity_pool(
        tmp_path,
        guest_permissions=[{"actions": ["s3:GetObject", "s3:PutObject"], "resources": ["*"]}],
    )
    path = tmp_path / "dev.yaml"
    assert problems_of(tmp_path, "dev") == [
        f"{path}: identity_pool.guest_permissions[0].actions: [s3:GetObject, s3:PutObject]: "
        "grants guests write actions ['s3:PutObject']; allowed: read-only actions "
        "(Get*, List*, Describe*, Head*, Query*, Scan*, BatchGet*, Select*)",
        f"{path}: identity_pool.guest_permissions[0].resources: ['*']: grants guests the `*` "
        "resource; name the resources",
    ]


def test_wildcard_actions_are_refused_everywhere(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["identity_pool"]["authenticated_permissions"] = [
        {"actions": ["s3:*"], "resources": ["arn:aws:s3:::b/x/*"]}
    ]
    data["user_pool"]["groups"]["Admins"]["iam_permissions"] = [
        {"actions": ["dynamodb:Get*"], "resources": ["arn:aws:dynamodb:eu-west-1:1:table/t"]}
    ]
    write_env(tmp_path, "dev", data)
    problems = "\n".join(problems_of(tmp_path, "dev"))
    assert "identity_pool.authenticated_permissions[0].actions: " in problems
    assert "wildcard actions are not allowed: ['s3:*']" in problems
    assert "user_pool.groups.Admins.iam_permissions[0].actions: " in problems
    assert "wildcard actions are not allowed: ['dynamodb:Get*']" in problems


def test_mapped_claim_must_be_an_attribute_of_the_pool(tmp_path: Path) -> None:
    with_identity_pool(tmp_path, principal_tags={"tenant": "custom:tenantid"})
    [problem] = problems_of(tmp_path, "dev")
    assert "principal_tags: ['custom:tenantid'] are not attributes of this pool" in problem
    assert "custom:tenant_id" in problem


def test_clients_must_be_defined_interactive_clients(tmp_path: Path) -> None:
    with_identity_pool(tmp_path, clients=["WebApp", "OrdersWorker", "Mobile"])
    [problem] = problems_of(tmp_path, "dev")
    assert "clients: ['OrdersWorker', 'Mobile'] are not defined interactive app clients" in problem


def test_guest_access_needs_a_reason(tmp_path: Path) -> None:
    data = kit_file("showcase")
    del data["identity_pool"]["guest_access_reason"]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "guest_access needs guest_access_reason" in problem
