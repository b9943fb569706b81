"""Federation: each provider type, secrets only as dynamic references, client wiring."""

from __future__ import annotations

import json
import re
from typing import Any

import aws_cdk as cdk
import pytest

from infra.config.federation import SecretReference
from infra.config.references import client_provider_ids
from infra.constructs.identity_providers import secret_reference
from tests.conftest import Assembly, Synthesized

PROVIDER = "AWS::Cognito::UserPoolIdentityProvider"
DYNAMIC_REFERENCE = re.compile(r"^\{\{resolve:secretsmanager:[^:]+:SecretString:[^:]+::\}\}$")


def providers_by_name(env: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        p["Properties"]["ProviderName"]: p["Properties"] for p in env.resources(PROVIDER).values()
    }


@pytest.fixture
def dev(assembly: Assembly) -> Synthesized:
    return assembly.environments["showcase"]


def test_dev_synthesizes_all_five_provider_types(dev: Synthesized) -> None:
    types = sorted(p["ProviderType"] for p in providers_by_name(dev).values())
    assert types == ["Facebook", "Google", "OIDC", "SAML", "SignInWithApple"]


def test_google_details_scopes_and_verified_email_mapping(dev: Synthesized) -> None:
    google = providers_by_name(dev)["Google"]
    assert google["ProviderDetails"] == {
        "client_id": "000000000000-placeholder.apps.googleusercontent.com",
        "client_secret": (
            "{{resolve:secretsmanager:cognito-kit/dev/google:SecretString:client_secret::}}"
        ),
        "authorize_scopes": "openid email profile",
    }
    assert google["AttributeMapping"]["email"] == "email"
    assert google["AttributeMapping"]["email_verified"] == "email_verified"


def test_facebook_secret_api_version_and_unverified_email(dev: Synthesized) -> None:
    facebook = providers_by_name(dev)["Facebook"]
    assert facebook["ProviderDetails"]["client_secret"] == (
        "{{resolve:secretsmanager:cognito-kit/dev/facebook:SecretString:app_secret::}}"
    )
    assert facebook["ProviderDetails"]["api_version"] == "v21.0"
    assert facebook["ProviderDetails"]["authorize_scopes"] == "public_profile,email"
    assert "email_verified" not in facebook["AttributeMapping"]


def test_apple_private_key_is_a_reference_and_email_verified_is_mapped(dev: Synthesized) -> None:
    apple = providers_by_name(dev)["SignInWithApple"]
    details = apple["ProviderDetails"]
    assert details["private_key"] == (
        "{{resolve:secretsmanager:cognito-kit/dev/apple:SecretString:private_key::}}"
    )
    assert (details["client_id"], details["team_id"], details["key_id"]) == (
        "com.example.signin.dev",
        "ABCDE12345",
        "KEY1234567",
    )
    assert details["authorize_scopes"] == "name email"
    assert apple["AttributeMapping"]["email_verified"] == "email_verified"


def test_saml_refuses_idp_initiated_sign_in_and_signs_requests(dev: Synthesized) -> None:
    saml = providers_by_name(dev)["CorporateSSO"]
    assert saml["ProviderType"] == "SAML"
    assert saml["ProviderDetails"]["IDPInit"] is False
    assert saml["ProviderDetails"]["RequestSigningAlgorithm"] == "rsa-sha256"
    assert saml["ProviderDetails"]["MetadataURL"].startswith("https://")
    assert saml["IdpIdentifiers"] == ["corp.example.com"]
    # Declared verified by the IdP, so its verification claim may be mapped (and used to link).
    assert saml["AttributeMapping"]["email_verified"] == (
        "http://schemas.example.com/claims/email_verified"
    )


def test_oidc_issuer_secret_and_unverified_email(dev: Synthesized) -> None:
    oidc = providers_by_name(dev)["PartnerLogin"]
    details = oidc["ProviderDetails"]
    assert details["oidc_issuer"] == "https://login.partner.example.com"
    assert details["attributes_request_method"] == "GET"
    assert DYNAMIC_REFERENCE.match(details["client_secret"])
    assert oidc["AttributeMapping"] == {"email": "email"}


def test_every_secret_in_every_template_is_a_dynamic_reference(any_env: Synthesized) -> None:
    for provider in any_env.resources(PROVIDER).values():
        for key, value in provider["Properties"]["ProviderDetails"].items():
            if key in ("client_secret", "private_key"):
                assert DYNAMIC_REFERENCE.match(value), (key, value)
    assert "{{resolve:secretsmanager:" not in json.dumps(any_env.template_json.get("Outputs", {}))


def test_clients_offer_their_providers_and_depend_on_them(dev: Synthesized) -> None:
    logical_ids = {p["Properties"]["ProviderName"]: i for i, p in dev.resources(PROVIDER).items()}
    clients = {
        c["Properties"]["ClientName"]: c
        for c in dev.resources("AWS::Cognito::UserPoolClient").values()
    }
    web, admin, worker = clients["WebApp"], clients["AdminPortal"], clients["OrdersWorker"]
    assert sorted(web["Properties"]["SupportedIdentityProviders"]) == sorted(
        ["COGNITO", *logical_ids]
    )
    assert sorted(web["DependsOn"]) == sorted(logical_ids.values())
    assert admin["Properties"]["SupportedIdentityProviders"] == ["COGNITO", "CorporateSSO"]
    assert admin["DependsOn"] == [logical_ids["CorporateSSO"]]
    assert worker["Properties"]["SupportedIdentityProviders"] == ["COGNITO"]
    assert "DependsOn" not in worker


def test_environments_without_federation_have_no_provider(assembly: Assembly) -> None:
    assert assembly.environments["relaxed"].resources(PROVIDER) == {}
    assert list(providers_by_name(assembly.environments["strict"])) == ["GoogleWorkspace"]


def test_google_workspace_signs_in_through_google_s_issuer_and_maps_hd(
    assembly: Assembly,
) -> None:
    # The google type cannot deliver `hd`; Google's OIDC issuer's ID token carries it.
    env = assembly.environments["strict"]
    workspace = providers_by_name(env)["GoogleWorkspace"]
    assert workspace["ProviderType"] == "OIDC"
    assert workspace["ProviderDetails"]["oidc_issuer"] == "https://accounts.google.com"
    assert workspace["AttributeMapping"] == {
        "email": "email",
        "email_verified": "email_verified",
        "given_name": "given_name",
        "family_name": "family_name",
        "custom:hd": "hd",
    }
    # Cognito rewrites the mapped attribute at every sign-in, with the permissions of the client
    # the user signs in through: mutable, and writable by exactly the clients that offer the
    # Workspace (the trigger reads `hd` from Google's token at the first sign-in only, and no
    # claim or tag may come from it).
    schema = {a["Name"]: a for a in env.only("AWS::Cognito::UserPool")["Properties"]["Schema"]}
    assert schema["hd"]["Mutable"] is True
    writers = {
        client["Properties"]["ClientName"]
        for client in env.resources("AWS::Cognito::UserPoolClient").values()
        if "custom:hd" in client["Properties"].get("WriteAttributes", [])
    }
    offering = {
        name
        for name, client in env.config.app_clients.items()
        if "GoogleWorkspace" in client_provider_ids(client, env.config.identity_providers)
    }
    assert writers == offering == {"WebApp"}


def test_a_pinned_secret_version_is_part_of_the_reference() -> None:
    version = "a1b2c3d4-0000-1111-2222-333344445555"
    reference = SecretReference(
        secret_id="cognito/google", json_key="client_secret", version_id=version
    )
    stack = cdk.Stack()
    resolved = stack.resolve(secret_reference(reference).unsafe_unwrap())
    assert resolved == (
        f"{{{{resolve:secretsmanager:cognito/google:SecretString:client_secret::{version}}}}}"
    )
