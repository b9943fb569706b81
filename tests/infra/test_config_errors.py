"""Bad configuration: one message listing every problem by file, key path, value and allowed set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from infra.config import ConfigError, load_environment, load_environments
from tests.conftest import KIT_ENVIRONMENTS_DIR


def write_env(directory: Path, name: str, data: dict[str, Any] | str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


def kit_file(name: str) -> dict[str, Any]:
    """One of the kit's fixture environment files, as data to modify."""
    data: dict[str, Any] = yaml.safe_load((KIT_ENVIRONMENTS_DIR / f"{name}.yaml").read_text())
    return data


def problems_of(directory: Path, name: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_environment(name, directory=directory)
    return [f"{p.file}: {p.path}: {p.message}" for p in caught.value.problems]


def test_unknown_environment_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        load_environments(["no-such-env"], directory=KIT_ENVIRONMENTS_DIR)
    message = str(caught.value)
    assert "unknown environment 'no-such-env'" in message
    assert "known environments: minimal, relaxed, showcase, strict" in message


@pytest.mark.parametrize("name", ["../etc/passwd", "Prod", "dev.yaml", ""])
def test_environment_names_cannot_escape_the_directory(name: str) -> None:
    with pytest.raises(ConfigError, match="unknown environment"):
        load_environment(name)


def test_unknown_key_names_file_path_and_allowed_keys(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["mfa"]["modee"] = "required"
    path = write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert problem == (
        f"{path}: user_pool.mfa.modee: unknown key; "
        "allowed keys here: email, mode, relaxed_reason, sms, totp"
    )


def test_wrong_type_is_not_coerced(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["password_policy"] = {"min_length": "14", "require_symbols": "yes"}
    write_env(tmp_path, "dev", data)
    problems = problems_of(tmp_path, "dev")
    assert any(
        "user_pool.password_policy.min_length: '14': Input should be a valid integer" in p
        for p in problems
    )
    assert any(
        "user_pool.password_policy.require_symbols: 'yes': Input should be a valid boolean" in p
        for p in problems
    )


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("My_Domain", "lowercase letters, digits and hyphens"),
        ("-leading", "lowercase letters, digits and hyphens"),
        ("acme-cognito-login", "Cognito refuses prefixes containing cognito"),
        ("aws-login", "Cognito refuses prefixes containing aws"),
        ("x" * 64, "1-63"),
    ],
)
def test_invalid_domain_prefix(tmp_path: Path, prefix: str, reason: str) -> None:
    data = kit_file("showcase")
    data["domain"]["prefix"] = prefix
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "domain.prefix: " in problem
    assert reason in problem


def test_http_callback_is_refused_outside_development(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["app_clients"]["WebApp"]["callback_urls"] = [
        "http://localhost:3000/callback",
        "http://app.example.com/callback",
    ]
    write_env(tmp_path, "staging", data)
    [problem] = problems_of(tmp_path, "staging")
    assert "app_clients.WebApp.callback_urls" in problem
    assert "'http://localhost:3000/callback' is not allowed" in problem
    assert "'http://app.example.com/callback' is not allowed" in problem
    assert "http://localhost only in development-tier environments" in problem


def test_localhost_callback_is_allowed_in_development(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["WebApp"]["callback_urls"] = ["http://localhost:5173/"]
    write_env(tmp_path, "dev", data)
    config = load_environment("dev", directory=tmp_path)
    assert config.app_clients["WebApp"].callback_urls == ("http://localhost:5173/",)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://app.dev.example.com/cb", "is not allowed"),
        ("https://*.example.com/cb", "contains a wildcard"),
        ("https://example.com", "the CDK's placeholder callback"),
        ("https://app.example.com/#token", "has a #fragment"),
        ("myapp://callback", "is not allowed"),
    ],
)
def test_bad_redirect_urls_even_in_development(tmp_path: Path, url: str, reason: str) -> None:
    data = kit_file("showcase")
    data["app_clients"]["WebApp"]["logout_urls"] = [url]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "app_clients.WebApp.logout_urls" in problem
    assert reason in problem


def test_ses_sender_needs_its_identity(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["email"] = {"sender": "ses"}
    write_env(tmp_path, "prod", data)
    problems = problems_of(tmp_path, "prod")
    assert any(
        "user_pool.email: " in p and "sender `ses` needs from_address and ses_identity_arn" in p
        for p in problems
    )


def test_production_tier_refuses_the_cognito_sender(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["email"] = {"sender": "cognito"}
    write_env(tmp_path, "prod", data)
    problems = problems_of(tmp_path, "prod")
    assert any("must send email through SES" in p for p in problems)


def test_custom_domain_needs_a_us_east_1_certificate(tmp_path: Path) -> None:
    data = kit_file("strict")
    del data["domain"]["certificate_arn"]
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "domain: " in problem
    assert "custom_domain needs certificate_arn" in problem

    data["domain"]["certificate_arn"] = (
        "arn:aws:acm:eu-west-1:333333333333:certificate/11111111-2222-3333-4444-555555555555"
    )
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "domain.certificate_arn: " in problem
    assert "needs one in us-east-1" in problem


def test_production_tier_must_pin_account_and_region_and_keep_the_pool(tmp_path: Path) -> None:
    data = kit_file("strict")
    del data["account"]
    del data["region"]
    data["user_pool"]["removal_policy"] = "destroy"
    data["user_pool"]["deletion_protection"] = False
    write_env(tmp_path, "prod", data)
    problems = "\n".join(problems_of(tmp_path, "prod"))
    assert "account: not set: a production-tier environment must pin its account" in problems
    assert "region: not set: a production-tier environment must pin its region" in problems
    assert "deletion_protection must be true in a production-tier environment" in problems
    assert "removal_policy must be `retain` in a production-tier environment" in problems


def test_unquoted_account_id_is_explained(tmp_path: Path) -> None:
    text = (
        (KIT_ENVIRONMENTS_DIR / "strict.yaml").read_text().replace('"333333333333"', "033333333333")
    )
    write_env(tmp_path, "prod", text)
    [problem] = problems_of(tmp_path, "prod")
    assert "account: " in problem
    assert "quoted string" in problem


def test_relaxed_mfa_needs_a_reason(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["mfa"] = {"mode": "optional"}
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "user_pool.mfa: mode `optional` needs relaxed_reason" in problem


def test_user_password_auth_needs_a_reason(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["WebApp"]["auth_flows"] = ["user_srp", "user_password"]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "app_clients.WebApp: " in problem
    assert "user_password needs user_password_auth_reason" in problem


def test_clients_may_not_write_authorisation_attributes(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["WebApp"]["write_attributes"] = ["email", "custom:tenant_id"]
    write_env(tmp_path, "dev", data)
    problem, *consequences = problems_of(tmp_path, "dev")
    assert "app_clients.WebApp.write_attributes: ['custom:tenant_id'] may not be written" in problem
    assert "custom:newsletter" in problem  # the allowed list names what is writable
    # ...and every claim and session tag read from it says who could then set it.
    assert len(consequences) == 3
    assert all("'custom:tenant_id' can be set by app client WebApp" in p for p in consequences)


def test_unknown_custom_scope_lists_the_defined_ones(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["OrdersWorker"]["scopes"] = ["orders/delete"]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "OrdersWorker.scopes: ['orders/delete'] are not defined" in problem
    assert "orders/read" in problem


def test_duplicate_yaml_key_is_an_error_not_a_silent_override(tmp_path: Path) -> None:
    text = (KIT_ENVIRONMENTS_DIR / "showcase.yaml").read_text() + "\nowner: someone-else\n"
    path = write_env(tmp_path, "dev", text)
    [problem] = problems_of(tmp_path, "dev")
    assert problem.startswith(f"{path}: : invalid YAML at line")
    assert "duplicate key 'owner'" in problem


def test_invalid_yaml_reports_the_position(tmp_path: Path) -> None:
    write_env(tmp_path, "dev", "owner: [unclosed\n")
    [problem] = problems_of(tmp_path, "dev")
    assert "invalid YAML at line 2" in problem


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = kit_file("relaxed")
    data["colour"] = "blue"
    data["domain"]["prefix"] = "Bad_Prefix"
    data["app_clients"]["WebApp"]["callback_urls"] = ["http://app.example.com/"]
    data["user_pool"]["password_policy"] = {"min_length": 6}
    data["user_pool"]["email"]["sender"] = "carrier-pigeon"
    write_env(tmp_path, "staging", data)
    problems = problems_of(tmp_path, "staging")
    paths = {p.split(": ")[1] for p in problems}
    assert paths == {
        "colour",
        "domain.prefix",
        "app_clients.WebApp.callback_urls",
        "user_pool.password_policy.min_length",
        "user_pool.email.sender",
    }


def test_reference_errors_are_reported_beside_type_errors_of_other_sections(
    tmp_path: Path,
) -> None:
    data = kit_file("showcase")
    data["user_pool"]["password_policy"] = {"min_length": "long"}
    data["app_clients"]["OrdersWorker"]["scopes"] = ["orders/delete"]
    data["triggers"]["post_confirmation"]["default_group"] = "Nobody"
    write_env(tmp_path, "dev", data)
    problems = problems_of(tmp_path, "dev")
    paths = [p.split(": ")[1] for p in problems]
    assert paths[0] == "user_pool.password_policy.min_length"
    # The user pool failed, so checks that read it are skipped; the others still run.
    assert "app_clients.OrdersWorker.scopes" in paths
    assert "triggers.post_confirmation.default_group" not in paths


def test_problems_across_environments_are_collected_together(tmp_path: Path) -> None:
    dev, prod = kit_file("showcase"), kit_file("strict")
    dev["owner"] = 42
    prod["owner"] = ""
    write_env(tmp_path, "dev", dev)
    write_env(tmp_path, "prod", prod)
    with pytest.raises(ConfigError) as caught:
        load_environments(["dev", "prod"], directory=tmp_path)
    files = [Path(p.file).name for p in caught.value.problems]
    assert files == ["dev.yaml", "prod.yaml"]
    assert str(caught.value).startswith("Configuration error (2 problems):")


def test_omitted_sections_are_validated_with_the_tier(tmp_path: Path) -> None:
    write_env(tmp_path, "qa", {"owner": "team", "domain": {"prefix": "acme-qa"}})
    problems = "\n".join(problems_of(tmp_path, "qa"))
    assert "user_pool.email: " in problems
    assert "must send email through SES" in problems
    assert "account: not set" in problems

    write_env(
        tmp_path,
        "sandbox",
        {
            "tier": "development",
            "owner": "team",
            "domain": {"prefix": "acme-sandbox"},
            "user_pool": {
                "mfa": {"mode": "optional", "relaxed_reason": "sandbox for demos"},
                "threat_protection": {"mode": "off", "relaxed_reason": "sandbox for demos"},
            },
        },
    )
    config = load_environment("sandbox", directory=tmp_path)
    assert config.user_pool.email.sender == "cognito"
    assert config.user_pool.standard_attributes["email"].required is True


@pytest.mark.parametrize(
    ("prefix", "reason"),
    [
        ("a-{account}-{account}", "use {account} at most once"),
        ("x" * 52 + "-{account}", "the 12 digits of the account id count"),
        ("{account}-", "not starting or ending with a hyphen"),
    ],
)
def test_the_account_placeholder_is_checked_as_deployed(
    tmp_path: Path, prefix: str, reason: str
) -> None:
    data = kit_file("showcase")
    data["domain"]["prefix"] = prefix
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "domain.prefix: " in problem
    assert reason in problem


def test_the_account_placeholder_fits_when_the_prefix_does(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["domain"]["prefix"] = "x" * 50 + "-{account}"
    # Passkeys would take this domain as relying party: too long for one (test_sign_in_config).
    data["user_pool"].pop("sign_in")
    write_env(tmp_path, "dev", data)
    assert load_environment("dev", directory=tmp_path).domain.prefix == "x" * 50 + "-{account}"


@pytest.mark.parametrize(
    ("entry", "path", "message"),
    [
        (
            {"key": "app_clients.Nobody", "rule": "AwsSolutions-IAM5", "reason": "x" * 20},
            "acknowledgments[0].key",
            "'app_clients.Nobody' creates no resource in this environment; allowed: ",
        ),
        (
            {"key": "identity_pool", "rule": "IAM5", "reason": "x" * 20},
            "acknowledgments[0].rule",
            "has the wrong format",
        ),
        (
            {"key": "identity_pool", "rule": "AwsSolutions-IAM5", "reason": "because"},
            "acknowledgments[0].reason",
            "at least 20 characters",
        ),
    ],
)
def test_acknowledgments_name_a_key_with_resources_a_rule_and_a_reason(
    tmp_path: Path, entry: dict[str, str], path: str, message: str
) -> None:
    data = kit_file("showcase")
    data["acknowledgments"] = [entry]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert f": {path}: " in problem
    assert message in problem


NATIVE_OK = ["com.example.app:/callback", "com.example.app://callback", "http://127.0.0.1:8765/cb"]
NATIVE_REFUSED = [
    ("myapp://callback", "is not allowed"),  # not a reverse domain: any app may claim it
    ("javascript:alert(1)", "is not allowed"),
    ("data:text/html,hi", "is not allowed"),
    ("http://127.0.0.1/cb", "is not allowed"),  # loopback needs its port
    ("http://localhost:8765/cb", "is not allowed"),  # RFC 8252 8.3: may resolve elsewhere
    ("com.example.app:/*", "contains a wildcard"),
    ("com.example.app://user@host/cb", "is not allowed"),
]


@pytest.mark.parametrize("url", NATIVE_OK)
def test_a_native_client_may_redirect_to_its_app(tmp_path: Path, url: str) -> None:
    data = kit_file("strict")
    data["app_clients"]["WebApp"].update(native=True, callback_urls=[url])
    write_env(tmp_path, "prod", data)
    assert load_environment("prod", directory=tmp_path).app_clients["WebApp"].callback_urls == (
        url,
    )


@pytest.mark.parametrize(("url", "reason"), NATIVE_REFUSED)
def test_a_native_client_still_refuses_unsafe_redirects(
    tmp_path: Path, url: str, reason: str
) -> None:
    data = kit_file("strict")
    data["app_clients"]["WebApp"].update(native=True, callback_urls=[url])
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "app_clients.WebApp.callback_urls" in problem
    assert reason in problem


def test_app_redirects_need_a_native_client(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["app_clients"]["WebApp"]["callback_urls"] = ["com.example.app:/callback"]
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "'com.example.app:/callback' is not allowed" in problem


def test_a_native_client_is_public(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["AdminPortal"]["native"] = True
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "native apps cannot keep a secret" in problem
