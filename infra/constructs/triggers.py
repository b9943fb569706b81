"""The Lambda triggers of the user pool: one function per enabled trigger.

Triggers sit in the sign-up and sign-in path: Cognito waits at most 5 seconds (cold start
included), so every function is small (standard library + the runtime's boto3), arm64, on the
newest Python runtime, with an explicit log group in JSON format.

IAM and the pool <-> function cycle: the pool names each function (LambdaConfig), and a
function that calls the pool's admin APIs needs the pool's ARN in its policy. A policy inside
the function's own role would make the function depend on the pool and the pool on the function.
The statements therefore live in a separate managed policy attached to the role, which the
function does not depend on (the fix the CDK's aws-cognito documentation describes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config.app_clients import AppClientConfig
from infra.config.federation import IdentityProviderConfig, SamlProvider, enabled_providers
from infra.config.identity_pool import IdentityPoolConfig
from infra.config.migration import MigrationConfig, migrated_attributes
from infra.config.migration import trigger_config as migration_trigger_config
from infra.config.references import (
    protected_groups,
    provider_email_domains,
    provider_hosted_domains,
    provider_subdomains,
)
from infra.config.triggers import (
    IDP_GROUPS_ATTRIBUTE,
    InboundFederationConfig,
    PreTokenGenerationConfig,
    TriggersConfig,
)
from infra.config.user_pool import UserPoolConfig
from infra.constructs import trigger_config
from infra.nag import (
    acknowledge_log_group_encryption,
    acknowledge_synchronous_function,
    skip_checkov,
)

LAMBDA_TRIGGERS_DIR = Path(__file__).resolve().parents[2] / "lambda_triggers"
RUNTIME = lambda_.Runtime.PYTHON_3_14
# What the pre sign-up trigger calls to link an account (and to check the target first).
LINKING_ACTIONS = (
    "cognito-idp:ListUsers",
    "cognito-idp:AdminGetUser",
    "cognito-idp:AdminListGroupsForUser",
    "cognito-idp:AdminLinkProviderForUser",
)
# Bytecode written by test runs would change the asset hash of an unchanged trigger.
ASSET_EXCLUDES = ["__pycache__", "**/__pycache__", "*.pyc", "**/*.pyc"]
# A token event names the client by id only; the pre token generation trigger finds its name
# (machine clients' claims, and which group scopes a client may carry).
MACHINE_CLIENT_LOOKUP = "cognito-idp:ListUserPoolClients"


@dataclass(frozen=True)
class _TriggerSpec:
    module: str
    # None: a slot the CDK's L2 has no operation for (set on the L1 `LambdaConfig`).
    operation: cognito.UserPoolOperation | None
    actions: tuple[str, ...]
    lambda_version: cognito.LambdaVersion | None = None


_SPECS = {
    # Its pool actions depend on the configuration: see _pool_actions.
    "PreSignUp": _TriggerSpec("pre_sign_up", cognito.UserPoolOperation.PRE_SIGN_UP, ()),
    "PostConfirmation": _TriggerSpec(
        "post_confirmation",
        cognito.UserPoolOperation.POST_CONFIRMATION,
        ("cognito-idp:AdminAddUserToGroup",),
    ),
    "PreTokenGeneration": _TriggerSpec(
        "pre_token_generation",
        cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
        (),
        # V3_0 also covers client-credentials (machine) tokens; the config allows the trigger
        # only on the essentials and plus plans, which V2_0 and V3_0 both need.
        cognito.LambdaVersion.V3_0,
    ),
    "CustomMessage": _TriggerSpec("custom_message", cognito.UserPoolOperation.CUSTOM_MESSAGE, ()),
    # Calls the OLD pool, not this one: see _old_pool_access.
    "UserMigration": _TriggerSpec("user_migration", cognito.UserPoolOperation.USER_MIGRATION, ()),
    # CloudFormation only (aws-cdk-lib 2.275's L2 has no operation for it); V1_0 is the only
    # event version AWS defines for it.
    "InboundFederation": _TriggerSpec("inbound_federation", None, ()),
}
INBOUND_FEDERATION_VERSION = "V1_0"
# What the user migration trigger may do on the old pool, and nothing else anywhere.
OLD_POOL_ACTIONS = ("cognito-idp:AdminInitiateAuth", "cognito-idp:AdminGetUser")


class Triggers(Construct):
    """The enabled triggers of one environment, attached to its user pool.

    Attributes:
        functions: the Lambda functions by trigger id (PreSignUp, PostConfirmation, ...).
        runtime_configs: the TRIGGER_CONFIG each function receives, by trigger id.
        pool_actions: the cognito-idp actions each function may call on the pool, by trigger id.
        parts: every construct a trigger consists of (function, role, policies, log group),
            by its config key (`pre_sign_up`, ...).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: TriggersConfig,
        environment: str,
        user_pool: cognito.UserPool,
        pool_config: UserPoolConfig,
        identity_providers: dict[str, IdentityProviderConfig],
        app_clients: dict[str, AppClientConfig],
        migration: MigrationConfig | None = None,
        identity_pool: IdentityPoolConfig | None = None,
    ) -> None:
        super().__init__(scope, id_)
        self.runtime_configs = runtime_configs(
            config,
            pool_config,
            identity_providers,
            app_clients,
            migration,
            identity_pool=identity_pool,
        )
        self.functions: dict[str, lambda_.Function] = {}
        self.parts: dict[str, list[Construct]] = {}
        self.pool_actions: dict[str, tuple[str, ...]] = {}
        code = lambda_.Code.from_asset(str(LAMBDA_TRIGGERS_DIR), exclude=ASSET_EXCLUDES)
        for trigger_id, runtime_config in self.runtime_configs.items():
            spec = _SPECS[trigger_id]
            self.parts[spec.module] = []
            function = self._function(trigger_id, spec, code, config, runtime_config, environment)
            self._attach(user_pool, trigger_id, function)
            actions = list(_pool_actions(trigger_id, spec, config))
            if runtime_config.get("machine_clients") or runtime_config.get("group_scopes"):
                actions.append(MACHINE_CLIENT_LOOKUP)
            self.pool_actions[trigger_id] = tuple(actions)
            if actions:
                # Separate managed policy: see the module docstring (dependency cycle).
                pool_access = iam.ManagedPolicy(
                    self,
                    f"{trigger_id}PoolAccess",
                    roles=[function.role] if function.role else [],
                    statements=[
                        iam.PolicyStatement(actions=actions, resources=[self._pool_arn(user_pool)])
                    ],
                )
                self.parts[spec.module].append(pool_access)
            if migration is not None and trigger_id == "UserMigration":
                self._old_pool_access(function, migration)
            self.functions[trigger_id] = function

    def _attach(
        self, user_pool: cognito.UserPool, trigger_id: str, function: lambda_.Function
    ) -> None:
        """Put `function` into its slot of the pool (a replica's Region does it differently)."""
        spec = _SPECS[trigger_id]
        if spec.operation is not None:
            user_pool.add_trigger(spec.operation, function, spec.lambda_version)
        else:
            self._attach_inbound_federation(user_pool, function)

    def _pool_arn(self, user_pool: cognito.UserPool) -> str:
        """The pool the functions' admin calls may act on."""
        return cast(str, user_pool.user_pool_arn)

    def _attach_inbound_federation(
        self, user_pool: cognito.UserPool, function: lambda_.Function
    ) -> None:
        """The slot the L2 cannot set: `LambdaConfig.InboundFederation` on the L1 pool, and the
        invoke permission the L2 would add, scoped to this pool and account."""
        pool_resource = user_pool.node.default_child
        assert isinstance(pool_resource, cognito.CfnUserPool)
        pool_resource.add_property_override(
            "LambdaConfig.InboundFederation",
            {"LambdaArn": function.function_arn, "LambdaVersion": INBOUND_FEDERATION_VERSION},
        )
        # A child of the function, so it is part of the trigger wherever the function is.
        function.add_permission(
            "InboundFederationCognito",
            principal=iam.ServicePrincipal("cognito-idp.amazonaws.com"),
            source_arn=user_pool.user_pool_arn,
            source_account=cdk.Stack.of(self).account,
        )

    def _old_pool_access(self, function: lambda_.Function, migration: MigrationConfig) -> None:
        """Sign in and read users on the old pool only (same account; its region)."""
        old_pool = cdk.Stack.of(self).format_arn(
            service="cognito-idp",
            region=migration.old_pool_region,
            resource="userpool",
            resource_name=migration.from_user_pool_id,
        )
        policy = iam.ManagedPolicy(
            self,
            "UserMigrationOldPoolAccess",
            roles=[function.role] if function.role else [],
            statements=[iam.PolicyStatement(actions=list(OLD_POOL_ACTIONS), resources=[old_pool])],
        )
        self.parts["user_migration"].append(policy)
        self.pool_actions["UserMigration"] = OLD_POOL_ACTIONS

    def _function(
        self,
        trigger_id: str,
        spec: _TriggerSpec,
        code: lambda_.Code,
        config: TriggersConfig,
        runtime_config: dict[str, Any],
        environment: str,
    ) -> lambda_.Function:
        log_group = logs.LogGroup(
            self,
            f"{trigger_id}Logs",
            # Logs are an audit trail of sign-ups; they outlive the function.
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        log_resource = log_group.node.default_child
        assert isinstance(log_resource, logs.CfnLogGroup)
        # The config holds days (validated against CloudWatch's allowed periods).
        log_resource.retention_in_days = config.log_retention_days
        role = iam.Role(
            self,
            f"{trigger_id}Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{environment}: {spec.module} trigger",
        )
        logging = log_writing_policy(self, f"{trigger_id}Logging", role, log_group)
        function = lambda_.Function(
            self,
            trigger_id,
            runtime=RUNTIME,
            architecture=lambda_.Architecture.ARM_64,
            handler=f"{spec.module}.handler",
            code=code,
            role=role,
            memory_size=config.memory_mb,
            timeout=cdk.Duration.seconds(config.timeout_seconds),
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            # Written so that no secret scanner reads a credential in it (see trigger_config).
            environment={"TRIGGER_CONFIG": trigger_config.dumps(runtime_config)},
            description=f"{environment}: Cognito {spec.module} trigger",
        )
        _acknowledge(function, log_group, f"{environment}: the {spec.module} trigger")
        self.parts[spec.module] += [function, role, log_group, logging]
        return function


def _pool_actions(trigger_id: str, spec: _TriggerSpec, config: TriggersConfig) -> tuple[str, ...]:
    """The admin actions a trigger may call on this pool: none unless its config needs them."""
    if trigger_id == "PreSignUp":
        return LINKING_ACTIONS if config.pre_sign_up.account_linking else ()
    return spec.actions


def _acknowledge(function: lambda_.Function, log_group: logs.LogGroup, subject: str) -> None:
    """The Lambda findings that do not fit a function Cognito calls synchronously."""
    reasons = {
        "LambdaDLQ": "Cognito invokes it synchronously and retries itself; a dead-letter queue "
        "only applies to asynchronous invocations",
        "LambdaInsideVPC": "it reaches only the Cognito API and no private resource; a VPC would "
        "add ENI set-up to a cold start that must fit Cognito's 5-second budget",
        "LambdaConcurrency": "reserved concurrency would throttle sign-ups and sign-ins at peak "
        "and lock users out; the account's concurrency pool is shared on purpose",
        "LambdaTracing": "the JSON logs with request ids are the trace; active X-Ray needs "
        "xray:Put* on every resource and adds latency inside the 5-second budget",
    }
    acknowledge_synchronous_function(function, subject, reasons)
    function_resource = function.node.default_child
    assert isinstance(function_resource, lambda_.CfnFunction)
    skip_checkov(
        function_resource,
        "CKV_AWS_173",
        reason=f"{subject}: its only environment variable is TRIGGER_CONFIG, the non-secret "
        "sign-up policy that is also in the template; Lambda encrypts it at rest",
    )
    acknowledge_log_group_encryption(
        log_group,
        f"{subject}: the log holds user names and sub ids, never passwords, codes or tokens, "
        "and CloudWatch Logs encrypts it at rest; a customer-managed key would add a key whose "
        "loss makes the audit trail unreadable",
    )


def log_writing_policy(
    scope: Construct, construct_id: str, role: iam.IRole, log_group: logs.ILogGroup
) -> iam.ManagedPolicy:
    """Let a function's role write to its own log group and no other: the AWS-managed basic
    execution policy would allow every group in the account."""
    return iam.ManagedPolicy(
        scope,
        construct_id,
        roles=[role],
        statements=[
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        ],
    )


def every_pool_action() -> dict[str, tuple[str, ...]]:
    """Every cognito-idp action each trigger may be granted in some configuration, by trigger
    id (`Triggers.pool_actions` holds what one environment grants)."""
    possible = {trigger_id: spec.actions for trigger_id, spec in _SPECS.items()}
    possible["PreSignUp"] = LINKING_ACTIONS
    possible["PreTokenGeneration"] = (MACHINE_CLIENT_LOOKUP,)
    possible["UserMigration"] = OLD_POOL_ACTIONS
    return possible


def client_scopes(
    tokens: PreTokenGenerationConfig, app_clients: dict[str, AppClientConfig]
) -> dict[str, list[str]]:
    """Client name -> the group scopes it may request, for the clients that sign users in
    (names, as the trigger finds a client by name); empty without group scopes."""
    gated = {scope for scopes in tokens.group_scopes.values() for scope in scopes}
    if not gated:
        return {}
    return {
        (client.display_name or client_id): sorted(gated & set(client.effective_scopes))
        for client_id, client in app_clients.items()
        if client.kind != "machine"
    }


def runtime_configs(
    config: TriggersConfig,
    pool_config: UserPoolConfig,
    identity_providers: dict[str, IdentityProviderConfig],
    app_clients: dict[str, AppClientConfig],
    migration: MigrationConfig | None = None,
    *,
    identity_pool: IdentityPoolConfig | None = None,
) -> dict[str, dict[str, Any]]:
    """The TRIGGER_CONFIG JSON of each enabled trigger, in the runtime's contract.

    With a migration, ``identity_pool`` is required: its principal tags are authorization
    inputs the migration must not carry unless declared protected in the old pool.
    """
    group_names = {group_id: group.name for group_id, group in pool_config.groups.items()}
    configs: dict[str, dict[str, Any]] = {}
    if config.pre_sign_up.enabled:
        pre_sign_up = config.pre_sign_up
        configs["PreSignUp"] = {
            "allowed_email_domains": list(pre_sign_up.allowed_email_domains),
            "denied_email_domains": list(pre_sign_up.denied_email_domains),
            "account_linking": pre_sign_up.account_linking,
            "provider_email_domains": provider_email_domains(identity_providers),
            "provider_subdomains": provider_subdomains(identity_providers),
            "provider_hosted_domains": provider_hosted_domains(identity_providers),
            "protected_groups": sorted(
                group_names[group_id] for group_id in protected_groups(pool_config, config)
            ),
            "federated_sign_up": pool_config.effective_federated_sign_up,
            "federated_sign_up_domains": list(pre_sign_up.federated_sign_up_domains),
        }
    if config.post_confirmation.enabled:
        default_group = config.post_confirmation.default_group
        configs["PostConfirmation"] = {
            "default_group": group_names[default_group] if default_group else None
        }
    if config.pre_token_generation.enabled:
        tokens = config.pre_token_generation
        configs["PreTokenGeneration"] = {
            "id_token_claims": dict(tokens.id_token_claims),
            "access_token_claims": dict(tokens.access_token_claims),
            "groups_claim": tokens.groups_claim,
            "suppress_claims": list(tokens.suppress_claims),
            "group_scopes": {
                group_names[group_id]: list(scopes)
                for group_id, scopes in tokens.group_scopes.items()
            },
            # By client name: the client id exists only once the pool does, and the pool
            # depends on this function.
            "machine_clients": {
                (app_clients[client_id].display_name or client_id): {
                    "claims": dict(machine.claims),
                    "scopes": list(machine.scopes),
                }
                for client_id, machine in tokens.machine_clients.items()
            },
            # A group scope goes only into tokens of a client that may request it.
            "client_scopes": client_scopes(tokens, app_clients),
        }
    if config.custom_message.enabled:
        message = config.custom_message
        configs["CustomMessage"] = {
            "app_name": message.app_name,
            "app_url": message.app_url,
            "support_email": message.support_email,
            "subjects": dict(message.subjects),
            # Cognito takes a trigger's email text only from pools that send through SES.
            "customize_email": pool_config.email.sender == "ses",
        }
    if config.inbound_federation.enabled:
        configs["InboundFederation"] = inbound_federation_config(
            config.inbound_federation, pool_config, identity_providers
        )
    if migration is not None:
        if identity_pool is None:
            raise ValueError("a migration needs identity_pool: its principal tags authorize")
        configs["UserMigration"] = migration_trigger_config(
            migration,
            attributes=migrated_attributes(
                migration,
                pool_config,
                triggers=config,
                identity_pool=identity_pool,
            ),
            # The kit's pools are case-insensitive (infra/constructs/user_pool.py).
            case_sensitive=False,
            sign_in_identifiers=pool_config.sign_in_identifiers,
        )
    return configs


def inbound_federation_config(
    config: InboundFederationConfig,
    pool_config: UserPoolConfig,
    identity_providers: dict[str, IdentityProviderConfig],
) -> dict[str, Any]:
    """The kit's inbound federation function's TRIGGER_CONFIG: per provider, by the name the
    event carries (`providerName`), its type, group claim and allow-list with group names."""
    providers = enabled_providers(identity_providers)
    return {
        "attribute": IDP_GROUPS_ATTRIBUTE,
        "providers": {
            providers[provider_id].provider_name(): {
                "type": "SAML" if isinstance(providers[provider_id], SamlProvider) else "OIDC",
                "claim": mapping.claim,
                "groups": {
                    value: pool_config.groups[group_id].name
                    for value, group_id in mapping.groups.items()
                },
            }
            for provider_id, mapping in config.group_mapping.items()
        },
    }


def group_mapping_providers(config: TriggersConfig) -> tuple[str, ...]:
    """The identity providers whose attribute mapping gets the kit's entry
    `custom:idp_groups <- custom:idp_groups`: the function writes that provider attribute."""
    inbound = config.inbound_federation
    return tuple(inbound.group_mapping) if inbound.enabled else ()
