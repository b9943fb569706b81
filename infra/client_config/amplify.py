"""`amplify_outputs.json` (Amplify Gen 2 client configuration, schema version 1.4) per client.

Amplify's libraries for the web (JavaScript), iOS, Android and Flutter all read this one file.
Every value comes from the deployed stack's outputs (ids, the domain, API URLs) or from the
validated environment config (policies, scopes, redirect URLs): nothing is guessed, and a
missing or inconsistent output is an error, not a default.

The APIs a client can call go where Amplify's REST API category documents them for APIs built
outside Amplify: `custom.API.<name>` = {endpoint, region, apiName}, merged by the app with
`Amplify.configure({...config, API: {...config.API, REST: outputs.custom.API}})`
(docs.amplify.aws, "Set up Amplify REST API"; docs/client-config.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from infra.client_config.apis import Api, api_endpoint, api_outputs, client_apis
from infra.client_config.outputs import OutputsError, stack_name
from infra.config import AppClientConfig, EnvironmentConfig
from infra.config.federation import SOCIAL_PROVIDER_NAMES
from infra.config.references import client_provider_ids, identity_pool_clients
from infra.config.regions import partition_of
from infra.config.sign_in import FIRST_FACTOR_NAMES

SCHEMA_VERSION = "1.4"
USER_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d)_[0-9A-Za-z]+$")
IDENTITY_POOL_ID = re.compile(r"^(?P<region>[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d):[0-9a-f-]{36}$")
CLIENT_ID = re.compile(r"^[0-9a-z]{1,128}$")
# Amplify's names for the social providers it starts itself (signInWithRedirect({provider})).
AMPLIFY_PROVIDERS = {"google": "GOOGLE", "facebook": "FACEBOOK", "apple": "SIGN_IN_WITH_APPLE"}
USERNAME_ATTRIBUTES = {
    "email": "email",
    "phone": "phone_number",
    "username": "username",
    "preferred_username": "username",
}
MFA_CONFIGURATION = {"off": "NONE", "optional": "OPTIONAL", "required": "REQUIRED"}


@dataclass(frozen=True)
class ClientFile:
    """The `amplify_outputs.json` of one app client, and notes on what it leaves out."""

    client_id: str
    outputs: dict[str, Any]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """An app client that gets no file, and why."""

    client_id: str
    reason: str


def skip_reason(client: AppClientConfig) -> str | None:
    """Why a client gets no file (it must never ship in an app), or None."""
    if client.kind == "confidential":
        return (
            "confidential: it holds a client secret, which must never ship in an app; your "
            "server reads it from Cognito (see README: a client's secret)"
        )
    if client.kind == "machine":
        return "machine: client credentials, no user signs in through it"
    return None


def file_clients(config: EnvironmentConfig) -> list[tuple[str, AppClientConfig]]:
    """The app clients that get a file (interactive public ones)."""
    return [(c, client) for c, client in config.app_clients.items() if skip_reason(client) is None]


def required_outputs(config: EnvironmentConfig) -> list[str]:
    """The stack outputs the environment's files are built from (none without a public
    client): what client-config reads from the outputs file or the deployed stack."""
    clients = file_clients(config)
    if not clients:
        return []
    keys = ["UserPoolId", "HostedDomainBaseUrl"] + [f"{c}ClientId" for c, _ in clients]
    if config.identity_pool.enabled and set(
        identity_pool_clients(config.identity_pool, config.app_clients)
    ).intersection(c for c, _ in clients):
        keys.append("IdentityPoolId")
    return keys + api_outputs(config, clients)


def _check_complete(outputs: Mapping[str, str], config: EnvironmentConfig) -> None:
    if missing := [key for key in required_outputs(config) if not outputs.get(key)]:
        raise OutputsError(
            f"the outputs of stack {stack_name(config)} lack {', '.join(missing)}: deploy this "
            f"version of the kit and environment file first (make deploy ENV={config.name}), "
            "then run again"
        )


def _checked(value: str, pattern: re.Pattern[str], what: str) -> re.Match[str]:
    match = pattern.match(value)
    if match is None:
        raise OutputsError(f"{value!r} is not a {what}: the outputs file is not from this kit")
    return match


def amplify_outputs(
    config: EnvironmentConfig, outputs: Mapping[str, str]
) -> tuple[list[ClientFile], list[Skipped]]:
    """One file per interactive public client, and the clients skipped with their reason.

    Raises `OutputsError` if an output is missing or does not fit the environment.
    """
    skipped = [
        Skipped(client_id, reason)
        for client_id, client in config.app_clients.items()
        if (reason := skip_reason(client)) is not None
    ]
    clients = file_clients(config)
    if not clients:
        return [], skipped
    _check_complete(outputs, config)
    pool_id = outputs["UserPoolId"]
    region = _checked(pool_id, USER_POOL_ID, "user pool id")["region"]
    if config.region is not None and region != config.region:
        raise OutputsError(
            f"the outputs are from a pool in {region}, but {config.name} pins region "
            f"{config.region}: is the outputs file from another environment?"
        )
    domain = outputs["HostedDomainBaseUrl"].removeprefix("https://")
    federated = (
        set(identity_pool_clients(config.identity_pool, config.app_clients))
        if config.identity_pool.enabled
        else set()
    )
    files: list[ClientFile] = []
    for client_id, client in clients:
        auth = _auth(config, client_id, client, outputs, pool_id, region, domain)
        if client_id in federated:
            identity_pool_id = outputs["IdentityPoolId"]
            if _checked(identity_pool_id, IDENTITY_POOL_ID, "identity pool id")["region"] != region:
                raise OutputsError("the identity pool and the user pool are in different regions")
            auth["identity_pool_id"] = identity_pool_id
            auth["unauthenticated_identities_enabled"] = config.identity_pool.guest_access
        apis, withheld = client_apis(config, client_id, client)
        endpoints = {api.name: api_endpoint(api, outputs[api.output], region) for api in apis}
        document = _document(config, client_id, client, auth, apis, endpoints)
        if config.multi_region.replicas:
            document["custom"]["cognito_kit"]["regions"] = regions_document(config, region)
        files.append(ClientFile(client_id, document, tuple(withheld)))
    return files, skipped


def regions_document(config: EnvironmentConfig, region: str) -> dict[str, Any]:
    """Where the pool answers: its Region and its replica's, each with the user pool endpoint
    an app switches to. Amplify's auth configuration names no Region (the SDK reads it from
    the pool id, which the replica shares with the primary), so an app fails over by setting
    `Auth.Cognito.userPoolEndpoint` (docs/client-config.md, docs/multi-region.md)."""
    regions = [region, *config.multi_region.replica_regions]
    return {
        "primary": region,
        "replicas": list(config.multi_region.replica_regions),
        "user_pool_endpoints": {name: user_pool_endpoint(name) for name in regions},
    }


def user_pool_endpoint(region: str) -> str:
    """The Cognito user pools API endpoint of `region` (the partition's DNS suffix)."""
    suffix = "amazonaws.com.cn" if partition_of(region) == "aws-cn" else "amazonaws.com"
    return f"https://cognito-idp.{region}.{suffix}"


def _auth(
    config: EnvironmentConfig,
    client_id: str,
    client: AppClientConfig,
    outputs: Mapping[str, str],
    pool_id: str,
    region: str,
    domain: str,
) -> dict[str, Any]:
    pool = config.user_pool
    app_client_id = outputs[f"{client_id}ClientId"]
    _checked(app_client_id, CLIENT_ID, "app client id")
    if not client.logout_urls:
        raise OutputsError(
            f"app_clients.{client_id} has no logout_urls; Amplify needs at least one to sign "
            "out: add one to the environment file"
        )
    policy = pool.password_policy
    verification = [
        attribute
        for attribute in ("email", "phone_number")
        if attribute in pool.standard_attributes
    ]
    providers = [
        config.identity_providers[p] for p in client_provider_ids(client, config.identity_providers)
    ]
    auth: dict[str, Any] = {
        "aws_region": region,
        "user_pool_id": pool_id,
        "user_pool_client_id": app_client_id,
        "password_policy": {
            "min_length": policy.length,
            "require_lowercase": policy.require_lowercase,
            "require_uppercase": policy.require_uppercase,
            "require_numbers": policy.require_digits,
            "require_symbols": policy.require_symbols,
        },
        "oauth": {
            "identity_providers": [
                AMPLIFY_PROVIDERS[p.type] for p in providers if p.type in AMPLIFY_PROVIDERS
            ],
            "domain": domain,
            "scopes": list(client.effective_scopes),
            "redirect_sign_in_uri": list(client.callback_urls),
            "redirect_sign_out_uri": list(client.logout_urls),
            "response_type": "code",
        },
        "standard_required_attributes": sorted(
            name for name, attribute in pool.standard_attributes.items() if attribute.required
        ),
        "username_attributes": sorted(
            {USERNAME_ATTRIBUTES[identifier] for identifier in pool.sign_in_identifiers}
        ),
        "user_verification_types": verification,
        "mfa_configuration": MFA_CONFIGURATION[pool.mfa.mode],
        "mfa_methods": [
            method
            for method, on in (
                ("TOTP", pool.mfa.totp),
                ("SMS", pool.mfa.sms),
                ("EMAIL", pool.mfa.email),
            )
            if on and pool.mfa.mode != "off"
        ],
        "groups": [
            {group.name: {"precedence": group.precedence}}
            for group in sorted(pool.groups.values(), key=lambda g: (g.precedence, g.name))
        ],
    }
    if passwordless := _passwordless(config, client, domain):
        auth["passwordless"] = passwordless
    return auth


def _passwordless(
    config: EnvironmentConfig, client: AppClientConfig, domain: str
) -> dict[str, Any] | None:
    """Amplify's `auth.passwordless` for a client that offers choice-based sign-in (USER_AUTH):
    what `signIn({options: {authFlowType: 'USER_AUTH', preferredChallenge}})` may ask for."""
    sign_in = config.user_pool.sign_in
    if not client.choice_based_sign_in or not sign_in.passwordless:
        return None
    block: dict[str, Any] = {
        "email_otp_enabled": "email_otp" in sign_in.first_factors,
        "sms_otp_enabled": "sms_otp" in sign_in.first_factors,
    }
    if sign_in.passkeys:
        # Without an explicit relying party the pool binds passkeys to its hosted domain.
        block["web_authn"] = {
            "relying_party_id": sign_in.passkey.relying_party_id or domain,
            "user_verification": sign_in.passkey.user_verification,
        }
    if client.preferred_challenge is not None:
        block["preferred_challenge"] = FIRST_FACTOR_NAMES[client.preferred_challenge]
    return block


def _document(
    config: EnvironmentConfig,
    client_id: str,
    client: AppClientConfig,
    auth: dict[str, Any],
    apis: list[Api],
    endpoints: dict[str, dict[str, str]],
) -> dict[str, Any]:
    enterprise = [
        config.identity_providers[p].provider_name()
        for p in client_provider_ids(client, config.identity_providers)
        if config.identity_providers[p].type not in SOCIAL_PROVIDER_NAMES
    ]
    return {
        "version": SCHEMA_VERSION,
        "auth": auth,
        # Amplify starts only the social providers by type; SAML/OIDC providers are started by
        # name: signInWithRedirect({provider: {custom: "<name>"}}).
        # `API` is always there, empty without APIs, so the app's documented merge
        # (REST: outputs.custom.API) works for every client unchanged.
        "custom": {
            "API": endpoints,
            "cognito_kit": {
                "environment": config.name,
                "app_client": client_id,
                "custom_providers": enterprise,
                "apis": {api.name: api.document() for api in apis},
            },
        },
    }
