"""What an environment needs before its first deploy, derived from its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra.config import EnvironmentConfig, load_environment
from infra.prerequisites import main, prerequisites
from tests.conftest import KIT_ENVIRONMENTS_DIR
from tests.infra.test_config_errors import kit_file, write_env
from tests.infra.test_sign_in_config import SPEND_GUARD, every_factor


def keys(config: EnvironmentConfig) -> list[str]:
    return [p.key for p in prerequisites(config)]


def test_an_environment_without_external_dependencies_needs_only_a_bootstrap(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    [only] = prerequisites(kit_configs["minimal"])
    assert only.key == "account/region"
    assert "cdk bootstrap aws://<account>/<region>" in only.what


def test_every_secret_metadata_url_issuer_and_bucket_is_listed(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    showcase = kit_configs["showcase"]
    listed = keys(showcase)
    for provider_id, provider in showcase.identity_providers.items():
        assert f"identity_providers.{provider_id}" in listed
        secret = {"apple": "private_key", "saml": None}.get(provider.type, "client_secret")
        if secret:
            assert f"identity_providers.{provider_id}.{secret}" in listed
    assert "identity_providers.CorporateSso.metadata_url" in listed
    assert "identity_providers.PartnerLogin.issuer_url" in listed
    assert "identity_pool.user_files.bucket_name" in listed
    [saml] = [p for p in prerequisites(showcase) if p.key == "identity_providers.CorporateSso"]
    assert "saml2/idpresponse" in saml.what


def test_production_needs_ses_certificate_and_parent_dns(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    strict = kit_configs["strict"]
    listed = {p.key: p.what for p in prerequisites(strict)}
    assert "cdk bootstrap aws://333333333333/eu-west-1" in listed["account/region"]
    identity = str(strict.user_pool.email.ses_identity_arn)
    assert identity in listed["user_pool.email.ses_identity_arn"]
    assert "cognito-mail" in listed["user_pool.email.configuration_set"]
    assert "us-east-1" in listed["domain.certificate_arn"]
    assert "parent domain example.com" in listed["domain.custom_domain"]


def test_the_command_prints_each_environment_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--env", "minimal", "--env", "strict", "--directory", str(KIT_ENVIRONMENTS_DIR)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("minimal (development tier) needs:")
    assert "\n\nstrict (production tier) needs:" in out


def test_an_unknown_environment_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--env", "nope", "--directory", str(KIT_ENVIRONMENTS_DIR)]) == 2
    assert "unknown environment 'nope'" in capsys.readouterr().err


def test_a_migration_lists_what_must_be_checked_in_the_old_pool(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    listed = {p.key: p.what for p in prerequisites(kit_configs["relaxed"])}
    assert "ALLOW_ADMIN_USER_PASSWORD_AUTH" in listed["migration.from_client_id"]
    tenant = listed["migration.protected_in_old_pool.custom:tenant_id"]
    assert tenant.startswith("proof that no user could set custom:tenant_id in eu-west-1_OldPool01")
    assert "WriteAttributes" in tenant
    assert "migration.protected_in_old_pool.email_verified" in listed


def test_the_team_s_functions_and_the_senders_roles_are_listed(
    kit_configs: dict[str, EnvironmentConfig],
) -> None:
    listed = {p.key: p.what for p in prerequisites(kit_configs["showcase"])}
    gate = listed["triggers.pre_authentication.function_arn"]
    assert "function:acme-showcase-tenant-gate" in gate
    assert "never creates" in gate
    assert "triggers.custom_email_sender.function_arn" in listed
    role = listed["triggers.custom_sms_sender.decrypt_role_arn"]
    assert "role/acme-showcase-sms" in role
    assert "triggers.custom_sender_key" not in listed  # created by the kit


def test_sms_codes_list_the_spend_guard_the_file_names(tmp_path: Path) -> None:
    write_env(tmp_path, "dev", every_factor(kit_file("showcase")))
    config = load_environment("dev", directory=tmp_path)
    found = {p.key: p.what for p in prerequisites(config)}
    guard = found["user_pool.sign_in.sms_spend_guard"]
    assert SPEND_GUARD in guard
    assert "SNS SMS sandbox" in guard


def test_a_replica_needs_its_region_bootstrapped_and_its_sender_and_functions_there() -> None:
    config = load_environment("multiregion", directory=KIT_ENVIRONMENTS_DIR.parent / "multi-region")
    listed = {p.key: p.what for p in prerequisites(config)}
    where = "multi_region.replicas.eu-central-1"
    assert "cdk bootstrap aws://333333333333/eu-central-1" in listed[where]
    assert (
        "arn:aws:ses:eu-central-1:333333333333:identity/example.com"
        in listed[f"{where}.email.ses_identity_arn"]
    )
    assert "cognito-mail-eu-central-1 in eu-central-1" in listed[f"{where}.email.configuration_set"]
    # The primary's {region} names the replica's Region there.
    function = "arn:aws:lambda:eu-central-1:{account}:function:acme-pre-authentication"
    assert listed[f"{where}.functions.pre_authentication"] == (
        f"your Lambda function {function} in eu-central-1"
    )
    assert "multi_region.key" not in listed  # created by the kit
