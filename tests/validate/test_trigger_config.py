"""TRIGGER_CONFIG is never mistaken for a secret: judged by checkov's own CKV_AWS_45 check."""

from __future__ import annotations

import json
import subprocess
from typing import Any, NamedTuple

import pytest

from infra.constructs import trigger_config
from tests.conftest import EVERY_ENVIRONMENT, Assembly

from .scanners import checkov_executable

CHECK = """
import json, sys
from checkov.cloudformation.checks.resource.aws.LambdaEnvironmentCredentials import check
values = json.load(sys.stdin)
conf = lambda value: {"Properties": {"Environment": {"Variables": {"TRIGGER_CONFIG": value}}}}
print(json.dumps([check.scan_resource_conf(conf(value)).name for value in values]))
"""


def ckv_aws_45(values: list[str]) -> list[str]:
    """checkov's verdict (PASSED / FAILED) on a Lambda function with each TRIGGER_CONFIG."""
    python = checkov_executable().parent / "python"
    done = subprocess.run(
        [str(python), "-c", CHECK], input=json.dumps(values), capture_output=True, text=True,
        check=True,
    )  # fmt: skip
    verdicts: list[str] = json.loads(done.stdout)
    return verdicts


# Configurations a team may well write, each holding a run git-secrets' AWS patterns read as a
# credential: a URL path of exactly 40 [A-Za-z0-9/+=] characters (a secret access key), an
# access-key-id shape, an account id after "account".
RISKY: list[dict[str, Any]] = [
    {"app_name": "Acme", "app_url": "https://app.example.com/welcome-" + "a1b2c3d4e5" * 4},
    {"app_name": "Support team AKIAIOSFODNN7EXAMPLE", "app_url": None},
    {"default_group": "account_id: 1234-5678-9012"},
    {"group_scopes": {"x" * 40: ["orders/write+read=all"]}},
]


@pytest.fixture(scope="module")
def environment_values(assembly: Assembly, team_assembly: Assembly) -> list[str]:
    """Every string in the environment variables of every environment's trigger functions."""
    values = []
    for kind, name in EVERY_ENVIRONMENT:
        source = assembly if kind == "kit" else team_assembly
        for function in source.environments[name].resources("AWS::Lambda::Function").values():
            variables = function["Properties"].get("Environment", {}).get("Variables", {})
            values += [v for v in variables.values() if isinstance(v, str)]
    return values


class Verdicts(NamedTuple):
    plain: list[str]
    kits: list[str]
    environments: list[str]


@pytest.fixture(scope="module")
def verdicts(environment_values: list[str]) -> Verdicts:
    """checkov's verdicts on the plain JSON and on the kit's JSON of RISKY, and on the
    environments' values: one checkov start (its import alone costs a second of CPU)."""
    plain = [json.dumps(value, sort_keys=True) for value in RISKY]
    kits = [trigger_config.dumps(value) for value in RISKY]
    every = ckv_aws_45(plain + kits + environment_values)
    return Verdicts(
        plain=every[: len(plain)],
        kits=every[len(plain) : len(plain) + len(kits)],
        environments=every[len(plain) + len(kits) :],
    )


def test_checkov_reads_a_secret_in_the_plain_json_of_these_configurations(
    verdicts: Verdicts,
) -> None:
    assert verdicts.plain == ["FAILED"] * len(RISKY)


def test_the_kits_json_of_them_passes_and_reads_back_the_same(verdicts: Verdicts) -> None:
    assert [json.loads(trigger_config.dumps(value)) for value in RISKY] == RISKY
    assert verdicts.kits == ["PASSED"] * len(RISKY)


def test_it_is_the_same_json_apart_from_the_escapes() -> None:
    value = {"b": [1, True, None, 2.5], "a": {"ü": 'quote " and \\ backslash'}}

    assert trigger_config.dumps(value) == json.dumps(value, sort_keys=True)
    with pytest.raises(TypeError, match="TRIGGER_CONFIG holds"):
        trigger_config.dumps({"a": object()})


def test_every_environments_trigger_configuration_passes(
    environment_values: list[str], verdicts: Verdicts
) -> None:
    assert environment_values, "the environments have trigger functions"
    assert len(verdicts.environments) == len(environment_values)
    assert set(verdicts.environments) == {"PASSED"}
