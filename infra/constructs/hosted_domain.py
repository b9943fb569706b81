"""The hosted sign-in domain (managed login) and its branding."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from infra.config.domain import ACCOUNT_PLACEHOLDER, DomainConfig, prefix_domain

_MANAGED_LOGIN_VERSION = {
    "classic": cognito.ManagedLoginVersion.CLASSIC_HOSTED_UI,
    "managed_login": cognito.ManagedLoginVersion.NEWER_MANAGED_LOGIN,
}


class HostedDomain(Construct):
    """A Cognito prefix domain or a custom domain, plus managed-login branding per client.

    With the newer managed login, every client that signs users in needs a branding resource;
    without it the login pages show "unavailable".

    Attributes:
        domain: the L2 user pool domain.
        base_url: ``https://<domain>``, the root of the OAuth endpoints.
        alias_target: for a custom domain, the CloudFront name its DNS alias must point to.
        brandings: the branding resources by client id.
    """

    def __init__(
        self,
        scope: Construct,
        id_: str,
        *,
        user_pool: cognito.IUserPool,
        config: DomainConfig,
        clients: dict[str, cognito.UserPoolClient],
    ) -> None:
        super().__init__(scope, id_)
        custom = None
        if config.custom_domain is not None:
            assert config.certificate_arn is not None  # guaranteed by DomainConfig validation
            custom = cognito.CustomDomainOptions(
                domain_name=config.custom_domain,
                certificate=acm.Certificate.from_certificate_arn(
                    self, "Certificate", config.certificate_arn
                ),
            )
        self.domain = cognito.UserPoolDomain(
            self,
            "Domain",
            user_pool=user_pool,
            cognito_domain=(
                cognito.CognitoDomainOptions(
                    domain_prefix=config.prefix.replace(ACCOUNT_PLACEHOLDER, cdk.Aws.ACCOUNT_ID)
                )
                if config.prefix is not None
                else None
            ),
            custom_domain=custom,
            managed_login_version=_MANAGED_LOGIN_VERSION[config.managed_login_version],
        )
        self.base_url = (
            f"https://{config.custom_domain}" if config.custom_domain else self.domain.base_url()
        )
        self.alias_target = self.domain.cloud_front_endpoint if config.custom_domain else None
        self.brandings: dict[str, cognito.CfnManagedLoginBranding] = {}
        if config.managed_login_version == "managed_login":
            for client_id, client in clients.items():
                branding = cognito.CfnManagedLoginBranding(
                    self,
                    f"{client_id}Branding",
                    user_pool_id=user_pool.user_pool_id,
                    client_id=client.user_pool_client_id,
                    use_cognito_provided_values=True,
                )
                self.brandings[client_id] = branding


def hosted_domain_name(config: DomainConfig, region: str) -> str:
    """The domain the managed login pages are served on (a token for the account and region
    where the environment does not pin them): the default passkey relying party."""
    if config.custom_domain is not None:
        return config.custom_domain
    assert config.prefix is not None  # exactly one of them is set
    return prefix_domain(config.prefix.replace(ACCOUNT_PLACEHOLDER, cdk.Aws.ACCOUNT_ID), region)
