"""The app-client controls of shared/SECURITY.md, for every client of every shipped environment."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from infra.config.app_clients import VERIFIED_FLAG_NAMES
from infra.config.references import mapped_attributes
from tests.conftest import Assembly, Synthesized

CLIENT = "AWS::Cognito::UserPoolClient"


def clients_by_name(env: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        client["Properties"]["ClientName"]: client["Properties"]
        for client in env.resources(CLIENT).values()
    }


def test_every_configured_client_exists(any_env: Synthesized) -> None:
    assert sorted(clients_by_name(any_env)) == sorted(any_env.config.app_clients)


def test_no_client_allows_the_implicit_grant(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        assert "implicit" not in client["AllowedOAuthFlows"], name


def test_public_clients_have_no_secret_and_use_the_code_grant(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        kind = any_env.config.app_clients[name].kind
        assert client["GenerateSecret"] is (kind != "public"), name
        expected = ["client_credentials"] if kind == "machine" else ["code"]
        assert client["AllowedOAuthFlows"] == expected, name


def test_auth_flows_are_an_explicit_allow_list(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        flows = client["ExplicitAuthFlows"]
        configured = any_env.config.app_clients[name].effective_auth_flows
        for flow in ("user_password", "admin_user_password", "custom"):
            assert (f"ALLOW_{flow.upper()}_AUTH" in flows) is (flow in configured), name
        if any_env.config.app_clients[name].kind == "machine":
            assert flows == ["ALLOW_REFRESH_TOKEN_AUTH"], name
        else:
            assert "ALLOW_USER_SRP_AUTH" in flows, name


def test_rotating_clients_drop_refresh_token_auth(any_env: Synthesized) -> None:
    # Cognito refuses ALLOW_REFRESH_TOKEN_AUTH on a client with refresh token rotation.
    for name, client in clients_by_name(any_env).items():
        rotating = any_env.config.app_clients[name].refresh_token_rotation
        assert ("ALLOW_REFRESH_TOKEN_AUTH" not in client["ExplicitAuthFlows"]) is rotating, name
        if rotating:
            assert client["RefreshTokenRotation"] == {
                "Feature": "ENABLED",
                "RetryGracePeriodSeconds": 10,
            }


def test_hygiene_settings_on_every_client(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        assert client["PreventUserExistenceErrors"] == "ENABLED", name
        assert client["EnableTokenRevocation"] is True, name
        assert client["TokenValidityUnits"] == {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "minutes",
        }, name
        config = any_env.config.app_clients[name]
        assert client["AccessTokenValidity"] == config.access_token_validity_minutes
        assert client["IdTokenValidity"] == config.id_token_validity_minutes
        assert client["RefreshTokenValidity"] == config.refresh_token_validity_days * 24 * 60


def test_user_admin_scope_only_where_configured(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        configured = (
            "aws.cognito.signin.user.admin" in any_env.config.app_clients[name].effective_scopes
        )
        assert ("aws.cognito.signin.user.admin" in client["AllowedOAuthScopes"]) is configured


def test_machine_clients_request_only_resource_server_scopes(any_env: Synthesized) -> None:
    for name, client in clients_by_name(any_env).items():
        if any_env.config.app_clients[name].kind != "machine":
            continue
        for scope in client["AllowedOAuthScopes"]:
            # Resource-server scopes are joined onto the server's Ref (which is its identifier).
            assert isinstance(scope, dict), (name, scope)
            assert "Fn::Join" in scope, (name, scope)
        assert "CallbackURLs" not in client


def test_write_attributes_are_explicit_and_exclude_authorisation_attributes(
    any_env: Synthesized,
) -> None:
    config = any_env.config
    protected = {
        f"custom:{n}" for n, a in config.user_pool.custom_attributes.items() if not a.user_writable
    }
    for name, client in clients_by_name(any_env).items():
        # An attribute a provider maps is rewritten at each of its sign-ins with the client's
        # permissions, so the clients that offer that provider must be able to write it.
        mapped = mapped_attributes(config.app_clients[name], config.identity_providers)
        assert "WriteAttributes" in client, name
        assert not (protected - mapped) & set(client["WriteAttributes"]), name
        assert "email_verified" not in client["WriteAttributes"], name


def test_clients_can_write_what_their_providers_map(any_env: Synthesized) -> None:
    # Otherwise Cognito refuses the next federated sign-in: "Attribute cannot be updated".
    config = any_env.config
    for name, client in clients_by_name(any_env).items():
        mapped = mapped_attributes(config.app_clients[name], config.identity_providers)
        missing = mapped - VERIFIED_FLAG_NAMES - set(client.get("WriteAttributes", []))
        assert missing == set(), name


def test_interactive_clients_can_write_required_attributes(any_env: Synthesized) -> None:
    # Otherwise SignUp through the client fails for every user.
    pool = any_env.config.user_pool
    required = {n for n, attribute in pool.standard_attributes.items() if attribute.required}
    for name, client in clients_by_name(any_env).items():
        if any_env.config.app_clients[name].kind != "machine":
            assert required <= set(client["WriteAttributes"]), name


@pytest.mark.parametrize("key", ["CallbackURLs", "LogoutURLs"])
def test_redirect_urls_are_https_without_wildcards(any_env: Synthesized, key: str) -> None:
    for name, client in clients_by_name(any_env).items():
        native = any_env.config.app_clients[name].native
        for url in client.get(key, []):
            parts = urlsplit(url)
            assert "*" not in url, (name, url)
            assert "#" not in url, (name, url)
            assert url.rstrip("/") != "https://example.com", (name, url)
            if any_env.config.tier == "development" and parts.hostname == "localhost":
                assert parts.scheme in ("http", "https"), (name, url)
            elif native and parts.scheme not in ("http", "https"):
                # RFC 8252: a reverse-domain private-use scheme, never a browser's own.
                assert "." in parts.scheme, (name, url)
            elif native and parts.scheme == "http":
                assert parts.hostname in ("127.0.0.1", "::1"), (name, url)
                assert parts.port is not None, (name, url)
            else:
                assert parts.scheme == "https", (name, url)


@pytest.mark.parametrize("name", ["relaxed", "strict"])
def test_production_tier_has_no_localhost_redirects(assembly: Assembly, name: str) -> None:
    for client in clients_by_name(assembly.environments[name]).values():
        for url in client.get("CallbackURLs", []) + client.get("LogoutURLs", []):
            assert urlsplit(url).hostname != "localhost", url


def test_clients_using_custom_scopes_reference_the_resource_server(any_env: Synthesized) -> None:
    servers = any_env.resources("AWS::Cognito::UserPoolResourceServer")
    for name, client in clients_by_name(any_env).items():
        for scope in client["AllowedOAuthScopes"]:
            if isinstance(scope, dict):
                server_ref, suffix = scope["Fn::Join"][1]
                server = servers[server_ref["Ref"]]["Properties"]
                assert suffix.removeprefix("/") in {s["ScopeName"] for s in server["Scopes"]}, name


def test_resource_servers_come_from_config(any_env: Synthesized) -> None:
    servers = {
        server["Properties"]["Identifier"]: {s["ScopeName"] for s in server["Properties"]["Scopes"]}
        for server in any_env.resources("AWS::Cognito::UserPoolResourceServer").values()
    }
    assert servers == {
        server.identifier: set(server.scopes) for server in any_env.config.resource_servers.values()
    }
