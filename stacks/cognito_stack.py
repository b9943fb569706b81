"""The per-environment Cognito stack: composition, outputs and tags, nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aws_cdk as cdk
from constructs import Construct

from infra.config import EnvironmentConfig
from infra.config.references import identity_pool_clients
from infra.constructs.apis import Apis
from infra.constructs.app_clients import AppClients
from infra.constructs.hosted_domain import HostedDomain, hosted_domain_name
from infra.constructs.identity_pool import IdentityPool
from infra.constructs.identity_providers import IdentityProviders
from infra.constructs.multi_region import (
    accepted_issuers,
    configure_pool,
    pool_issuer,
    pool_key,
)
from infra.constructs.operations import Operations
from infra.constructs.resource_servers import ResourceServers
from infra.constructs.trigger_slots import TriggerSlots
from infra.constructs.triggers import Triggers, group_mapping_providers
from infra.constructs.user_pool import UserDirectory
from infra.nag import acknowledge, acknowledge_finding
from infra.provenance import Provenance, environment_metadata


class CognitoStack(cdk.Stack):
    """Everything one environment deploys: user pool, triggers, resource servers, identity
    providers, app clients, hosted domain, identity pool, APIs and operations (alarms,
    dashboard, logs, web ACL), plus their outputs."""

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        config: EnvironmentConfig,
        source_file: str,
        **kwargs: Any,
    ):
        super().__init__(
            scope,
            id_,
            stack_name=f"{config.project}-{config.name}",
            description=f"Cognito user directory ({config.name}), managed by {config.project}",
            termination_protection=config.tier == "production",
            **kwargs,
        )
        self.directory = UserDirectory(
            self,
            "Directory",
            config=config.user_pool,
            environment=config.name,
            default_name=f"{config.project}-{config.name}",
            passkey_relying_party_id=config.user_pool.sign_in.passkey.relying_party_id
            or hosted_domain_name(config.domain, self.region),
        )
        # The issuer form and the key the file names (multi_region); nothing when unset.
        self.pool_key = pool_key(
            self,
            config.multi_region,
            environment=config.name,
            removal_policy=_removal_policy(config),
        )
        configure_pool(
            self.directory.user_pool,
            config.multi_region,
            self.pool_key.key if self.pool_key is not None else None,
        )
        self.triggers = Triggers(
            self,
            "Triggers",
            config=config.triggers,
            environment=config.name,
            user_pool=self.directory.user_pool,
            pool_config=config.user_pool,
            identity_providers=config.identity_providers,
            app_clients=config.app_clients,
            migration=config.migration,
            identity_pool=config.identity_pool,
        )
        self.trigger_slots = TriggerSlots(
            self,
            "TriggerSlots",
            config=config.triggers,
            environment=config.name,
            user_pool=self.directory.user_pool,
            removal_policy=(
                cdk.RemovalPolicy.RETAIN
                if config.user_pool.removal_policy == "retain"
                else cdk.RemovalPolicy.DESTROY
            ),
        )
        self.resource_servers = ResourceServers(
            self,
            "ResourceServers",
            user_pool=self.directory.user_pool,
            servers=config.resource_servers,
        )
        self.identity_providers = IdentityProviders(
            self,
            "IdentityProviders",
            user_pool=self.directory.user_pool,
            providers=config.identity_providers,
            group_providers=group_mapping_providers(config.triggers),
        )
        self.app_clients = AppClients(
            self,
            "AppClients",
            user_pool=self.directory.user_pool,
            pool_config=config.user_pool,
            clients=config.app_clients,
            custom_scopes=self.resource_servers.scopes,
            identity_providers=self.identity_providers,
            provider_configs=config.identity_providers,
        )
        self.hosted_domain = HostedDomain(
            self,
            "HostedDomain",
            user_pool=self.directory.user_pool,
            config=config.domain,
            clients=self.app_clients.interactive,
        )
        self.identity_pool: IdentityPool | None = None
        if config.identity_pool.enabled:
            federated = identity_pool_clients(config.identity_pool, config.app_clients)
            self.identity_pool = IdentityPool(
                self,
                "IdentityPool",
                config=config.identity_pool,
                environment=config.name,
                user_pool=self.directory.user_pool,
                clients={c: self.app_clients.clients[c] for c in federated},
                groups=self.directory.groups,
                group_configs=config.user_pool.groups,
            )
        self.apis = Apis(
            self,
            "Apis",
            config=config.apis,
            environment=config.name,
            user_pool=self.directory.user_pool,
            clients=self.app_clients.clients,
            issuer=(
                pool_issuer(self, self.directory.user_pool, config.multi_region)
                if config.multi_region.issuer_form != "original"
                else None
            ),
        )
        self.operations = Operations(
            self,
            "Operations",
            config=config,
            user_pool=self.directory.user_pool,
            trigger_functions=self.triggers.functions,
            trigger_actions={**self.triggers.pool_actions, **self.trigger_slots.cognito_calls},
            app_clients=self.app_clients.clients,
            team_functions=self.trigger_slots.functions,
        )
        self._outputs(config)
        self.provenance = self._provenance(config)
        self.template_options.metadata = environment_metadata(config.name, config.tier, source_file)
        self._acknowledge_from_config(config, source_file)

    def _provenance(self, config: EnvironmentConfig) -> Provenance:
        """Label every resource with the config key that produced it (see infra.provenance)."""
        provenance = Provenance()
        provenance.mark(self.directory, "user_pool")
        if self.pool_key is not None:
            provenance.mark(self.pool_key, "multi_region.key")
        if self.directory.risk_configuration is not None:
            provenance.mark(self.directory.risk_configuration, "user_pool.threat_protection")
        for group_id, group in self.directory.groups.items():
            provenance.mark(group, f"user_pool.groups.{group_id}")
        for server_id, server in self.resource_servers.servers.items():
            provenance.mark(server, f"resource_servers.{server_id}")
        for provider_id, provider in self.identity_providers.providers.items():
            provenance.mark(provider, f"identity_providers.{provider_id}")
        for client_id, client in self.app_clients.clients.items():
            provenance.mark(client, f"app_clients.{client_id}")
        provenance.mark(self.hosted_domain, "domain")
        if self.identity_pool is not None:
            provenance.mark(self.identity_pool, "identity_pool")
            for group_id, role in self.identity_pool.group_roles.items():
                provenance.mark(role, f"user_pool.groups.{group_id}.iam_permissions")
        provenance.mark(self.apis, "apis")
        for key, part in self.apis.parts.items():
            provenance.mark(part, f"apis.{key}")
        provenance.mark(self.operations, "operations")
        for key, part in self.operations.parts.items():
            provenance.mark(part, f"operations.{key}")
        for key, parts in self.triggers.parts.items():
            for part in parts:
                # The migration trigger comes from the `migration` section, not `triggers`.
                provenance.mark(part, "migration" if key == "user_migration" else f"triggers.{key}")
        for key, parts in self.trigger_slots.parts.items():
            for part in parts:
                provenance.mark(part, f"triggers.{key}")
        provenance.label()
        return provenance

    def _acknowledge_from_config(self, config: EnvironmentConfig, source_file: str) -> None:
        acknowledge_from_config(self.provenance, config, source_file)

    def _outputs(self, config: EnvironmentConfig) -> None:
        pool = self.directory.user_pool
        base_url = self.hosted_domain.base_url
        issuer = pool_issuer(self, pool, config.multi_region)
        outputs = {
            "UserPoolId": (pool.user_pool_id, "User pool id"),
            "UserPoolArn": (pool.user_pool_arn, "User pool ARN"),
            "UserPoolProviderUrl": (issuer, "OIDC issuer (iss claim)"),
            "JwksUrl": (f"{issuer}/.well-known/jwks.json", "JWKS URL"),
            "HostedDomainBaseUrl": (base_url, "Hosted sign-in domain"),
            "AuthorizeEndpoint": (f"{base_url}/oauth2/authorize", "OAuth authorize endpoint"),
            "TokenEndpoint": (f"{base_url}/oauth2/token", "OAuth token endpoint"),
            "UserInfoEndpoint": (f"{base_url}/oauth2/userInfo", "OIDC userInfo endpoint"),
            "LogoutEndpoint": (f"{base_url}/logout", "Logout endpoint"),
        }
        if self.hosted_domain.alias_target is not None:
            outputs["CustomDomainAliasTarget"] = (
                self.hosted_domain.alias_target,
                "CloudFront name for the custom domain's DNS alias (A/AAAA ALIAS or CNAME)",
            )
        if self.identity_pool is not None:
            outputs["IdentityPoolId"] = (self.identity_pool.identity_pool.ref, "Identity pool id")
            outputs["AuthenticatedRoleArn"] = (
                self.identity_pool.authenticated_role.role_arn,
                "Role of signed-in identities",
            )
            if self.identity_pool.guest_role is not None:
                outputs["GuestRoleArn"] = (
                    self.identity_pool.guest_role.role_arn,
                    "Role of guest identities",
                )
        for client_id, client in self.app_clients.clients.items():
            # Client ids only; a client secret is never an output.
            outputs[f"{client_id}ClientId"] = (
                client.user_pool_client_id,
                f"{client_id} app client",
            )
        for api_id, stage in self.apis.http_stages.items():
            outputs[f"{api_id}HttpApiUrl"] = (stage.url, f"{api_id} HTTP API URL")
        for api_id, rest_api in self.apis.rest_apis.items():
            outputs[f"{api_id}RestApiUrl"] = (rest_api.url, f"{api_id} REST API URL")
        if self.trigger_slots.key is not None:
            outputs["CustomSenderKeyArn"] = (
                self.trigger_slots.key.key_arn,
                "KMS key of the custom senders' codes: give it to their AWS Encryption SDK keyring",
            )
        if self.operations.alarms is not None:
            outputs["AlarmTopicArn"] = (
                self.operations.alarms.topic.topic_arn,
                "Topic the alarms notify: subscribe the on-call pager",
            )
        if self.operations.dashboard is not None:
            outputs["DashboardName"] = (
                self.operations.dashboard.dashboard.dashboard_name,
                "CloudWatch dashboard of sign-ins, throttles and triggers",
            )
        if config.multi_region.configured:
            outputs["AcceptedIssuers"] = (
                ",".join(accepted_issuers(self, pool, config.multi_region)),
                "Every issuer verifiers accept (multi_region.accepted_issuers), comma-separated",
            )
        if self.pool_key is not None:
            outputs["PoolKeyArn"] = (
                self.pool_key.key.key_arn,
                "Multi-Region KMS key the user pool is encrypted with",
            )
        if config.multi_region.replicas:
            outputs["ReplicaRegions"] = (
                ",".join(config.multi_region.replica_regions),
                "Regions of the pool's replicas (same pool id, app clients and users)",
            )
        for output_id, (value, description) in outputs.items():
            cdk.CfnOutput(self, output_id, value=value, description=description)


def _removal_policy(config: EnvironmentConfig) -> cdk.RemovalPolicy:
    return (
        cdk.RemovalPolicy.RETAIN
        if config.user_pool.removal_policy == "retain"
        else cdk.RemovalPolicy.DESTROY
    )


def acknowledge_from_config(
    provenance: Provenance, config: EnvironmentConfig, source_file: str
) -> None:
    """Each `acknowledgments:` entry on every resource its key created (in the stack whose
    `provenance` is given); the reason names the environment and the entry, so every report
    shows which file accepted what."""
    # The reason lands in resources' metadata: the file is named without its folder, or every
    # resource would change when the same file is read from another folder (ENVIRONMENTS_DIR,
    # another checkout); the template's own metadata names the folder.
    shown = Path(source_file).name
    for index, entry in enumerate(config.acknowledgments):
        source = f"{shown}: acknowledgments[{index}]"
        reason = f"{config.name}: {entry.reason} (acknowledged in {source})"
        constructs = provenance.constructs(entry.key)
        if entry.tool == "cdk-nag":
            for construct in constructs:
                acknowledge(
                    construct,
                    entry.pack,  # type: ignore[arg-type]
                    entry.rule_id,
                    reason=reason,
                    finding=entry.finding,
                )
            continue
        resources = {
            child.node.path: child
            for construct in constructs
            for child in construct.node.find_all()
            if isinstance(child, cdk.CfnResource)
        }
        for resource in resources.values():
            acknowledge_finding(resource, entry.tool, entry.rule, reason=reason, source=source)
