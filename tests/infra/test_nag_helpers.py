"""The one acknowledgment helper for cdk-nag and checkov."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from infra.nag import acknowledge, skip_checkov


def test_checkov_skips_accumulate_on_the_resource() -> None:
    stack = cdk.Stack()
    resource = cdk.CfnResource(stack, "Thing", type="AWS::SNS::Topic")
    skip_checkov(resource, "CKV_AWS_1", reason="first reason, specific enough to pass")
    skip_checkov(resource, "CKV_AWS_2", reason="second reason, specific enough to pass")
    assert resource.get_metadata("checkov") == {
        "skip": [
            {"id": "CKV_AWS_1", "comment": "first reason, specific enough to pass"},
            {"id": "CKV_AWS_2", "comment": "second reason, specific enough to pass"},
        ]
    }


@pytest.mark.parametrize("reason", ["", "   ", "because"])
def test_vague_reasons_are_refused(reason: str) -> None:
    stack = cdk.Stack()
    resource = cdk.CfnResource(stack, "Thing", type="AWS::SNS::Topic")
    with pytest.raises(ValueError, match="needs a specific reason"):
        skip_checkov(resource, "CKV_AWS_1", reason=reason)
    with pytest.raises(ValueError, match="needs a specific reason"):
        acknowledge(resource, "AwsSolutions", "SNS2", reason=reason)
