"""The ``migration:`` config section and the TRIGGER_CONFIG of the user migration trigger.

The refusals here are the config's half of "authorization inputs never come from the old pool
unless the file says the old pool protected them": each names the file and key path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from infra.config import load_environment
from infra.config.migration import (
    MigrationConfig,
    authorization_inputs,
    migrated_attributes,
    region_of,
    trigger_config,
)
from infra.config.model_base import KEY_PROBLEMS
from infra.config.references import attribute_writers
from infra.constructs.triggers import runtime_configs
from lambda_triggers import user_migration
from tests.infra.test_config_errors import kit_file, problems_of, write_env

POOL = "eu-west-1_AbC123xyz"
NEW_POOL_ATTRIBUTES = ["custom:tenant_id", "email", "email_verified", "given_name"]


def errors_of(data: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as raised:
        MigrationConfig.model_validate(data)
    found = []
    for error in raised.value.errors():
        if error["type"] == KEY_PROBLEMS:  # one validator, several keys
            found += [
                (".".join(map(str, error["loc"] + parts)), message)
                for parts, message, _ in error["ctx"]["problems"]
            ]
        else:
            found.append((".".join(map(str, error["loc"])), error["msg"]))
    return found


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
    assert path == "region"
    assert message == (
        f"does not match from_user_pool_id {POOL!r}; allowed: 'eu-west-1' or leave region out"
    )


def test_forgot_password_migrates_only_with_a_reason() -> None:
    base = {"from_user_pool_id": POOL, "from_client_id": "abc"}
    assert MigrationConfig.model_validate(base).forgot_password == "ignore"
    [(path, message)] = errors_of({**base, "forgot_password": "migrate"})
    assert path == "forgot_password_reason"
    assert "forgot_password `migrate` needs forgot_password_reason" in message
    [(path, message)] = errors_of({**base, "forgot_password_reason": "end of the window"})
    assert (path, message) == (
        "forgot_password_reason",
        "only applies to forgot_password `migrate`",
    )
    [(path, _)] = errors_of({**base, "forgot_password": "always"})
    assert path == "forgot_password"
    ok = MigrationConfig.model_validate(
        {**base, "forgot_password": "migrate", "forgot_password_reason": "window ends 2027-01-31"}
    )
    assert trigger_config(ok, attributes=["email"], case_sensitive=False, sign_in_identifiers=())[
        "forgot_password"
    ] == ("migrate")


@pytest.mark.parametrize(
    ("declared", "path", "message"),
    [
        ({"sub": "x"}, "protected_in_old_pool", "assigned by the new pool"),
        ({"Custom:Tenant": "x"}, "protected_in_old_pool.Custom:Tenant.[key]", "pattern"),
        ({"custom:tenant_id": ""}, "protected_in_old_pool.custom:tenant_id", "at least 1"),
    ],
)
def test_a_declaration_names_a_migratable_attribute_and_gives_a_reason(
    declared: dict[str, str], path: str, message: str
) -> None:
    [(where, text)] = errors_of(
        {"from_user_pool_id": POOL, "from_client_id": "abc", "protected_in_old_pool": declared}
    )
    assert where == path
    assert message in text


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
    built = trigger_config(
        config,
        attributes=[*NEW_POOL_ATTRIBUTES, "email"],
        case_sensitive=False,
        sign_in_identifiers=("username", "email", "phone", "preferred_username"),
    )
    assert built == {
        "from_user_pool_id": POOL,
        "from_client_id": "abc",
        "region": "eu-west-1",
        "attributes": NEW_POOL_ATTRIBUTES,
        "case_sensitive": False,
        "sign_in_identifiers": ["email", "phone_number", "preferred_username"],
        "forgot_password": "ignore",
    }
    parsed = user_migration.parse_config(
        {**built, "attributes": [*NEW_POOL_ATTRIBUTES, "phone_number_verified"]}
    )
    assert parsed.region == "eu-west-1"
    assert parsed.case_sensitive is False
    assert parsed.sign_in_identifiers == frozenset({"email", "phone_number", "preferred_username"})
    assert parsed.forgot_password == "ignore"


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
        trigger_config(config, attributes=attributes, case_sensitive=False, sign_in_identifiers=())


def test_the_section_is_frozen() -> None:
    config = MigrationConfig.model_validate({"from_user_pool_id": POOL, "from_client_id": "abc"})
    with pytest.raises(ValidationError):
        config.from_client_id = "other"  # type: ignore[misc]


# --- authorization inputs: only what the file declares protected in the old pool --------------

OLD_POOL = "eu-west-1_OldPool01"
DECLARED = {
    "email_verified": "the old pool verifies email by code only",
    "custom:tenant_id": "immutable there and in no client's WriteAttributes",
}


def with_migration(name: str, **migration: Any) -> dict[str, Any]:
    """A kit fixture with a `migration:` section (and the given keys of it). The showcase's
    idp_groups claim is left out: these tests are about tenant_id (the claim's own case is
    test_a_migration_makes_the_idp_groups_claim_an_input_to_declare)."""
    data = kit_file(name)
    tokens = data["triggers"].get("pre_token_generation", {})
    tokens.get("id_token_claims", {}).pop("idp_groups", None)
    data["migration"] = {
        "from_user_pool_id": OLD_POOL,
        "from_client_id": "1example23456789old",
        **migration,
    }
    return data


def load(tmp_path: Path, data: dict[str, Any], name: str = "staging") -> Any:
    write_env(tmp_path, name, data)
    return load_environment(name, directory=tmp_path)


def problems(tmp_path: Path, data: dict[str, Any], name: str = "staging") -> list[str]:
    write_env(tmp_path, name, data)
    return problems_of(tmp_path, name)


def migration_attributes(config: Any) -> list[str]:
    runtime = runtime_configs(
        config.triggers,
        config.user_pool,
        config.identity_providers,
        config.app_clients,
        config.migration,
        identity_pool=config.identity_pool,
    )
    attributes: list[str] = runtime["UserMigration"]["attributes"]
    return attributes


def test_the_relaxed_fixture_migrates_what_it_declares_and_nothing_it_does_not(
    tmp_path: Path,
) -> None:
    declared = kit_file("relaxed")
    assert set(declared["migration"]["protected_in_old_pool"]) == {
        "custom:tenant_id",
        "email_verified",
    }
    assert "custom:tenant_id" in migration_attributes(load(tmp_path, declared))
    # The same file with tenant_id undeclared: the trigger never receives it.
    del declared["migration"]["protected_in_old_pool"]["custom:tenant_id"]
    attributes = migration_attributes(load(tmp_path, declared))
    assert attributes == ["email", "email_verified", "family_name", "given_name"]


def test_the_authorization_inputs_of_a_pool(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        with_migration(
            "showcase",
            sign_up_reason="dev",
            **{
                "protected_in_old_pool": DECLARED,
            },
        ),
        name="dev",
    )
    inputs = authorization_inputs(
        config.user_pool,
        triggers=config.triggers,
        identity_pool=config.identity_pool,
    )
    assert inputs == {
        "custom:tenant_id": [
            "triggers.pre_token_generation.id_token_claims.tenant_id",
            "triggers.pre_token_generation.access_token_claims.tenant_id",
            "identity_pool.principal_tags.tenant",
            "not user_writable",
        ],
        # custom:newsletter is user_writable: users may set it in the new pool anyway, so the
        # old pool's value grants nothing.
        "email_verified": ["a verification flag"],
        # Written only by the kit's inbound federation function here: the old pool's value
        # would be the one place a migrated user's groups came from.
        "custom:idp_groups": ["not user_writable"],
    }
    assert migrated_attributes(
        config.migration,
        config.user_pool,
        triggers=config.triggers,
        identity_pool=config.identity_pool,
    ) == sorted(
        [
            "custom:newsletter",
            "custom:tenant_id",
            "email",
            "email_verified",
            "family_name",
            "given_name",
        ]
    )


def test_claims_and_tags_fed_by_an_undeclared_attribute_are_refused(tmp_path: Path) -> None:
    data = with_migration(
        "showcase",
        sign_up_reason="dev holds synthetic users only",
        protected_in_old_pool={"email_verified": DECLARED["email_verified"]},
    )
    path = write_env(tmp_path, "dev", data)
    found = problems_of(tmp_path, "dev")
    keys = [
        "triggers.pre_token_generation.id_token_claims.tenant_id",
        "triggers.pre_token_generation.access_token_claims.tenant_id",
        "identity_pool.principal_tags.tenant",
    ]
    assert len(found) == len(keys)
    for key, problem in zip(
        keys, sorted(found, key=lambda p: keys.index(p.split(": ")[1])), strict=True
    ):
        assert problem.startswith(f"{path}: {key}: 'custom:tenant_id' can be set by the old pool")
        assert f"{OLD_POOL} (migration)" in problem
        assert "declare migration.protected_in_old_pool.custom:tenant_id with the reason" in problem


def test_the_writer_check_counts_the_migration_unless_declared(tmp_path: Path) -> None:
    config = load(
        tmp_path,
        with_migration(
            "relaxed",
            sign_up_reason="staging",
            protected_in_old_pool={"email_verified": DECLARED["email_verified"]},
        ),
    )
    writers = attribute_writers(config.sections())
    migration = f"the old pool {OLD_POOL} (migration)"
    assert migration in writers["custom:tenant_id"]
    assert migration in writers["given_name"]
    assert migration not in writers.get("email_verified", [])
    assert "app client WebApp" in writers["given_name"]


def test_email_sign_in_needs_a_trusted_verification_flag(tmp_path: Path) -> None:
    data = with_migration("relaxed", sign_up_reason="staging")
    path = write_env(tmp_path, "staging", data)
    [problem] = problems_of(tmp_path, "staging")
    assert problem.startswith(f"{path}: migration.protected_in_old_pool: users sign in with email")
    assert "email_verified is not declared" in problem
    assert "refuses every user with a email it cannot trust as verified" in problem


@pytest.mark.parametrize(
    ("declared", "message"),
    [
        ({"custom:role": "x"}, "['custom:role'] are not attributes of this pool"),
        ({"given_name": "x"}, "['given_name'] are no authorization inputs of this pool"),
    ],
)
def test_only_authorization_inputs_of_this_pool_can_be_declared(
    tmp_path: Path, declared: dict[str, str], message: str
) -> None:
    data = with_migration(
        "relaxed", sign_up_reason="staging", protected_in_old_pool={**DECLARED, **declared}
    )
    [problem] = problems(tmp_path, data)
    assert ": migration.protected_in_old_pool: " in problem
    assert message in problem


def test_migration_with_self_sign_up_needs_a_reason(tmp_path: Path) -> None:
    data = with_migration("relaxed", protected_in_old_pool=DECLARED)
    path = write_env(tmp_path, "staging", data)
    [problem] = problems_of(tmp_path, "staging")
    assert problem.startswith(
        f"{path}: migration.sign_up_reason: required: user_pool.self_sign_up is true."
    )
    assert "pre-account hijacking" in problem
    closed = with_migration("relaxed", protected_in_old_pool=DECLARED, sign_up_reason="why")
    closed["user_pool"]["self_sign_up"] = False
    [problem] = problems(tmp_path, closed)
    assert "migration.sign_up_reason: has no effect" in problem


def test_a_migration_makes_the_idp_groups_claim_an_input_to_declare(tmp_path: Path) -> None:
    # Only the kit's inbound federation function writes custom:idp_groups in this pool, but a
    # migrated user brings the old pool's value: the claim needs the old pool's proof too.
    data = with_migration("showcase", sign_up_reason="dev", protected_in_old_pool=DECLARED)
    claims = data["triggers"]["pre_token_generation"]["id_token_claims"]
    claims["idp_groups"] = "custom:idp_groups"
    [problem] = problems(tmp_path, data, name="dev")
    assert (
        "triggers.pre_token_generation.id_token_claims.idp_groups: 'custom:idp_groups'" in problem
    )
    assert "declare migration.protected_in_old_pool.custom:idp_groups" in problem


def test_migration_with_open_federated_sign_up_needs_a_reason(tmp_path: Path) -> None:
    data = with_migration("showcase", protected_in_old_pool=DECLARED)
    data["user_pool"]["self_sign_up"] = False
    data["user_pool"]["federated_sign_up"] = "open"
    data["user_pool"]["federated_sign_up_reason"] = "partners sign in with their own IdP"
    [problem] = problems(tmp_path, data, name="dev")
    assert ": migration.sign_up_reason: required: federated sign-up is open" in problem
    data["migration"]["sign_up_reason"] = "partner users never existed in the old pool"
    assert load(tmp_path, data, name="dev").migration is not None


def test_a_migration_needs_the_identity_pool_config(tmp_path: Path) -> None:
    config = load(tmp_path, kit_file("relaxed"))
    with pytest.raises(ValueError, match="a migration needs identity_pool"):
        runtime_configs(
            config.triggers,
            config.user_pool,
            config.identity_providers,
            config.app_clients,
            config.migration,
        )


def test_a_sign_in_preferred_username_migrates_only_when_declared(tmp_path: Path) -> None:
    data = with_migration(
        "relaxed",
        sign_up_reason="staging",
        protected_in_old_pool={"custom:tenant_id": DECLARED["custom:tenant_id"]},
    )
    data["user_pool"]["sign_in_identifiers"] = ["username", "preferred_username"]
    data["user_pool"]["standard_attributes"]["preferred_username"] = {}
    config = load(tmp_path, data)
    runtime = runtime_configs(
        config.triggers,
        config.user_pool,
        config.identity_providers,
        config.app_clients,
        config.migration,
        identity_pool=config.identity_pool,
    )["UserMigration"]
    assert runtime["sign_in_identifiers"] == ["preferred_username"]
    # Without email sign-in, email_verified need not be declared; undeclared, it stays behind.
    assert "preferred_username" not in runtime["attributes"]
    assert "email_verified" not in runtime["attributes"]
    assert "email" in runtime["attributes"]
    data["migration"]["protected_in_old_pool"]["preferred_username"] = "an alias there: unique"
    assert "preferred_username" in migration_attributes(load(tmp_path, data))
