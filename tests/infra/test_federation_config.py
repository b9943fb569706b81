"""Federation config errors, in the project's style: file, key path, what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.config import load_environment
from infra.config.federation import SamlProvider
from tests.infra.test_config_errors import kit_file, problems_of, write_env


def with_providers(tmp_path: Path, providers: dict[str, Any], **client: Any) -> Path:
    data = kit_file("showcase")
    data["identity_providers"] = providers
    data["app_clients"]["WebApp"].update(client)
    data["app_clients"]["AdminPortal"].pop("identity_providers", None)
    # Linking needs a provider that may vouch for a domain, and the group mapping names the
    # showcase's SAML provider; these tests are about the providers.
    data["triggers"]["pre_sign_up"]["account_linking"] = False
    data["triggers"].pop("inbound_federation")
    return write_env(tmp_path, "dev", data)


GOOGLE = {
    "type": "google",
    "client_id": "id.apps.googleusercontent.com",
    "client_secret": {"secret_id": "cognito/google", "json_key": "client_secret"},
}


def test_literal_secret_is_refused(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Google": {**GOOGLE, "client_secret": "GOCSPX-literal-value"}})
    [problem] = problems_of(tmp_path, "dev")
    assert "identity_providers.Google.client_secret: " in problem
    assert "a literal secret is not allowed" in problem


def test_literal_secret_value_is_never_echoed(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Google": {**GOOGLE, "client_secret": "GOCSPX-literal-value"}})
    assert not any("GOCSPX-literal-value" in p for p in problems_of(tmp_path, "dev"))


def test_provider_without_its_required_fields(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Apple": {"type": "apple", "services_id": "com.example"}})
    problems = "\n".join(problems_of(tmp_path, "dev"))
    for key in ("team_id", "key_id", "private_key"):
        assert f"identity_providers.Apple.{key}: required key is missing" in problems


def test_unknown_key_in_a_provider_lists_that_type_s_keys(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Google": {**GOOGLE, "client_secrett": {}}})
    [problem] = problems_of(tmp_path, "dev")
    assert problem.endswith(
        "identity_providers.Google.client_secrett: unknown key; did you mean 'client_secret'? "
        "allowed keys here: attribute_mapping, client_id, client_secret, enabled, scopes, type, "
        "workspace_domains"
    )


def test_unknown_provider_type_lists_the_allowed_ones(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Amazon": {"type": "amazon"}})
    [problem] = problems_of(tmp_path, "dev")
    assert problem.endswith(
        "identity_providers.Amazon.type: 'amazon': unknown type; "
        "allowed: google, facebook, apple, saml, oidc"
    )


@pytest.mark.parametrize(
    ("provider", "key"),
    [
        (
            {"type": "saml", "name": "Corp", "metadata_url": "http://idp.example.com/md"},
            "metadata_url",
        ),
        (
            {
                "type": "oidc",
                "name": "Partner",
                "issuer_url": "http://idp.example.com",
                "client_id": "x",
                "client_secret": {"secret_id": "s", "json_key": "k"},
            },
            "issuer_url",
        ),
    ],
)
def test_non_https_metadata_or_issuer(tmp_path: Path, provider: dict[str, Any], key: str) -> None:
    with_providers(tmp_path, {"Idp": provider})
    [problem] = problems_of(tmp_path, "dev")
    assert f"identity_providers.Idp.{key}: " in problem
    assert "https://" in problem


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Google", "is reserved by Cognito"),
        ("bad_name", "has the wrong format"),
        ("x" * 33, "wrong"),
    ],
)
def test_invalid_or_reserved_provider_names(tmp_path: Path, name: str, reason: str) -> None:
    saml = {"type": "saml", "name": name, "metadata_url": "https://idp.example.com/md"}
    with_providers(tmp_path, {"Corp": saml})
    [problem] = problems_of(tmp_path, "dev")
    assert "identity_providers" in problem
    assert reason in problem


def test_duplicate_provider_names(tmp_path: Path) -> None:
    saml = {"type": "saml", "name": "Corp", "metadata_url": "https://idp.example.com/md"}
    with_providers(tmp_path, {"First": saml, "Second": {**saml, "name": "corp"}})
    [problem] = problems_of(tmp_path, "dev")
    assert "Second: provider name 'corp' is already used by First" in problem


def test_client_offering_an_unknown_or_disabled_provider(tmp_path: Path) -> None:
    with_providers(
        tmp_path,
        {"Google": {**GOOGLE, "enabled": False}},
        identity_providers=["Google", "Okta"],
    )
    [problem] = problems_of(tmp_path, "dev")
    assert "WebApp.identity_providers: ['Google', 'Okta'] are not enabled identity providers" in (
        problem
    )


def test_google_email_without_email_verified_is_refused(tmp_path: Path) -> None:
    with_providers(tmp_path, {"Google": {**GOOGLE, "attribute_mapping": {"email": "email"}}})
    [problem] = problems_of(tmp_path, "dev")
    assert problem.endswith(
        "identity_providers.Google.attribute_mapping: maps email without email_verified; "
        "map email_verified too"
    )


def test_untrusted_oidc_may_not_map_email_verified(tmp_path: Path) -> None:
    oidc = {
        "type": "oidc",
        "name": "Partner",
        "issuer_url": "https://idp.example.com",
        "client_id": "x",
        "client_secret": {"secret_id": "s", "json_key": "k"},
        "attribute_mapping": {"email": "email", "email_verified": "email_verified"},
    }
    with_providers(tmp_path, {"Partner": oidc})
    [problem] = problems_of(tmp_path, "dev")
    assert "maps email_verified, but this provider's email is not trusted" in problem


def test_saml_metadata_file_is_read_from_the_environments_folder(tmp_path: Path) -> None:
    (tmp_path / "corp.xml").write_text("<EntityDescriptor/>")
    saml = {"type": "saml", "name": "Corp", "metadata_file": "corp.xml"}
    with_providers(tmp_path, {"Corp": saml})
    provider = load_environment("dev", directory=tmp_path).identity_providers["Corp"]
    assert isinstance(provider, SamlProvider)
    assert provider.metadata_file == str(tmp_path / "corp.xml")

    with_providers(tmp_path, {"Corp": {**saml, "metadata_file": "../outside.xml"}})
    [problem] = problems_of(tmp_path, "dev")
    assert "identity_providers.Corp.metadata_file: " in problem
    assert "inside the environments folder" in problem


def test_untrusted_saml_may_not_map_email_verified(tmp_path: Path) -> None:
    saml = {
        "type": "saml",
        "name": "Corp",
        "metadata_url": "https://idp.example.com/md",
        "attribute_mapping": {"email": "mail", "email_verified": "verified"},
    }
    with_providers(tmp_path, {"Corp": saml})
    [problem] = problems_of(tmp_path, "dev")
    assert (
        "identity_providers.Corp.attribute_mapping: maps email_verified, but this provider's "
        "email is not trusted" in problem
    )

    with_providers(tmp_path, {"Corp": {**saml, "email_verified_by_idp": True}})
    assert load_environment("dev", directory=tmp_path).identity_providers["Corp"].enabled


def test_no_part_of_a_literal_apple_key_is_echoed(tmp_path: Path) -> None:
    apple = {
        "type": "apple",
        "services_id": "com.example.signin",
        "team_id": "ABCDE12345",
        "key_id": "KEY1234567",
        "private_key": "-----BEGIN PRIVATE KEY-----MIGTAgEAMBMGByqGSM49",
    }
    with_providers(tmp_path, {"Apple": apple})
    [problem] = problems_of(tmp_path, "dev")
    assert "identity_providers.Apple.private_key: a literal secret is not allowed" in problem
    assert "MIGTAgEA" not in problem
