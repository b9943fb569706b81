"""Federated identity providers: Google, Facebook, Sign in with Apple, SAML and OIDC.

Secrets reach the template only as Secrets Manager dynamic references
(``{{resolve:secretsmanager:<id>:SecretString:<key>::}}``), resolved by CloudFormation at deploy
time; no secret value is ever read at synth time, stored in a template, or output.
"""

from __future__ import annotations

from collections.abc import Collection
from pathlib import Path

import aws_cdk as cdk
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config.federation import (
    AppleProvider,
    FacebookProvider,
    GoogleProvider,
    IdentityProviderConfig,
    OidcProvider,
    SamlProvider,
    SecretReference,
    enabled_providers,
)
from infra.config.triggers import IDP_GROUPS_ATTRIBUTE


def secret_reference(reference: SecretReference) -> cdk.SecretValue:
    """A Secrets Manager dynamic reference; the value is never fetched at synth time."""
    return cdk.SecretValue.secrets_manager(
        reference.secret_id, json_field=reference.json_key, version_id=reference.version_id
    )


class IdentityProviders(Construct):
    """The enabled identity providers of one environment.

    Attributes:
        providers: the L2 providers by config id.
        names: the Cognito provider name of each, by config id.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool: cognito.IUserPool,
        providers: dict[str, IdentityProviderConfig],
        group_providers: Collection[str] = (),
    ) -> None:
        """`group_providers`: the providers whose groups the kit's inbound federation function
        maps; their mapping gets `custom:idp_groups`, the provider attribute only that function
        writes (it drops one the provider sends)."""
        super().__init__(scope, id_)
        self.providers: dict[str, cognito.IUserPoolIdentityProvider] = {}
        self.names: dict[str, str] = {}
        for provider_id, config in enabled_providers(providers).items():
            extra = (
                {IDP_GROUPS_ATTRIBUTE: IDP_GROUPS_ATTRIBUTE}
                if provider_id in group_providers
                else {}
            )
            self.providers[provider_id] = self._provider(provider_id, config, user_pool, extra)
            self.names[provider_id] = config.provider_name()

    def _provider(
        self,
        provider_id: str,
        config: IdentityProviderConfig,
        user_pool: cognito.IUserPool,
        extra: dict[str, str],
    ) -> cognito.IUserPoolIdentityProvider:
        mapping = cognito.AttributeMapping(
            custom={
                pool_attribute: cognito.ProviderAttribute.other(provider_attribute)
                for pool_attribute, provider_attribute in {
                    **config.effective_mapping(),
                    **extra,
                }.items()
            }
        )
        if isinstance(config, GoogleProvider):
            return cognito.UserPoolIdentityProviderGoogle(
                self,
                provider_id,
                user_pool=user_pool,
                client_id=config.client_id,
                client_secret_value=secret_reference(config.client_secret),
                scopes=list(config.scopes),
                attribute_mapping=mapping,
            )
        if isinstance(config, FacebookProvider):
            return cognito.UserPoolIdentityProviderFacebook(
                self,
                provider_id,
                user_pool=user_pool,
                client_id=config.client_id,
                # This L2 takes a string: the unwrapped token is the dynamic reference itself.
                client_secret=secret_reference(config.client_secret).unsafe_unwrap(),
                api_version=config.api_version,
                scopes=list(config.scopes),
                attribute_mapping=mapping,
            )
        if isinstance(config, AppleProvider):
            return cognito.UserPoolIdentityProviderApple(
                self,
                provider_id,
                user_pool=user_pool,
                client_id=config.services_id,
                team_id=config.team_id,
                key_id=config.key_id,
                private_key_value=secret_reference(config.private_key),
                scopes=list(config.scopes),
                attribute_mapping=mapping,
            )
        if isinstance(config, SamlProvider):
            metadata = (
                cognito.UserPoolIdentityProviderSamlMetadata.url(config.metadata_url)
                if config.metadata_url is not None
                else cognito.UserPoolIdentityProviderSamlMetadata.file(
                    Path(str(config.metadata_file)).read_text(encoding="utf-8")
                )
            )
            return cognito.UserPoolIdentityProviderSaml(
                self,
                provider_id,
                user_pool=user_pool,
                name=config.name,
                metadata=metadata,
                identifiers=list(config.identifiers) or None,
                idp_initiated=config.idp_initiated,
                idp_signout=config.idp_signout,
                encrypted_responses=config.encrypted_responses,
                request_signing_algorithm=(
                    cognito.SigningAlgorithm.RSA_SHA256 if config.signed_requests else None
                ),
                attribute_mapping=mapping,
            )
        assert isinstance(config, OidcProvider)
        return cognito.UserPoolIdentityProviderOidc(
            self,
            provider_id,
            user_pool=user_pool,
            name=config.name,
            client_id=config.client_id,
            client_secret=secret_reference(config.client_secret).unsafe_unwrap(),
            issuer_url=config.issuer_url,
            scopes=list(config.scopes),
            attribute_request_method=cognito.OidcAttributeRequestMethod[
                config.attribute_request_method
            ],
            identifiers=list(config.identifiers) or None,
            attribute_mapping=mapping,
        )
