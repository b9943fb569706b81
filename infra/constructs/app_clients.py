"""App clients: how browsers, mobile apps, servers and services talk to the user pool.

Every client is built from an allow-list: authorization-code grant only (never implicit),
explicit auth flows, explicit attribute permissions, explicit token lifetimes, token
revocation on and user-existence errors hidden.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config.app_clients import AppClientConfig, default_write_attributes
from infra.config.federation import IdentityProviderConfig
from infra.config.references import client_provider_ids, mapped_attributes
from infra.config.user_pool import UserPoolConfig, readable_attributes
from infra.constructs.identity_providers import IdentityProviders
from infra.constructs.user_pool import CDK_STANDARD_ATTRIBUTE_NAMES

_BUILT_IN_SCOPES = {
    "openid": cognito.OAuthScope.OPENID,
    "email": cognito.OAuthScope.EMAIL,
    "phone": cognito.OAuthScope.PHONE,
    "profile": cognito.OAuthScope.PROFILE,
    "aws.cognito.signin.user.admin": cognito.OAuthScope.COGNITO_ADMIN,
}
# Rotation needs a short retry window for clients that lose the response; 0-60 s allowed.
REFRESH_ROTATION_GRACE_SECONDS = 10
REFRESH_TOKEN_AUTH = "ALLOW_REFRESH_TOKEN_AUTH"  # noqa: S105 (an auth flow name)
USER_AUTH = "ALLOW_USER_AUTH"
"""Choice-based sign-in: the first factors of the pool's sign-in policy, plus password and SRP."""


class AppClients(Construct):
    """The configured app clients of one user pool.

    Attributes:
        clients: the L2 clients by config id.
        interactive: the clients that sign users in through the hosted domain (not machine).
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool: cognito.IUserPool,
        pool_config: UserPoolConfig,
        clients: dict[str, AppClientConfig],
        custom_scopes: dict[str, cognito.OAuthScope],
        identity_providers: IdentityProviders,
        provider_configs: dict[str, IdentityProviderConfig],
    ) -> None:
        super().__init__(scope, id_)
        self.clients: dict[str, cognito.UserPoolClient] = {}
        for client_id, config in clients.items():
            offered = {
                identity_providers.names[provider_id]: identity_providers.providers[provider_id]
                for provider_id in client_provider_ids(config, provider_configs)
            }
            client = self._client(
                client_id,
                config,
                user_pool,
                pool_config,
                custom_scopes,
                offered,
                mapped_attributes(config, provider_configs),
            )
            for provider in offered.values():
                # A client that names a provider before it exists fails the very first deploy.
                client.node.add_dependency(provider)
            self.clients[client_id] = client
        self.interactive = {
            client_id: client
            for client_id, client in self.clients.items()
            if clients[client_id].kind != "machine"
        }

    def _client(
        self,
        client_id: str,
        config: AppClientConfig,
        user_pool: cognito.IUserPool,
        pool_config: UserPoolConfig,
        custom_scopes: dict[str, cognito.OAuthScope],
        offered: dict[str, cognito.IUserPoolIdentityProvider],
        mapped: set[str],
    ) -> cognito.UserPoolClient:
        machine = config.kind == "machine"
        flows = set(config.effective_auth_flows)
        client = cognito.UserPoolClient(
            self,
            client_id,
            user_pool=user_pool,
            user_pool_client_name=config.display_name or client_id,
            # GenerateSecret is create-only: flipping it replaces the client.
            generate_secret=config.kind != "public",
            auth_flows=cognito.AuthFlow(
                user_srp="user_srp" in flows,
                user_password="user_password" in flows,
                custom="custom" in flows,
                admin_user_password="admin_user_password" in flows,
            ),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(
                    authorization_code_grant=not machine,
                    client_credentials=machine,
                    implicit_code_grant=False,
                ),
                scopes=[
                    _BUILT_IN_SCOPES.get(name) or custom_scopes[name]
                    for name in config.effective_scopes
                ],
                callback_urls=list(config.callback_urls) or None,
                logout_urls=list(config.logout_urls) or None,
            ),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            access_token_validity=cdk.Duration.minutes(config.access_token_validity_minutes),
            id_token_validity=cdk.Duration.minutes(config.id_token_validity_minutes),
            refresh_token_validity=cdk.Duration.days(config.refresh_token_validity_days),
            refresh_token_rotation_grace_period=(
                cdk.Duration.seconds(REFRESH_ROTATION_GRACE_SECONDS)
                if config.refresh_token_rotation
                else None
            ),
            # An empty list never reaches here for users' clients (the config refuses it:
            # Cognito would read it as "every attribute"); None means the kit's default.
            read_attributes=_client_attributes(
                ()
                if machine
                else (
                    readable_attributes(pool_config)
                    if config.read_attributes is None
                    else config.read_attributes
                )
            ),
            write_attributes=_client_attributes(
                ()
                if machine
                else (
                    default_write_attributes(pool_config, mapped)
                    if config.write_attributes is None
                    else config.write_attributes
                )
            ),
            supported_identity_providers=[
                *(
                    [cognito.UserPoolClientIdentityProvider.COGNITO]
                    if config.allow_cognito_sign_in or machine
                    else []
                ),
                *(cognito.UserPoolClientIdentityProvider.custom(name) for name in offered),
            ],
        )
        resource = client.node.default_child
        assert isinstance(resource, cognito.CfnUserPoolClient)
        explicit_flows = [f"ALLOW_{flow.upper()}_AUTH" for flow in sorted(flows)]
        if config.choice_based_sign_in:
            explicit_flows.append(USER_AUTH)
        if config.kind == "confidential" and pool_config.threat_protection.mode != "off":
            # The server passes its user's IP address and device data (UserContextData), so
            # threat protection judges the user's request, not the server's.
            resource.enable_propagate_additional_user_context_data = True
        if not config.refresh_token_rotation:
            # Cognito refuses ALLOW_REFRESH_TOKEN_AUTH on rotating clients (they refresh
            # through GetTokensFromRefreshToken); everywhere else refresh stays allowed.
            explicit_flows.append(REFRESH_TOKEN_AUTH)
        # Always an explicit allow-list: when omitted, Cognito enables its legacy defaults.
        resource.add_property_override("ExplicitAuthFlows", explicit_flows)
        return client


def _client_attributes(names: tuple[str, ...] | list[str]) -> cognito.ClientAttributes:
    standard = {
        CDK_STANDARD_ATTRIBUTE_NAMES[name]: True
        for name in names
        if name in CDK_STANDARD_ATTRIBUTE_NAMES
    }
    if "email_verified" in names:
        standard["email_verified"] = True
    if "phone_number_verified" in names:
        standard["phone_number_verified"] = True
    custom = [name.removeprefix("custom:") for name in names if name.startswith("custom:")]
    return (
        cognito.ClientAttributes()
        .with_standard_attributes(**standard)
        .with_custom_attributes(*custom)
    )
