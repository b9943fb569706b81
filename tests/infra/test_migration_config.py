"""The ``migration:`` config section and the TRIGGER_CONFIG of the user migration trigger."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from infra.config.migration import MigrationConfig, region_of, trigger_config
from lambda_triggers import user_migration

POOL = "eu-west-1_AbC123xyz"
NEW_POOL_ATTRIBUTES = ["custom:tenant_id", "email", "email_verified", "given_name"]


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        MigrationConfig.model_validate(data)
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in raised.value.errors()]


def test_region_defaults_to_the_pool_id_s_region() -> None:
    config = MigrationConfig.model_validate({"from_user_pool_id": POOL, "from_client_id": "abc"})
    assert config.region is None
    assert config.old_pool_region == "eu-west-1"


def test_an_explicit_region_must_match_the_pool_id() -> None:
    ok = MigrationConfig.model_validate(
        {"from_user_pool_id": POOL, "from_client_id": "abc", "region": "eu-west-1"}
    )
    assert ok.old_pool_region == "eu-west-1"
    [(path, message)] = errors_of(
        {"from_user_pool_id": POOL, "from_client_id": "abc", "region": "us-east-1"}
    )
    assert path == ""
    assert "region 'us-east-1' does not match from_user_pool_id" in message
    assert "allowed: 'eu-west-1' or leave region out" in message


def test_pool_and_client_are_required() -> None:
    assert errors_of({}) == [
        ("from_user_pool_id", "Field required"),
        ("from_client_id", "Field required"),
    ]


@pytest.mark.parametrize(
    "pool_id",
    ["AbC123", "eu-west-1-AbC123", "EU-WEST-1_AbC123", "eu-west-1_", "eu-west-1_Ab-C", 12],
)
def test_malformed_pool_ids_are_refused(pool_id: object) -> None:
    [(path, _)] = errors_of({"from_user_pool_id": pool_id, "from_client_id": "abc"})
    assert path == "from_user_pool_id"


def test_every_problem_is_reported_and_unknown_keys_fail() -> None:
    problems = errors_of(
        {"from_user_pool_id": "nope", "from_client_id": "has space", "region": "Europe", "to": 1}
    )
    assert [path for path, _ in problems] == [
        "from_user_pool_id",
        "from_client_id",
        "region",
        "to",
    ]


def test_region_of() -> None:
    assert region_of("us-gov-west-1_AbC") == "us-gov-west-1"
    with pytest.raises(ValueError, match="not a user pool id"):
        region_of("us-east-1")


def test_trigger_config_is_what_the_trigger_accepts() -> None:
    config = MigrationConfig.model_validate({"from_user_pool_id": POOL, "from_client_id": "abc"})
    built = trigger_config(config, attributes=[*NEW_POOL_ATTRIBUTES, "email"], case_sensitive=False)
    assert built == {
        "from_user_pool_id": POOL,
        "from_client_id": "abc",
        "region": "eu-west-1",
        "attributes": NEW_POOL_ATTRIBUTES,
        "case_sensitive": False,
    }
    parsed = user_migration.parse_config(built)
    assert parsed.region == "eu-west-1"
    assert parsed.attributes == frozenset(NEW_POOL_ATTRIBUTES)
    assert parsed.case_sensitive is False


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        (["email", "sub"], r"\['sub'\] cannot be carried over"),
        (["cognito:username"], "cannot be carried over"),
        (["identities"], "cannot be carried over"),
        ([], "at least one attribute"),
    ],
)
def test_trigger_config_refuses_what_the_trigger_would_refuse(
    attributes: list[str], message: str
) -> None:
    config = MigrationConfig.model_validate({"from_user_pool_id": POOL, "from_client_id": "abc"})
    with pytest.raises(ValueError, match=message):
        trigger_config(config, attributes=attributes, case_sensitive=False)


def test_the_section_is_frozen() -> None:
    config = MigrationConfig.model_validate({"from_user_pool_id": POOL, "from_client_id": "abc"})
    with pytest.raises(ValidationError):
        config.from_client_id = "other"  # type: ignore[misc]
