"""The team's own functions in Cognito's trigger slots, and the custom senders' KMS key.

The kit's functions are attached by `infra.constructs.triggers`; this construct attaches the
functions an environment file names by ARN. Everything is set on the L1 `LambdaConfig`:
aws-cdk-lib's L2 takes the sender key only when the pool is created and has no inbound
federation slot, and for an imported function its invoke permission lacks the account.

Each function gets one `AWS::Lambda::Permission` per slot: principal `cognito-idp.amazonaws.com`,
`SourceArn` this pool and `SourceAccount` this account (the resource policy AWS's Lambda trigger
documentation gives). ARNs written with `{partition}`, `{region}` and `{account}` resolve to the
stack's own, so a function is in the pool's region and account by construction; a literal ARN
is checked against the environment's pinned region and account by the configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config.triggers import (
    CREATE_KEY,
    FUNCTION_ARN,
    SLOT_IDS,
    SenderSlotConfig,
    TriggersConfig,
)
from infra.constructs.kms import allow_grants_to_aws_services_only
from infra.constructs.operations.metrics import NamedFunction

COGNITO = "cognito-idp.amazonaws.com"


@dataclass(frozen=True)
class SlotSpec:
    """Where a slot lives in CloudFormation's `LambdaConfig`, and its event version."""

    property: str
    version: str | None = None
    """Fixed event version (the slot takes `{LambdaArn, LambdaVersion}`); None: a plain ARN,
    except pre token generation, whose version the file states."""


SLOTS: dict[str, SlotSpec] = {
    "pre_sign_up": SlotSpec("PreSignUp"),
    "post_confirmation": SlotSpec("PostConfirmation"),
    "pre_authentication": SlotSpec("PreAuthentication"),
    "post_authentication": SlotSpec("PostAuthentication"),
    # The object form; the legacy `PreTokenGeneration` string is for V1_0 only.
    "pre_token_generation": SlotSpec("PreTokenGenerationConfig"),
    "custom_message": SlotSpec("CustomMessage"),
    "user_migration": SlotSpec("UserMigration"),
    "define_auth_challenge": SlotSpec("DefineAuthChallenge"),
    "create_auth_challenge": SlotSpec("CreateAuthChallenge"),
    "verify_auth_challenge_response": SlotSpec("VerifyAuthChallengeResponse"),
    # V1_0 is the only version AWS defines for these three.
    "custom_email_sender": SlotSpec("CustomEmailSender", "V1_0"),
    "custom_sms_sender": SlotSpec("CustomSMSSender", "V1_0"),
    "inbound_federation": SlotSpec("InboundFederation", "V1_0"),
}
"""Every slot a file can fill, by its key under `triggers` (`SLOT_KEYS`)."""


def resolve_arn(arn: str, stack: cdk.Stack) -> str:
    """An ARN with `{partition}`, `{region}` and `{account}` as the stack's own (tokens in an
    environment-agnostic stack, literals in a pinned one)."""
    return (
        arn.replace("{partition}", stack.partition)
        .replace("{region}", stack.region)
        .replace("{account}", stack.account)
    )


def function_name(arn: str) -> str:
    """The function name of a function ARN the configuration validated (no qualifier)."""
    match = FUNCTION_ARN.match(arn)
    assert match is not None  # validated by infra.config.triggers
    return match.group("name")


class TriggerSlots(Construct):
    """The team's functions in the slots the file names, and the custom senders' key.

    Attributes:
        functions: the metrics of each distinct team function (by name), by the trigger id of
            the first slot it fills: for the alarms and the dashboard.
        slots: the trigger ids of every slot the team fills, by its config key.
        cognito_calls: the `cognito-idp:` actions each team function declares, by trigger id.
        key: the custom senders' key (created or imported), or None.
        parts: the constructs of each config key (`pre_authentication`, `custom_sender_key`).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: TriggersConfig,
        environment: str,
        user_pool: cognito.UserPool,
        removal_policy: cdk.RemovalPolicy,
    ) -> None:
        super().__init__(scope, id_)
        stack = cdk.Stack.of(self)
        pool_resource = user_pool.node.default_child
        assert isinstance(pool_resource, cognito.CfnUserPool)
        self.functions: dict[str, NamedFunction] = {}
        self.slots: dict[str, str] = {}
        self.cognito_calls: dict[str, tuple[str, ...]] = {}
        self.parts: dict[str, list[Construct]] = {}
        by_name: dict[str, str] = {}
        for key, arn in config.team_functions().items():
            trigger_id = SLOT_IDS[key]
            spec = SLOTS[key]
            resolved = resolve_arn(arn, stack)
            version = spec.version
            if key == "pre_token_generation":
                version = config.pre_token_generation.lambda_version
            pool_resource.add_property_override(
                f"LambdaConfig.{spec.property}",
                resolved if version is None else {"LambdaArn": resolved, "LambdaVersion": version},
            )
            permission = lambda_.CfnPermission(
                self,
                f"{trigger_id}Invoke",
                action="lambda:InvokeFunction",
                function_name=resolved,
                principal=COGNITO,
                source_arn=user_pool.user_pool_arn,
                source_account=stack.account,
            )
            self.parts[key] = [permission]
            self.slots[key] = trigger_id
            name = function_name(arn)
            first = by_name.setdefault(name, trigger_id)
            if first == trigger_id:
                # The same function in several slots (define, create, verify) is one function
                # to watch: one set of alarms.
                self.functions[trigger_id] = NamedFunction(name)
            calls = config.slots()[key].cognito_calls
            if calls:
                self.cognito_calls[trigger_id] = tuple(f"cognito-idp:{op}" for op in sorted(calls))

        self.key: kms.IKey | None = None
        senders = config.senders()
        if senders and config.custom_sender_key is not None:
            self.key = self._sender_key(
                config.custom_sender_key, senders, environment, removal_policy
            )
            pool_resource.add_property_override("LambdaConfig.KMSKeyID", self.key.key_arn)

    def _sender_key(
        self,
        key: str,
        senders: Mapping[str, SenderSlotConfig],
        environment: str,
        removal_policy: cdk.RemovalPolicy,
    ) -> kms.IKey:
        stack = cdk.Stack.of(self)
        if key != CREATE_KEY:
            return kms.Key.from_key_arn(self, "CustomSenderKey", resolve_arn(key, stack))
        created = kms.Key(
            self,
            "CustomSenderKey",
            description=f"{environment}: encrypts the codes and temporary passwords Cognito "
            "hands to the custom sender functions",
            enable_key_rotation=True,
            removal_policy=removal_policy,
        )
        # AWS's custom sender page: Cognito encrypts with the key on behalf of a user pool of
        # this account. The pool's own ARN would make the key depend on the pool and the pool
        # (LambdaConfig.KMSKeyID) on the key, a cycle: any pool of this account and region may
        # encrypt, which only produces ciphertexts only the senders can read.
        created.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CognitoEncryptsCodes",
                principals=[iam.ServicePrincipal(COGNITO)],
                actions=["kms:Encrypt"],
                resources=["*"],
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnLike": {
                        "aws:SourceArn": stack.format_arn(
                            service="cognito-idp", resource="userpool", resource_name="*"
                        )
                    },
                },
            )
        )
        roles = sorted(
            resolve_arn(sender.decrypt_role_arn, stack)
            for sender in senders.values()
            if sender.decrypt_role_arn is not None
        )
        created.add_to_resource_policy(
            iam.PolicyStatement(
                sid="SendersDecryptCodes",
                principals=[iam.ArnPrincipal(role) for role in roles],
                actions=["kms:Decrypt"],
                resources=["*"],
            )
        )
        # The key policy's account statement lets any principal with an IAM policy for
        # kms:Decrypt use the key: the codes would be readable by every admin role. Only the
        # senders' execution roles may decrypt, whatever IAM says.
        created.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlySendersDecrypt",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt"],
                resources=["*"],
                conditions={"ArnNotEquals": {"aws:PrincipalArn": roles}},
            )
        )
        allow_grants_to_aws_services_only(created)
        self.parts["custom_sender_key"] = [created]
        return created
