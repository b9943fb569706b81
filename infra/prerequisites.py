"""What must exist in the AWS account (and outside it) before an environment deploys.

    python -m infra.prerequisites [--env NAME ...]     (make prerequisites [ENV=name])

Derived from the environment file, so the list is always the file's own: a secret is listed
because a provider references it, a certificate because the domain is custom. The README
points here instead of keeping a hand-written list per environment.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.config import ConfigError, EnvironmentConfig, known_environments, load_environments
from infra.config.federation import (
    AppleProvider,
    OidcProvider,
    SamlProvider,
    SecretReference,
    enabled_providers,
)
from infra.config.loader import ENVIRONMENTS_DIR
from infra.config.multi_region import AWS_OWNED_KEY
from infra.config.multi_region import CREATE_KEY as MULTI_REGION_CREATE_KEY
from infra.config.references import replica_function_arn
from infra.config.triggers import CREATE_KEY


@dataclass(frozen=True)
class Prerequisite:
    """One thing to create or check before `make deploy`, and the config key that needs it."""

    key: str
    what: str


def _where(config: EnvironmentConfig) -> str:
    account = config.account or "<account>"
    region = config.region or "<region>"
    return f"aws://{account}/{region}"


def prerequisites(config: EnvironmentConfig) -> list[Prerequisite]:
    """Everything `config` needs before its first deploy, in the order to set it up."""
    return list(_prerequisites(config))


def _prerequisites(config: EnvironmentConfig) -> Iterator[Prerequisite]:
    where = _where(config)
    yield Prerequisite(
        "account/region",
        f"the account bootstrapped for the CDK: `cdk bootstrap {where}` (see README)",
    )
    email = config.user_pool.email
    if email.sender == "ses":
        yield Prerequisite(
            "user_pool.email.ses_identity_arn",
            f"a verified SES identity {email.ses_identity_arn} (out of the SES sandbox to mail "
            "any address)",
        )
        if email.configuration_set:
            yield Prerequisite(
                "user_pool.email.configuration_set",
                f"the SES configuration set {email.configuration_set} in {email.ses_region}",
            )
    sign_in = config.user_pool.sign_in
    if "sms_otp" in sign_in.first_factors:
        yield Prerequisite(
            "user_pool.sign_in.sms_spend_guard",
            f"what the file says caps SMS spend, in place in {where}: {sign_in.sms_spend_guard} "
            "(and the account out of the SNS SMS sandbox, with an origination identity where "
            "destination countries require one)",
        )
    domain = config.domain
    if domain.custom_domain is not None:
        parent = domain.custom_domain.partition(".")[2]
        yield Prerequisite(
            "domain.certificate_arn",
            f"an issued ACM certificate in us-east-1 covering {domain.custom_domain}: "
            f"{domain.certificate_arn}",
        )
        yield Prerequisite(
            "domain.custom_domain",
            f"a DNS A record for the parent domain {parent} (Cognito refuses a custom domain "
            "whose parent does not resolve); after the deploy, an alias record for "
            f"{domain.custom_domain} to the output CustomDomainAliasTarget",
        )
    for provider_id, provider in enabled_providers(config.identity_providers).items():
        key = f"identity_providers.{provider_id}"
        for field, value in provider:
            if isinstance(value, SecretReference):
                yield Prerequisite(
                    f"{key}.{field}",
                    f"a Secrets Manager secret {value.secret_id} (in the deploy region) whose "
                    f"JSON holds the key {value.json_key}",
                )
        if isinstance(provider, SamlProvider) and provider.metadata_url is not None:
            yield Prerequisite(
                f"{key}.metadata_url",
                f"the SAML metadata served at {provider.metadata_url}",
            )
        if isinstance(provider, OidcProvider):
            yield Prerequisite(
                f"{key}.issuer_url",
                f"the OIDC issuer {provider.issuer_url} serving /.well-known/openid-configuration",
            )
        if isinstance(provider, SamlProvider):
            registration = (
                "the application at the SAML IdP with the ACS URL https://<hosted domain>/"
                "saml2/idpresponse and the entity id urn:amazon:cognito:sp:<user pool id>"
            )
        else:
            app = "the Services ID" if isinstance(provider, AppleProvider) else "the OAuth client"
            registration = (
                f"{app} at {provider.provider_name()} allowing the redirect "
                "https://<hosted domain>/oauth2/idpresponse"
            )
        yield Prerequisite(key, f"{registration} (the outputs name the domain and pool id)")
    migration = config.migration
    if migration is not None:
        yield Prerequisite(
            "migration.from_client_id",
            f"the old pool {migration.from_user_pool_id}'s app client {migration.from_client_id} "
            "without a secret and allowing ALLOW_ADMIN_USER_PASSWORD_AUTH, for the migration "
            "period only; the old pool in this account (docs/migration.md)",
        )
        for attribute, reason in migration.protected_in_old_pool.items():
            yield Prerequisite(
                f"migration.protected_in_old_pool.{attribute}",
                f"proof that no user could set {attribute} in {migration.from_user_pool_id}: "
                f"{reason} (each client's WriteAttributes, the provider mappings and the "
                "triggers; docs/migration.md)",
            )
    yield from _trigger_prerequisites(config)
    yield from _multi_region_prerequisites(config)
    user_files = config.identity_pool.user_files
    if config.identity_pool.enabled and user_files is not None:
        yield Prerequisite(
            "identity_pool.user_files.bucket_name",
            f"the S3 bucket {user_files.bucket_name} (the kit grants access to it, never "
            "creates it)",
        )


def _multi_region_prerequisites(config: EnvironmentConfig) -> Iterator[Prerequisite]:
    """The replica's Region bootstrapped, its mail sender and functions, and a team's key."""
    multi_region = config.multi_region
    key = multi_region.key
    if key is not None and key not in (AWS_OWNED_KEY, MULTI_REGION_CREATE_KEY):
        replicated = (
            f", replicated to {', '.join(multi_region.replica_regions)}"
            if multi_region.replicas
            else ""
        )
        yield Prerequisite(
            "multi_region.key",
            f"your KMS key {key}{replicated}, whose key policy lets Cognito use it "
            "(docs/multi-region.md, the pool's key)",
        )
    for region, replica in multi_region.replicas.items():
        where = f"multi_region.replicas.{region}"
        yield Prerequisite(
            where,
            f"the account bootstrapped for the CDK in {region} too (the replica's stacks deploy "
            f"there): `make bootstrap ENV={config.name}` bootstraps every Region of the "
            f"environment, or `cdk bootstrap aws://{config.account or '<account>'}/{region}`",
        )
        if replica.email is not None:
            yield Prerequisite(
                f"{where}.email.ses_identity_arn",
                f"a verified SES identity {replica.email.ses_identity_arn} in {region}, out of "
                "the SES sandbox there",
            )
            if replica.email.configuration_set:
                yield Prerequisite(
                    f"{where}.email.configuration_set",
                    f"the SES configuration set {replica.email.configuration_set} in {region}",
                )
        for slot in config.triggers.team_functions():
            arn = replica_function_arn(config.triggers, replica, slot, region)
            if arn is not None:
                yield Prerequisite(
                    f"{where}.functions.{slot}",
                    f"your Lambda function {arn.replace('{region}', region)} in {region}",
                )
        if replica.custom_sender_key is not None and config.triggers.senders():
            yield Prerequisite(
                f"{where}.custom_sender_key",
                f"your KMS key {replica.custom_sender_key} in {region}, with the key policy of "
                "triggers.custom_sender_key",
            )


def _trigger_prerequisites(config: EnvironmentConfig) -> Iterator[Prerequisite]:
    """The team's own functions, the senders' roles and an existing senders' key."""
    triggers = config.triggers
    for slot, arn in triggers.team_functions().items():
        yield Prerequisite(
            f"triggers.{slot}.function_arn",
            f"your Lambda function {arn} in the pool's account and region (the kit grants "
            "Cognito invoke on it, scoped to this pool, and never creates or changes it)",
        )
    key = triggers.custom_sender_key
    for slot, sender in triggers.senders().items():
        if key == CREATE_KEY and sender.decrypt_role_arn is not None:
            yield Prerequisite(
                f"triggers.{slot}.decrypt_role_arn",
                f"the IAM role {sender.decrypt_role_arn}, your sender's execution role (the "
                "key policy names it, and KMS refuses a policy whose principal does not exist)",
            )
    if key is not None and key != CREATE_KEY and triggers.senders():
        yield Prerequisite(
            "triggers.custom_sender_key",
            f"your symmetric KMS key {key}, whose key policy lets cognito-idp.amazonaws.com "
            "kms:Encrypt (aws:SourceAccount this account, aws:SourceArn this pool) and your "
            "senders' execution roles kms:Decrypt (docs/triggers.md, custom senders)",
        )


def render(config: EnvironmentConfig) -> str:
    lines = [f"{config.name} ({config.tier} tier) needs:"]
    lines += [f"  - {p.what}  [{p.key}]" for p in prerequisites(config)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.prerequisites")
    parser.add_argument("--env", action="append", default=[], help="environment (repeatable)")
    parser.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR)
    args = parser.parse_args(argv)
    try:
        names = args.env or known_environments(args.directory)
        configs = load_environments(names, directory=args.directory)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    print("\n\n".join(render(config) for config in configs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
