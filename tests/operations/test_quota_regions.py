"""The quota budget per Region of a pool with a replica: the replica's Region has its own
quotas, and while it serves it runs the flows a secondary pool can (no sign-up, returning
federated users only), with the triggers deployed there."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import EnvironmentConfig, load_environment
from infra.quota import FlowBudget, markdown, regional_budgets
from tests.operations.trigger_calls import trigger_call_counter

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "multi-region"


@pytest.fixture(scope="module")
def config() -> EnvironmentConfig:
    return load_environment("multiregion", directory=FIXTURES)


@pytest.fixture(scope="module")
def budgets(config: EnvironmentConfig) -> dict[str, list[FlowBudget]]:
    return regional_budgets(config, trigger_call_counter(config))


def flows(rows: list[FlowBudget]) -> dict[str, FlowBudget]:
    return {row.flow: row for row in rows}


def test_each_region_of_the_pool_has_its_own_budget(budgets: dict[str, list[FlowBudget]]) -> None:
    assert list(budgets) == ["eu-west-1", "eu-central-1"]


def test_the_replica_serves_no_first_sign_in_of_anyone(
    budgets: dict[str, list[FlowBudget]],
) -> None:
    primary, replica = flows(budgets["eu-west-1"]), flows(budgets["eu-central-1"])
    assert "first federated sign-in" in primary
    assert set(replica) == {
        "returning federated sign-in",
        "sign-in",
        "token refresh",
        "client credentials",
    }
    returning = replica["returning federated sign-in"]
    assert all(call.caller != "PreSignUp" for call in returning.calls)
    assert returning.per_bucket == {"UserFederation": 1, "UserAuthentication (code grant)": 1}
    assert returning.max_per_second == 25.0


def test_the_same_sign_in_costs_the_same_in_both_regions(
    budgets: dict[str, list[FlowBudget]],
) -> None:
    primary, replica = flows(budgets["eu-west-1"]), flows(budgets["eu-central-1"])
    for flow in ("sign-in", "token refresh", "client credentials"):
        assert replica[flow].per_bucket == primary[flow].per_bucket, flow
        assert replica[flow].max_per_second == primary[flow].max_per_second, flow


def test_a_single_region_pool_has_one_budget(config: EnvironmentConfig) -> None:
    single = config.model_copy(
        update={"multi_region": config.multi_region.model_copy(update={"replicas": {}})}
    )
    assert list(regional_budgets(single, trigger_call_counter(single))) == ["eu-west-1"]


@pytest.mark.bench
def test_print_the_budget_of_each_region(budgets: dict[str, list[FlowBudget]]) -> None:
    """`make bench` shows this output (`-s`)."""
    print("\n\nQuota budget per Region of tests/fixtures/multi-region/multiregion.yaml:\n")
    for region, rows in budgets.items():
        print(f"### {region}\n\n{markdown(rows)}\n")
