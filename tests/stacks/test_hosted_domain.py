"""Hosted domain, managed-login branding and the endpoints published as outputs."""

from __future__ import annotations

import pytest

from tests.conftest import Assembly, Synthesized

DOMAIN = "AWS::Cognito::UserPoolDomain"
BRANDING = "AWS::Cognito::ManagedLoginBranding"


@pytest.mark.parametrize(
    ("name", "prefix"), [("showcase", "acme-dev-signin"), ("relaxed", "acme-staging-signin")]
)
def test_prefix_domain(assembly: Assembly, name: str, prefix: str) -> None:
    properties = assembly.environments[name].only(DOMAIN)["Properties"]
    assert properties["Domain"] == prefix
    assert "CustomDomainConfig" not in properties


def test_prod_custom_domain_uses_the_us_east_1_certificate(assembly: Assembly) -> None:
    prod = assembly.environments["strict"]
    prod.template.has_resource_properties(
        DOMAIN,
        {
            "Domain": "auth.example.com",
            "CustomDomainConfig": {"CertificateArn": prod.config.domain.certificate_arn},
        },
    )
    assert ":acm:us-east-1:" in str(prod.config.domain.certificate_arn)


def test_prod_publishes_the_dns_alias_target(assembly: Assembly) -> None:
    outputs = assembly.environments["strict"].template_json["Outputs"]
    target = outputs["CustomDomainAliasTarget"]["Value"]
    assert target == {
        "Fn::GetAtt": [
            next(iter(assembly.environments["strict"].resources(DOMAIN))),
            "CloudFrontDistribution",
        ]
    }


def test_managed_login_has_a_branding_per_interactive_client(any_env: Synthesized) -> None:
    if any_env.config.domain.managed_login_version == "classic":
        assert any_env.resources(BRANDING) == {}
        pytest.skip("classic hosted UI: no branding resources")
    any_env.template.has_resource_properties(DOMAIN, {"ManagedLoginVersion": 2})
    clients = any_env.resources("AWS::Cognito::UserPoolClient")
    interactive = {
        logical_id
        for logical_id, client in clients.items()
        if any_env.config.app_clients[client["Properties"]["ClientName"]].kind != "machine"
    }
    branded = {b["Properties"]["ClientId"]["Ref"] for b in any_env.resources(BRANDING).values()}
    assert branded == interactive
    for branding in any_env.resources(BRANDING).values():
        assert branding["Properties"]["UseCognitoProvidedValues"] is True


def test_outputs_publish_ids_and_endpoints_but_never_a_secret(any_env: Synthesized) -> None:
    outputs = any_env.template_json["Outputs"]
    expected = {
        "UserPoolId",
        "UserPoolArn",
        "UserPoolProviderUrl",
        "JwksUrl",
        "HostedDomainBaseUrl",
        "AuthorizeEndpoint",
        "TokenEndpoint",
        "UserInfoEndpoint",
        "LogoutEndpoint",
    } | {f"{client_id}ClientId" for client_id in any_env.config.app_clients}
    assert expected <= set(outputs)
    assert "ClientSecret" not in str(outputs)
    assert "secretsmanager" not in str(outputs)


def test_prod_endpoints_are_on_the_custom_domain(assembly: Assembly) -> None:
    outputs = assembly.environments["strict"].template_json["Outputs"]
    assert outputs["AuthorizeEndpoint"]["Value"] == "https://auth.example.com/oauth2/authorize"
    assert outputs["TokenEndpoint"]["Value"] == "https://auth.example.com/oauth2/token"
    assert outputs["UserInfoEndpoint"]["Value"] == "https://auth.example.com/oauth2/userInfo"
    assert outputs["LogoutEndpoint"]["Value"] == "https://auth.example.com/logout"


def test_jwks_url_is_under_the_issuer(any_env: Synthesized) -> None:
    pool_id = next(iter(any_env.resources("AWS::Cognito::UserPool")))
    jwks = any_env.template_json["Outputs"]["JwksUrl"]["Value"]
    assert jwks == {
        "Fn::Join": ["", [{"Fn::GetAtt": [pool_id, "ProviderURL"]}, "/.well-known/jwks.json"]]
    }


def test_the_account_placeholder_becomes_the_account_id_at_deploy_time(assembly: Assembly) -> None:
    domain = assembly.environments["minimal"].only(DOMAIN)["Properties"]
    assert domain["Domain"] == {"Fn::Join": ["", ["kit-minimal-", {"Ref": "AWS::AccountId"}]]}
