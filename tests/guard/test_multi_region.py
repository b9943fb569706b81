"""The guard on a production-tier pool's issuer form, its key and its replica: each switch or
removal blocks unless infra/accepted-risks.yaml accepts it, with the fix in config words."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.guard import FindingKind, compare, parse_accepted_risks
from infra.provenance import CONFIG_KEY_METADATA, environment_metadata

from .sample import KEY, POOL, cognito_template

FILE = "infra/environments/dev.yaml"
KEY_ARN = "arn:aws:kms:eu-west-1:333333333333:key/mrk-0123456789abcdef0123456789abcdef"
OTHER_KEY_ARN = "arn:aws:kms:eu-west-1:333333333333:key/mrk-fedcba9876543210fedcba9876543210"
REPLICA = "ReplicationReplica2C0CFA79"


def template(tier: str, **pool: Any) -> dict[str, Any]:
    """The sample template of an environment of `tier`, with these pool properties set (None
    removes one), labelled as the kit labels it."""
    result = cognito_template()
    result["Metadata"] = environment_metadata("dev", tier, FILE)
    resource = result["Resources"][POOL]
    resource["Metadata"] = {CONFIG_KEY_METADATA: "user_pool"}
    for name, value in pool.items():
        if value is None:
            resource["Properties"].pop(name, None)
        else:
            resource["Properties"][name] = value
    return result


def replication(tier: str, *, replica: bool) -> dict[str, Any]:
    """The replication stack's template, with or without its replica."""
    resources = {}
    if replica:
        resources[REPLICA] = {
            "Type": "AWS::Cognito::UserPoolReplica",
            "Properties": {"RegionName": "eu-central-1", "UserPoolId": "eu-west-1_Abc"},
            "DeletionPolicy": "Retain",
            "Metadata": {CONFIG_KEY_METADATA: "multi_region.replicas.eu-central-1"},
        }
    return {"Metadata": environment_metadata("dev", tier, FILE), "Resources": resources}


UPDATED = {"Type": "UPDATED"}
ORIGINAL = {"Type": "ORIGINAL"}
CUSTOMER = {"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": KEY_ARN}


@pytest.mark.parametrize(
    ("before", "after"),
    [(None, UPDATED), (ORIGINAL, UPDATED), (UPDATED, ORIGINAL), (UPDATED, None)],
)
def test_an_issuer_switch_blocks_in_production(before: Any, after: Any) -> None:
    old = template("production", IssuerConfiguration=before)
    new = template("production", IssuerConfiguration=after)

    (finding,) = compare({KEY: old}, {KEY: new}).blocking

    assert finding.kind is FindingKind.ISSUER_SWITCH
    assert finding.property_path == "IssuerConfiguration"
    assert "every verifier that accepts only the old issuer" in finding.consequence
    assert finding.config_key == "multi_region.issuer"
    assert finding.config_fix is not None
    assert "multi_region.accepted_issuers: [original, updated] first" in finding.config_fix


@pytest.mark.parametrize(("before", "after"), [(None, ORIGINAL), (ORIGINAL, None)])
def test_stating_cognito_s_default_issuer_is_no_switch(before: Any, after: Any) -> None:
    old = template("production", IssuerConfiguration=before)
    new = template("production", IssuerConfiguration=after)

    assert compare({KEY: old}, {KEY: new}).findings == ()


def test_an_issuer_switch_passes_in_development() -> None:
    old = template("development")
    new = template("development", IssuerConfiguration=UPDATED)

    assert compare({KEY: old}, {KEY: new}).findings == ()


def test_an_accepted_issuer_switch_passes() -> None:
    accepted = parse_accepted_risks(
        [
            {
                "environment": "dev",
                "logical_id": POOL,
                "finding": "issuer-switch",
                "reason": "every verifier accepts both forms since release 41 (AUTH-7)",
            }
        ],
        "infra/accepted-risks.yaml",
    )
    old = template("production")
    new = template("production", IssuerConfiguration=UPDATED)

    result = compare({KEY: old}, {KEY: new}, accepted)

    assert result.passed
    assert [f.kind for f in result.accepted] == [FindingKind.ISSUER_SWITCH]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, CUSTOMER),
        (CUSTOMER, {"KeyType": "CUSTOMER_MANAGED_KEY", "KmsKeyArn": OTHER_KEY_ARN}),
        (CUSTOMER, {"KeyType": "AWS_OWNED_KEY"}),
        (CUSTOMER, None),
    ],
)
def test_a_key_switch_blocks_in_production(before: Any, after: Any) -> None:
    old = template("production", KeyConfiguration=before)
    new = template("production", KeyConfiguration=after)

    (finding,) = compare({KEY: old}, {KEY: new}).blocking

    assert finding.kind is FindingKind.KEY_SWITCH
    assert finding.property_path == "KeyConfiguration"
    assert finding.config_key == "multi_region.key"
    assert "sign-in fails for every user" in finding.consequence


def test_stating_the_aws_owned_key_is_no_switch() -> None:
    old = template("production")
    new = template("production", KeyConfiguration={"KeyType": "AWS_OWNED_KEY"})

    assert compare({KEY: old}, {KEY: new}).findings == ()


def test_a_key_switch_passes_in_development() -> None:
    old = template("development")
    new = template("development", KeyConfiguration=CUSTOMER)

    assert compare({KEY: old}, {KEY: new}).findings == ()


def test_removing_a_replica_blocks_with_its_consequence_in_config_words() -> None:
    key = "dev/devReplication49C2C357"
    old = replication("production", replica=True)
    new = replication("production", replica=False)

    (finding,) = compare({key: old}, {key: new}).blocking

    assert finding.kind is FindingKind.REMOVED
    assert "Cognito deletes its copy of every user there" in finding.consequence
    assert finding.config_key == "multi_region.replicas.eu-central-1"
    assert finding.config_fix is not None
    assert "sign-in no longer survives an outage of the primary's Region" in finding.config_fix


def test_removing_the_replica_s_whole_stack_blocks() -> None:
    key = "dev/devReplication49C2C357"

    (finding,) = compare({key: replication("production", replica=True)}, {}).blocking

    assert finding.kind is FindingKind.REMOVED
    assert finding.resource_type == "AWS::Cognito::UserPoolReplica"


def test_moving_the_replica_to_another_region_replaces_it() -> None:
    key = "dev/devReplication49C2C357"
    old = replication("production", replica=True)
    new = copy.deepcopy(old)
    new["Resources"][REPLICA]["Properties"]["RegionName"] = "eu-north-1"

    (finding,) = compare({key: old}, {key: new}).blocking

    assert finding.kind is FindingKind.CREATE_ONLY_CHANGE
    assert finding.property_path == "RegionName"
