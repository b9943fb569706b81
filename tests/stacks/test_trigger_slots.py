"""The team's own functions in every trigger slot, the custom senders' key, and the kit's
inbound federation function: pool-scoped permissions, the key policy, alarms, cfn-lint."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environments
from infra.constructs.trigger_slots import SLOTS
from tests.conftest import Assembly, Synthesized, synthesize

# Seconds of work (a synth, cfn-lint): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly

EVERY_SLOT_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "every-slot"
ACCOUNT, REGION = "111111111111", "eu-west-1"
POOL_ARN = {"Fn::GetAtt": ["DirectoryUserPool76052951", "Arn"]}
PERMISSION = "AWS::Lambda::Permission"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def every_slot(tmp_path_factory: pytest.TempPathFactory) -> Assembly:
    configs = load_environments(["every-slot"], directory=EVERY_SLOT_DIR)
    return synthesize(configs, tmp_path_factory.mktemp("every-slot.out"), EVERY_SLOT_DIR)


def env_of(assembly: Assembly) -> Synthesized:
    return assembly.environments["every-slot"]


def lambda_config(env: Synthesized) -> dict[str, Any]:
    config: dict[str, Any] = env.only("AWS::Cognito::UserPool")["Properties"]["LambdaConfig"]
    return config


def cognito_permissions(env: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource["Properties"]
        for logical_id, resource in env.resources(PERMISSION).items()
        if resource["Properties"]["Principal"] == "cognito-idp.amazonaws.com"
    }


# --- every slot by ARN -----------------------------------------------------------------------


def test_every_slot_is_attached_by_arn_with_its_event_version(every_slot: Assembly) -> None:
    env = env_of(every_slot)
    config = lambda_config(env)
    expected: dict[str, Any] = {}
    for key, arn in env.config.triggers.team_functions().items():
        spec = SLOTS[key]
        version = spec.version or (
            env.config.triggers.pre_token_generation.lambda_version
            if key == "pre_token_generation"
            else None
        )
        expected[spec.property] = (
            arn if version is None else {"LambdaArn": arn, "LambdaVersion": version}
        )
    expected["KMSKeyID"] = env.config.triggers.custom_sender_key
    assert config == expected
    # Thirteen slots, one per key Cognito's LambdaConfig has (besides the legacy string form
    # of pre token generation and the key).
    assert len(expected) == 14
    assert config["PreTokenGenerationConfig"]["LambdaVersion"] == "V2_0"
    assert config["PostConfirmation"].endswith(":function:team-post-confirmation:live")


def test_each_slot_has_its_own_permission_scoped_to_this_pool_and_account(
    every_slot: Assembly,
) -> None:
    env = env_of(every_slot)
    permissions = cognito_permissions(env)
    assert len(permissions) == 13
    config = lambda_config(env)
    arns = sorted(
        value["LambdaArn"] if isinstance(value, dict) else value
        for key, value in config.items()
        if key != "KMSKeyID"
    )
    assert sorted(p["FunctionName"] for p in permissions.values()) == arns
    for properties in permissions.values():
        assert properties["Action"] == "lambda:InvokeFunction"
        assert properties["SourceArn"] == POOL_ARN
        assert properties["SourceAccount"] == ACCOUNT


def test_an_existing_sender_key_is_named_not_created(every_slot: Assembly) -> None:
    env = env_of(every_slot)
    assert [k for k in env.resources("AWS::KMS::Key") if "CustomSender" in k] == []
    outputs = env.template_json["Outputs"]
    assert outputs["CustomSenderKeyArn"]["Value"] == env.config.triggers.custom_sender_key


def test_a_function_in_several_slots_is_watched_once_by_name(every_slot: Assembly) -> None:
    env = env_of(every_slot)
    alarms = {lid: r["Properties"] for lid, r in env.resources("AWS::CloudWatch::Alarm").items()}
    names = sorted(
        dimension["Value"]
        for properties in alarms.values()
        if properties.get("MetricName") == "Errors"
        for dimension in properties["Dimensions"]
    )
    for properties in alarms.values():
        if properties.get("MetricName") in ("Errors", "Throttles", "Duration"):
            assert properties["Namespace"] == "AWS/Lambda"
            assert [d["Name"] for d in properties["Dimensions"]] == ["FunctionName"]
    # define, create and verify share team-challenges; aliases and versions are watched by
    # the function's name (all its versions).
    assert names == sorted(
        [
            "team-pre-sign-up",
            "team-post-confirmation",
            "team-pre-authentication",
            "team-post-authentication",
            "team-tokens",
            "team-messages",
            "team-migration",
            "team-challenges",
            "team-mailer",
            "team-sms",
            "team-inbound",
        ]
    )
    throttles = [p for p in alarms.values() if p.get("MetricName") == "Throttles"]
    assert len(throttles) == len(names)
    # The team's declared AdminGetUser: the UserRead quota category is watched too.
    assert any("ThrottledUserRead" in lid for lid in alarms)


def cfn_lint_findings_about(
    templates: list[Path], logical_ids: set[str]
) -> dict[Path, list[dict[str, Any]]]:
    """cfn-lint's findings (with the repository's config) on these resources, per template (one
    cfn-lint start for them all)."""
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "cfn-lint"),
            "--config-file",
            str(REPO / ".cfnlintrc.yaml"),
            "--format",
            "json",
            "--regions",
            REGION,
            "--",
            *map(str, templates),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    findings: list[dict[str, Any]] = json.loads(result.stdout or "[]")
    # A template built in a test carries no CDK metadata, so cfn-lint's CDK exemptions (I1022
    # on Fn::Join) do not apply: only the resources under test are read.
    return {
        template: [
            f
            for f in findings
            if Path(f["Filename"]).resolve() == template.resolve()
            and set(f.get("Location", {}).get("Path", [])) & logical_ids
        ]
        for template in templates
    }


def test_cfn_lint_knows_every_slot_and_the_permissions(
    every_slot: Assembly, tmp_path: Path
) -> None:
    env = env_of(every_slot)
    template = next(every_slot.outdir.glob("assembly-every-slot/*.template.json"))
    pool = next(iter(env.resources("AWS::Cognito::UserPool")))
    concerned = {pool, *cognito_permissions(env)}
    # The check reads the schema: a slot cfn-lint does not know is reported.
    broken = json.loads(template.read_text())
    broken["Resources"][pool]["Properties"]["LambdaConfig"]["PostSignIn"] = "arn:aws:lambda:x"
    copy = tmp_path / template.name
    copy.write_text(json.dumps(broken))

    findings = cfn_lint_findings_about([template, copy], concerned)

    assert findings[template] == []
    [finding] = findings[copy]
    assert finding["Rule"]["Id"] == "E3002"


# --- the showcase: one team function, the senders with a created key, the group mapping ------


def test_the_showcase_attaches_its_team_function_by_arn(assembly: Assembly) -> None:
    env = assembly.environments["showcase"]
    arn = lambda_config(env)["PreAuthentication"]
    expected = {
        "Fn::Join": [
            "",
            [
                "arn:aws:lambda:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":function:acme-showcase-tenant-gate",
            ],
        ]
    }
    assert arn == expected
    [permission] = [p for p in cognito_permissions(env).values() if p["FunctionName"] == expected]
    assert permission["SourceArn"] == POOL_ARN
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}


def test_every_cognito_permission_names_this_pool(any_env: Synthesized) -> None:
    permissions = cognito_permissions(any_env)
    pool = next(iter(any_env.resources("AWS::Cognito::UserPool")))
    for properties in permissions.values():
        assert properties["SourceArn"] == {"Fn::GetAtt": [pool, "Arn"]}


def sender_key(env: Synthesized) -> dict[str, Any]:
    [key] = [r for lid, r in env.resources("AWS::KMS::Key").items() if "CustomSender" in lid]
    return key


def statements_by_sid(key: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s.get("Sid", ""): s for s in key["Properties"]["KeyPolicy"]["Statement"]}


def role(name: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:aws:iam::", {"Ref": "AWS::AccountId"}, f":role/{name}"]]}


def test_the_created_key_lets_cognito_only_encrypt_for_this_accounts_pools(
    assembly: Assembly,
) -> None:
    key = sender_key(assembly.environments["showcase"])
    assert key["Properties"]["EnableKeyRotation"] is True
    cognito = [
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s["Principal"] == {"Service": "cognito-idp.amazonaws.com"}
    ]
    assert cognito == [statements_by_sid(key)["CognitoEncryptsCodes"]]
    [statement] = cognito
    assert statement["Action"] == "kms:Encrypt"
    assert statement["Effect"] == "Allow"
    assert statement["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    assert statement["Condition"]["ArnLike"] == {
        "aws:SourceArn": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":cognito-idp:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":userpool/*",
                ],
            ]
        }
    }


def test_only_the_sender_roles_may_decrypt_with_the_created_key(assembly: Assembly) -> None:
    key = sender_key(assembly.environments["showcase"])
    statements = statements_by_sid(key)
    roles = [role("acme-showcase-mailer"), role("acme-showcase-sms")]
    decrypting = [
        s
        for s in statements.values()
        if s["Effect"] == "Allow" and "kms:Decrypt" in str(s["Action"]) and s["Action"] != "kms:*"
    ]
    assert decrypting == [statements["SendersDecryptCodes"]]
    assert decrypting[0]["Principal"] == {"AWS": roles}
    # The account statement (kms:*) would let any role with an IAM policy decrypt: a deny for
    # every other principal keeps the codes to the senders.
    deny = statements["OnlySendersDecrypt"]
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "kms:Decrypt"
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": roles}}


def test_the_created_key_allows_grants_to_aws_services_only(assembly: Assembly) -> None:
    statement = statements_by_sid(sender_key(assembly.environments["showcase"]))[
        "GrantsOnlyForAwsServices"
    ]
    assert statement["Effect"] == "Deny"
    assert statement["Action"] == "kms:CreateGrant"
    assert statement["Condition"] == {
        "BoolIfExists": {
            "kms:GrantIsForAWSResource": "false",
            "aws:PrincipalIsAWSService": "false",
        }
    }


def test_the_pool_uses_the_created_key_and_outputs_it(assembly: Assembly) -> None:
    env = assembly.environments["showcase"]
    [key_id] = [lid for lid in env.resources("AWS::KMS::Key") if "CustomSender" in lid]
    assert lambda_config(env)["KMSKeyID"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert env.template_json["Outputs"]["CustomSenderKeyArn"]["Value"] == {
        "Fn::GetAtt": [key_id, "Arn"]
    }
    versions = {k: v["LambdaVersion"] for k, v in lambda_config(env).items() if "Sender" in k}
    assert versions == {"CustomEmailSender": "V1_0", "CustomSMSSender": "V1_0"}


# --- the kit's inbound federation function --------------------------------------------------


def test_only_the_mapped_provider_maps_the_kit_attribute(assembly: Assembly) -> None:
    env = assembly.environments["showcase"]
    mappings = {
        r["Properties"]["ProviderName"]: r["Properties"]["AttributeMapping"]
        for r in env.resources("AWS::Cognito::UserPoolIdentityProvider").values()
    }
    writing = sorted(name for name, m in mappings.items() if "custom:idp_groups" in m)
    assert writing == ["CorporateSSO"]
    assert mappings["CorporateSSO"]["custom:idp_groups"] == "custom:idp_groups"


def test_the_inbound_federation_function_gets_the_allow_list_by_provider_name(
    assembly: Assembly,
) -> None:
    env = assembly.environments["showcase"]
    [function] = [
        r["Properties"]
        for r in env.resources("AWS::Lambda::Function").values()
        if r["Properties"]["Handler"] == "inbound_federation.handler"
    ]
    config = json.loads(function["Environment"]["Variables"]["TRIGGER_CONFIG"])
    assert config == {
        "attribute": "custom:idp_groups",
        "providers": {
            "CorporateSSO": {
                "type": "SAML",
                "claim": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
                "groups": {
                    "0b7f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4": "admins",
                    "5e6f7081-92a3-4b4c-9d5e-6f708192a3b4": "members",
                },
            }
        },
    }
    [permission] = [
        p
        for p in cognito_permissions(env).values()
        if "TriggersInboundFederation" in json.dumps(p["FunctionName"])
    ]
    assert permission["SourceArn"] == POOL_ARN
    assert permission["SourceAccount"] == {"Ref": "AWS::AccountId"}
