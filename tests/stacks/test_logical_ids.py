"""Pinned logical ids of the stateful resources.

A changed logical id makes CloudFormation create a new resource and delete the old one: for the
user pool that is a new, empty pool and every user gone. If this test fails, you renamed or
moved a construct. Put the id back; do not update this list unless you mean to replace the
resource (and have read docs/guard.md).
"""

from __future__ import annotations

import pytest

from tests.conftest import KIT_ENVIRONMENTS_DIR, Assembly, Synthesized, synthesize

POOL = {"DirectoryUserPool76052951": "AWS::Cognito::UserPool"}
ORDERS = {
    "DirectoryAdminsA803BDF1": "AWS::Cognito::UserPoolGroup",
    "DirectoryMembers2A734851": "AWS::Cognito::UserPoolGroup",
    "ResourceServersOrdersApiBAB1FF27": "AWS::Cognito::UserPoolResourceServer",
    "AppClientsWebAppB810510E": "AWS::Cognito::UserPoolClient",
    "AppClientsOrdersWorkerEBC3B087": "AWS::Cognito::UserPoolClient",
    "HostedDomainA16DF0A2": "AWS::Cognito::UserPoolDomain",
    "HostedDomainWebAppBranding894D47D1": "AWS::Cognito::ManagedLoginBranding",
    "IdentityPool1CD93249": "AWS::Cognito::IdentityPool",
    "IdentityPoolRoleAttachment9A9F9D42": "AWS::Cognito::IdentityPoolRoleAttachment",
}
GOOGLE = {"IdentityProvidersGoogleBAD0948B": "AWS::Cognito::UserPoolIdentityProvider"}
# Google Workspace signs in through Google's OIDC issuer: the google type cannot deliver `hd`.
# It replaced the strict fixture's google provider on purpose (issue 17; docs/triggers.md).
WORKSPACE = {"IdentityProvidersGoogleWorkspaceBFBAA658": "AWS::Cognito::UserPoolIdentityProvider"}
LOG_DELIVERY = {"OperationsLogsDelivery1D7DF291": "AWS::Cognito::LogDeliveryConfiguration"}
RISK = {"DirectoryRiskConfiguration2875F0B8": "AWS::Cognito::UserPoolRiskConfigurationAttachment"}
PINNED = {
    "showcase": POOL
    | ORDERS
    | GOOGLE
    | LOG_DELIVERY
    | {
        "AppClientsAdminPortal52BE64F9": "AWS::Cognito::UserPoolClient",
        "HostedDomainAdminPortalBrandingCE713FC0": "AWS::Cognito::ManagedLoginBranding",
        "IdentityProvidersFacebook89EA623D": "AWS::Cognito::UserPoolIdentityProvider",
        "IdentityProvidersApple8477F814": "AWS::Cognito::UserPoolIdentityProvider",
        "IdentityProvidersCorporateSsoEF246A11": "AWS::Cognito::UserPoolIdentityProvider",
        "IdentityProvidersPartnerLoginE810FFD8": "AWS::Cognito::UserPoolIdentityProvider",
        "IdentityPoolPrincipalTags10EC5B26": "AWS::Cognito::IdentityPoolPrincipalTag",
    },
    "relaxed": POOL | ORDERS | LOG_DELIVERY,
    "strict": POOL | ORDERS | WORKSPACE | LOG_DELIVERY | RISK,
    "minimal": POOL
    | RISK
    | {
        "AppClientsMobile55B60E57": "AWS::Cognito::UserPoolClient",
        "HostedDomainA16DF0A2": "AWS::Cognito::UserPoolDomain",
    },
}


def test_stateful_logical_ids_are_pinned(env: Synthesized) -> None:
    expected = PINNED[env.config.name]
    actual = {
        logical_id: resource["Type"]
        for logical_id, resource in env.template_json["Resources"].items()
        if resource["Type"].startswith("AWS::Cognito::")
    }
    assert actual == expected


def test_logical_ids_do_not_depend_on_the_environment_name(
    assembly: Assembly, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A team renames an environment file and redeploys: every resource must keep its logical
    id, or CloudFormation replaces it. The richest fixture, synthesized under another name,
    must produce the same resources under the same logical ids. REST API deployments are the
    exception the CDK makes on purpose: their id hashes the API's content (which names the
    environment), so that a changed API gets a new deployment; they hold no state."""
    showcase = assembly.environments["showcase"]
    renamed_config = showcase.config.model_copy(update={"name": "renamed"})

    renamed = synthesize(
        [renamed_config], tmp_path_factory.mktemp("renamed.out"), KIT_ENVIRONMENTS_DIR
    ).environments["renamed"]

    def types(synthesized: Synthesized) -> dict[str, str]:
        resources = synthesized.template_json["Resources"].items()
        return {
            lid: r["Type"] for lid, r in resources if r["Type"] != "AWS::ApiGateway::Deployment"
        }

    assert types(renamed) == types(showcase)
    assert len(showcase.resources("AWS::ApiGateway::Deployment")) == len(
        renamed.resources("AWS::ApiGateway::Deployment")
    )
