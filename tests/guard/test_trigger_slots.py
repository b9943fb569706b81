"""The guard on trigger slots: which new properties and resources are safe in place.

`AWS::Cognito::UserPool` has no createOnlyProperties, and CloudFormation's reference gives every
`LambdaConfig` member (each slot, `KMSKeyID`, `InboundFederation`) "Update requires: No
interruption": attaching, swapping or removing a function is an in-place pool update. A new
`AWS::Lambda::Permission` and a new sender key are new resources. What the guard does block is
losing the created sender key (a stateful `AWS::KMS::Key`).
"""

from __future__ import annotations

import copy
from typing import Any

from infra.guard import FindingKind, compare

from .sample import KEY, POOL, cognito_template

TEAM = "arn:aws:lambda:eu-west-1:111111111111:function:team-fn"
SENDER_KEY = "TriggerSlotsCustomSenderKey25B584AC"


def with_slots(template: dict[str, Any], **slots: Any) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    changed["Resources"][POOL]["Properties"]["LambdaConfig"].update(slots)
    return changed


def with_sender_key(template: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(template)
    changed["Resources"][SENDER_KEY] = {
        "Type": "AWS::KMS::Key",
        "Properties": {"EnableKeyRotation": True, "KeyPolicy": {"Statement": []}},
        "DeletionPolicy": "Delete",
        "UpdateReplacePolicy": "Delete",
    }
    changed["Resources"]["TriggerSlotsPreAuthenticationInvoke6D0C0E70"] = {
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "Action": "lambda:InvokeFunction",
            "FunctionName": TEAM,
            "Principal": "cognito-idp.amazonaws.com",
            "SourceArn": {"Fn::GetAtt": [POOL, "Arn"]},
            "SourceAccount": "111111111111",
        },
    }
    return with_slots(
        changed,
        PreAuthentication=TEAM,
        CustomEmailSender={"LambdaArn": TEAM, "LambdaVersion": "V1_0"},
        KMSKeyID={"Fn::GetAtt": [SENDER_KEY, "Arn"]},
        InboundFederation={"LambdaArn": TEAM, "LambdaVersion": "V1_0"},
    )


def test_attaching_every_new_slot_and_the_key_is_safe_in_place() -> None:
    before = cognito_template()
    assert compare({KEY: before}, {KEY: with_sender_key(before)}).findings == ()


def test_swapping_or_removing_a_team_function_is_safe_in_place() -> None:
    before = with_slots(cognito_template(), PreAuthentication=TEAM)
    swapped = with_slots(before, PreAuthentication=f"{TEAM}:live")
    assert compare({KEY: before}, {KEY: swapped}).findings == ()
    removed = copy.deepcopy(before)
    del removed["Resources"][POOL]["Properties"]["LambdaConfig"]["PreAuthentication"]
    assert compare({KEY: before}, {KEY: removed}).findings == ()


def test_dropping_the_created_sender_key_is_blocked() -> None:
    before = with_sender_key(cognito_template())
    after = copy.deepcopy(before)
    del after["Resources"][SENDER_KEY]
    (finding,) = compare({KEY: before}, {KEY: after}).blocking
    assert finding.kind is FindingKind.REMOVED
    assert finding.logical_id == SENDER_KEY


def test_rescoping_a_permission_replaces_it_and_is_reported() -> None:
    # Every property of AWS::Lambda::Permission is create-only: the kit's own functions keep
    # the permission the CDK writes (SourceArn only) so that existing stacks see no change.
    before = with_sender_key(cognito_template())
    after = copy.deepcopy(before)
    permission = after["Resources"]["TriggerSlotsPreAuthenticationInvoke6D0C0E70"]
    permission["Properties"]["SourceAccount"] = "222222222222"
    (finding,) = compare({KEY: before}, {KEY: after}).blocking
    assert finding.kind is FindingKind.CREATE_ONLY_CHANGE
    assert finding.property_path == "SourceAccount"
