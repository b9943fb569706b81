"""The quota budget, generated from the trigger code: pinned for the showcase fixture.

If a trigger starts making another Cognito call, `test_showcase_budget_is_pinned` fails and
prints the new table: check the new figures, then update PINNED (and docs/operations.md, which
shows the table `make bench` prints).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from infra.config import EnvironmentConfig, load_environment, load_environments
from infra.config.loader import ENVIRONMENTS_DIR
from infra.config.triggers import InboundFederationConfig, TeamSlotConfig
from infra.constructs.triggers import every_pool_action
from infra.quota import (
    BUCKETS,
    CATEGORY_QUOTAS,
    OPERATION_CATEGORIES,
    FlowBudget,
    bucket_of,
    budget,
    configured_flows,
    markdown,
    quota_categories,
)
from tests.conftest import KIT_ENVIRONMENTS_DIR, TEAM_ENVIRONMENTS
from tests.infra.test_config_errors import kit_file, write_env
from tests.infra.test_sign_in_config import every_factor
from tests.operations.trigger_calls import trigger_call_counter

PINNED = [
    ("native sign-up", {"UserCreation": 2, "UserResourceUpdate": 1}, 25.0),
    (
        "first federated sign-in (links to an existing user)",
        {
            "UserFederation": 2,
            "UserAuthentication (code grant)": 1,
            "UserList": 1,
            # Before linking, the target is looked up: MFA (AdminGetUser) and groups.
            "UserRead": 1,
            "UserResourceRead": 1,
            "UserUpdate": 1,
        },
        12.5,
    ),
    (
        "sign-in",
        # The team's pre authentication function declares one AdminGetUser (cognito_calls).
        {"UserAuthentication": 1, "UserAuthentication (challenges)": 2, "UserRead": 1},
        120.0,
    ),
    # Choice-based sign-in (WebApp): the user picks passkeys after SELECT_CHALLENGE.
    (
        "sign-in with a passkey (USER_AUTH)",
        {"UserAuthentication": 1, "UserAuthentication (challenges)": 2},
        120.0,
    ),
    ("passkey registration", {"UserUpdate": 2}, 12.5),
    ("token refresh", {"UserAuthentication": 1}, 120.0),
    ("client credentials", {"ClientAuthentication": 1}, 150.0),
]


def summary(rows: list[FlowBudget]) -> list[tuple[str, dict[str, int], float]]:
    return [(row.flow, row.per_bucket, row.max_per_second) for row in rows]


@pytest.fixture(scope="module")
def showcase(kit_configs: dict[str, EnvironmentConfig]) -> list[FlowBudget]:
    config = kit_configs["showcase"]
    return budget(config, trigger_call_counter(config))


def test_showcase_budget_is_pinned(showcase: list[FlowBudget]) -> None:
    assert summary(showcase) == PINNED, "\n" + markdown(showcase)


def test_the_trigger_calls_come_from_running_the_triggers(showcase: list[FlowBudget]) -> None:
    rows = {row.flow: row for row in showcase}
    linking = rows["first federated sign-in (links to an existing user)"]
    by_trigger = {(c.caller, c.operation) for c in linking.calls if c.caller != "Cognito"}
    assert ("PreSignUp", "ListUsers") in by_trigger
    assert ("PreSignUp", "AdminLinkProviderForUser") in by_trigger
    sign_up = rows["native sign-up"]
    assert [(c.caller, c.operation) for c in sign_up.calls if c.caller != "Cognito"] == [
        ("PostConfirmation", "AdminAddUserToGroup")
    ]
    for flow in ("token refresh", "client credentials"):
        assert all(call.caller == "Cognito" for call in rows[flow].calls), flow
    # A team function is not run: its calls are those its slot declares.
    assert [(c.caller, c.operation) for c in rows["sign-in"].calls if c.caller != "Cognito"] == [
        ("PreAuthentication (your function)", "AdminGetUser")
    ]


def test_a_custom_challenge_sign_in_counts_each_challenge_trigger(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    # GIVEN the showcase's web app offering the custom auth flow, with the three challenge
    # functions of the team; define looks the user up on each of its two invocations
    showcase = kit_configs["showcase"]
    arn = "arn:aws:lambda:{region}:{account}:function:challenges"
    triggers = showcase.triggers.model_copy(
        update={
            "define_auth_challenge": TeamSlotConfig(
                function_arn=arn, cognito_calls={"AdminGetUser": 1}
            ),
            "create_auth_challenge": TeamSlotConfig(function_arn=arn),
            "verify_auth_challenge_response": TeamSlotConfig(function_arn=arn),
        }
    )
    web = showcase.app_clients["WebApp"].model_copy(update={"auth_flows": ("user_srp", "custom")})
    config = showcase.model_copy(
        update={"triggers": triggers, "app_clients": {**showcase.app_clients, "WebApp": web}}
    )
    rows = {row.flow: row for row in budget(config, trigger_call_counter(config))}
    # THEN the flow counts both define invocations and the pre authentication lookup
    custom = rows["custom-challenge sign-in"]
    assert custom.per_bucket == {
        "UserAuthentication": 1,
        "UserAuthentication (challenges)": 1,
        "UserRead": 3,
    }
    assert custom.max_per_second == 40.0
    assert custom.limited_by == ("UserRead",)


def test_the_linking_flow_is_limited_by_federation(showcase: list[FlowBudget]) -> None:
    linking = next(row for row in showcase if row.flow.startswith("first federated"))
    assert linking.limited_by == ("UserFederation",)
    assert linking.max_per_second == CATEGORY_QUOTAS["UserFederation"] / 2


def test_the_rate_is_the_lowest_quota_over_calls_per_flow(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    # GIVEN a trigger that would call ListUsers 40 times in a federated sign-up
    def counter(trigger: str, event: str) -> Mapping[str, int]:
        return {"ListUsers": 40} if event == "pre_sign_up_external_provider" else {}

    rows = {row.flow: row for row in budget(kit_configs["showcase"], counter)}
    linking = rows["first federated sign-in (links to an existing user)"]
    # THEN UserList (30/s) allows 0.75 such sign-ins per second, and the table says so
    assert (linking.max_per_second, linking.limited_by) == (0.75, ("UserList",))
    assert "| 0.75 | UserList (30/s) |" in markdown([linking])


def test_flows_follow_the_configuration(kit_configs: dict[str, EnvironmentConfig]) -> None:
    def no_calls(trigger: str, event: str) -> Mapping[str, int]:
        return {}

    flows = {name: [r.flow for r in budget(c, no_calls)] for name, c in kit_configs.items()}
    assert flows["minimal"] == ["sign-in", "token refresh"]  # no self sign-up, IdP or machine
    assert flows["relaxed"] == ["native sign-up", "sign-in", "token refresh", "client credentials"]
    assert "native sign-up" not in flows["strict"]  # self sign-up is off there


def test_no_linking_where_no_provider_is_trusted_for_email(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    # GIVEN the showcase with Facebook as its only identity provider (never trusted for email)
    showcase = kit_configs["showcase"]
    # (without the group mapping of CorporateSSO, which is gone too)
    triggers = showcase.triggers.model_copy(
        update={"inbound_federation": InboundFederationConfig()}
    )
    config = showcase.model_copy(
        update={
            "identity_providers": {"Facebook": showcase.identity_providers["Facebook"]},
            "triggers": triggers,
        }
    )
    rows = {row.flow: row for row in budget(config, trigger_call_counter(config))}
    # THEN a first federated sign-in is one IdP round trip, and the trigger calls nothing
    federated = rows["first federated sign-in"]
    assert federated.per_bucket == {"UserFederation": 1, "UserAuthentication (code grant)": 1}
    assert federated.max_per_second == 25.0


def test_an_operation_without_a_category_is_refused_with_the_fix() -> None:
    with pytest.raises(ValueError, match=r"cognito-idp:AdminFrobnicate has no quota category"):
        bucket_of("AdminFrobnicate")


def test_every_action_a_trigger_may_call_has_a_quota_category() -> None:
    for trigger, actions in every_pool_action().items():
        for action in actions:
            assert action.removeprefix("cognito-idp:") in OPERATION_CATEGORIES, (trigger, action)


def test_every_bucket_maps_to_a_published_category() -> None:
    assert set(OPERATION_CATEGORIES.values()) <= set(BUCKETS)
    assert {bucket.category for bucket in BUCKETS.values()} <= set(CATEGORY_QUOTAS)
    assert (
        BUCKETS["UserAuthentication (challenges)"].rate == 3 * CATEGORY_QUOTAS["UserAuthentication"]
    )


def test_quota_categories_of_strict(kit_configs: dict[str, EnvironmentConfig]) -> None:
    assert quota_categories(kit_configs["strict"], ["ListUsers", "AdminAddUserToGroup"]) == [
        "ClientAuthentication",
        "UserAuthentication",
        "UserFederation",
        "UserList",
        "UserResourceUpdate",
    ]


def passwordless_rows(config: EnvironmentConfig) -> list[FlowBudget]:
    rows = budget(config, trigger_call_counter(config))
    return [row for row in rows if "USER_AUTH" in row.flow or row.flow == "passkey registration"]


@pytest.fixture(scope="module")
def every_factor_config(tmp_path_factory: pytest.TempPathFactory) -> EnvironmentConfig:
    """The showcase fixture with email and SMS codes beside its passkeys, its web app
    preferring email codes (the table docs/operations.md shows)."""
    data = every_factor(kit_file("showcase"))
    data["app_clients"]["WebApp"]["preferred_challenge"] = "email_otp"
    folder = tmp_path_factory.mktemp("every-factor")
    write_env(folder, "dev", data)
    return load_environment("dev", directory=folder)


def test_every_passwordless_flow_and_the_round_trip_a_preferred_challenge_saves(
    every_factor_config: EnvironmentConfig,
) -> None:
    assert summary(passwordless_rows(every_factor_config)) == [
        (
            "sign-in with an email code (USER_AUTH)",
            {"UserAuthentication": 1, "UserAuthentication (challenges)": 1},
            120.0,
        ),
        (
            "sign-in with an SMS code (USER_AUTH)",
            {"UserAuthentication": 1, "UserAuthentication (challenges)": 2},
            120.0,
        ),
        (
            "sign-in with a passkey (USER_AUTH)",
            {"UserAuthentication": 1, "UserAuthentication (challenges)": 2},
            120.0,
        ),
        ("passkey registration", {"UserUpdate": 2}, 12.5),
    ]
    flows = {flow.name: flow for flow in configured_flows(every_factor_config)}
    email = [i.trigger for i in flows["sign-in with an email code (USER_AUTH)"].invocations]
    assert email == ["CustomMessage", "PreTokenGeneration"]
    passkey = [i.trigger for i in flows["sign-in with a passkey (USER_AUTH)"].invocations]
    assert passkey == ["PreTokenGeneration"]


def test_docs_show_the_generated_tables(
    kit_configs: dict[str, EnvironmentConfig],
    showcase: list[FlowBudget],
    every_factor_config: EnvironmentConfig,
) -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text()
    strict = kit_configs["strict"]
    assert markdown(budget(strict, trigger_call_counter(strict))) in docs, (
        "update docs/operations.md"
    )
    sign_up = markdown([row for row in showcase if row.flow == "native sign-up"])
    assert sign_up in docs, "update docs/operations.md"
    assert markdown(passwordless_rows(every_factor_config)) in docs, "update docs/operations.md"


def budget_tables(title: str, kind: str, configs: list[EnvironmentConfig]) -> str:
    """One Markdown table per config, each headed by its kind (environment or test fixture),
    under a title that says where the configs come from."""
    tables = []
    for config in configs:
        rows = budget(config, trigger_call_counter(config))
        assert rows, config.name
        tables.append(f"### {kind} {config.name} ({config.tier} tier)\n\n{markdown(rows)}")
    return "\n\n".join([f"## {title}", *tables])


@pytest.mark.bench
def test_print_the_budget_of_every_environment(kit_configs: dict[str, EnvironmentConfig]) -> None:
    """`make bench` shows this output (`-s`); `make test` runs it quietly. The team's environment
    files and the kit's test fixtures are printed apart: a fixture may share a file's name
    (`showcase`) but is never deployed."""
    team = load_environments(TEAM_ENVIRONMENTS, directory=ENVIRONMENTS_DIR)
    print("\n\nQuota budget under the default quotas (per account and Region)\n")
    print(budget_tables(f"Environments ({_shown(ENVIRONMENTS_DIR)}/)", "environment", team))
    print()
    fixtures = f"Test fixtures ({_shown(KIT_ENVIRONMENTS_DIR)}/: read by the tests, never deployed)"
    print(budget_tables(fixtures, "test fixture", list(kit_configs.values())))


def _shown(directory: Path) -> str:
    """`directory` relative to the repository when it is inside it."""
    root = Path(__file__).resolve().parents[2]
    return str(directory.relative_to(root)) if directory.is_relative_to(root) else str(directory)


def test_passwordless_flows_only_where_a_client_offers_them(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    config = kit_configs["showcase"]
    web = config.app_clients["WebApp"]
    closed = config.model_copy(
        update={
            "app_clients": {
                **config.app_clients,
                "WebApp": web.model_copy(
                    update={"choice_based_sign_in": False, "preferred_challenge": None}
                ),
            }
        }
    )
    flows = [row.flow for row in budget(closed, trigger_call_counter(closed))]
    assert not [flow for flow in flows if "USER_AUTH" in flow or "passkey" in flow]
    assert "UserUpdate" not in quota_categories(closed, [])
    assert "UserUpdate" in quota_categories(config, [])
