"""Bad configuration: one message listing every problem by file, key path, value and allowed set."""

from __future__ import annotations

import copy
import re
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from pydantic import BaseModel, ValidationError

from infra.config import ConfigError, load_environment, load_environments
from infra.config.environment import EnvironmentConfig
from infra.config.loader import (
    ENVIRONMENT_NAME_RULE,
    MAX_ENVIRONMENT_NAME_LENGTH,
    known_environments,
)
from infra.config.loader import _problems as loader_problems
from infra.config.regions import user_pool_regions
from tests.conftest import KIT_ENVIRONMENTS_DIR
from tests.yaml_files import dump_yaml, read_yaml

# Seconds of work (property tests): handed to a test worker first (tests/conftest.py).
pytestmark = pytest.mark.costly


def write_env(directory: Path, name: str, data: dict[str, Any] | str) -> Path:
    path = directory / f"{name}.yaml"
    path.write_text(data if isinstance(data, str) else dump_yaml(data, sort_keys=False))
    return path


def kit_file(name: str) -> dict[str, Any]:
    """One of the kit's fixture environment files, as data to modify."""
    data: dict[str, Any] = read_yaml(KIT_ENVIRONMENTS_DIR / f"{name}.yaml")
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
        f"{path}: user_pool.mfa.modee: unknown key; did you mean 'mode'? "
        "allowed keys here: email, mode, relaxed_reason, sms, totp"
    )


def test_wrong_type_is_not_coerced(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["password_policy"] = {"min_length": "14", "require_symbols": "yes"}
    write_env(tmp_path, "dev", data)
    problems = problems_of(tmp_path, "dev")
    path = tmp_path / "dev.yaml"
    assert (
        f"{path}: user_pool.password_policy.min_length: '14': should be a whole number, not "
        "text: remove the quotes"
    ) in problems
    assert (
        f"{path}: user_pool.password_policy.require_symbols: 'yes': should be true or false, "
        "unquoted (not yes/no or quoted text)"
    ) in problems


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
    path = write_env(tmp_path, "staging", data)
    allowed = (
        "is not allowed; allowed: absolute https:// URLs without wildcards or fragments "
        "(http://localhost only in development-tier environments)"
    )
    assert problems_of(tmp_path, "staging") == [
        f"{path}: app_clients.WebApp.callback_urls[0]: 'http://localhost:3000/callback': "
        + allowed,
        f"{path}: app_clients.WebApp.callback_urls[1]: 'http://app.example.com/callback': "
        + allowed,
    ]


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
    path = tmp_path / "prod.yaml"
    problems = problems_of(tmp_path, "prod")
    assert f"{path}: user_pool.email.from_address: not set: sender `ses` needs from_address" in (
        problems
    )
    assert (
        f"{path}: user_pool.email.ses_identity_arn: not set: sender `ses` needs ses_identity_arn"
    ) in problems


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
    assert problem.endswith(
        "prod.yaml: domain.certificate_arn: not set: custom_domain needs certificate_arn (an ACM "
        "certificate in us-east-1)"
    )

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
    path = tmp_path / "prod.yaml"
    assert problems_of(tmp_path, "prod") == [
        f"{path}: account: not set: a production-tier environment must pin its account so that "
        "it cannot be deployed to the wrong place",
        f"{path}: region: not set: a production-tier environment must pin its region so that "
        "it cannot be deployed to the wrong place",
        f"{path}: user_pool.deletion_protection: false: must be true in a production-tier "
        "environment",
        f"{path}: user_pool.removal_policy: 'destroy': must be `retain` in a production-tier "
        "environment",
    ]


@pytest.mark.parametrize(
    ("written", "message"),
    [
        # YAML 1.1 reads a leading zero with digits 0-7 as octal; 8 or 9 make it decimal.
        (
            "033333333333",
            "account: 3681400539: YAML read the unquoted account id as a number, which loses its "
            'leading zeros: write the 12 digits in quotes (account: "0...")',
        ),
        (
            "333333333333",
            'account: 333333333333: an account id is text: quote it (account: "333333333333")',
        ),
        (
            "3333333333333",
            'account: 3333333333333: allowed: 12 digits in quotes (account: "123456789012")',
        ),
    ],
)
def test_an_unquoted_account_id_is_explained_by_what_yaml_read(
    tmp_path: Path, written: str, message: str
) -> None:
    text = (KIT_ENVIRONMENTS_DIR / "strict.yaml").read_text().replace('"333333333333"', written)
    path = write_env(tmp_path, "prod", text)
    assert problems_of(tmp_path, "prod") == [f"{path}: {message}"]


def test_relaxed_mfa_needs_a_reason(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["mfa"] = {"mode": "optional"}
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert problem.endswith(
        "user_pool.mfa.relaxed_reason: not set: mode `optional` needs relaxed_reason: a sentence "
        "saying why this environment does not require MFA (it is the cdk-nag COG2 acknowledgment)"
    )


def test_user_password_auth_needs_a_reason(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["WebApp"]["auth_flows"] = ["user_srp", "user_password"]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert problem.endswith(
        "app_clients.WebApp.user_password_auth_reason: not set: auth flow user_password needs "
        "user_password_auth_reason"
    )


def test_clients_may_not_write_authorisation_attributes(tmp_path: Path) -> None:
    data = kit_file("showcase")
    # WebApp offers every provider: it must also write what they map (given and family name).
    data["app_clients"]["WebApp"]["write_attributes"] = [
        "email",
        "given_name",
        "family_name",
        "custom:tenant_id",
    ]
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
        "app_clients.WebApp.callback_urls[0]",
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
    assert "user_pool.email.sender: 'cognito': production-tier environments must send " in problems
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
    assert "callback_urls[0]: 'com.example.app:/callback': is not allowed; " in problem


def test_a_native_client_is_public(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["app_clients"]["AdminPortal"]["native"] = True
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "native apps cannot keep a secret" in problem


def test_a_password_without_symbols_needs_the_nag_finding_accepted(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["password_policy"] = {"require_symbols": False}
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert "user_pool.password_policy.require_symbols: false fails cdk-nag AwsSolutions-COG1" in (
        problem
    )
    data["acknowledgments"] = [
        {
            "key": "user_pool",
            "rule": "AwsSolutions-COG1",
            "reason": "NIST SP 800-63B-4: length, not composition; 15 characters minimum here",
        }
    ]
    write_env(tmp_path, "dev", data)
    assert load_environment(
        "dev", directory=tmp_path
    ).user_pool.password_policy.require_symbols is (False)


def test_a_group_grant_on_a_whole_bucket_needs_the_nag_finding_accepted(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["groups"]["Admins"]["iam_permissions"] = [
        {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::acme-dev-reports/*"]}
    ]
    write_env(tmp_path, "dev", data)
    [problem] = problems_of(tmp_path, "dev")
    assert problem.startswith(f"{tmp_path / 'dev.yaml'}: user_pool.groups.Admins.iam_permissions: ")
    assert "finding: 'Resource::arn:aws:s3:::acme-dev-reports/*'" in problem


# --- environment names: one rule, said the same way wherever a name is read ------------------


def one_problem(directory: Path, name: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_environment(name, directory=directory)
    [problem] = caught.value.problems
    return f"{problem.file}: {problem.message}" if not problem.path else str(problem)


def test_a_file_whose_name_is_too_long_is_named_with_the_rule(tmp_path: Path) -> None:
    name = "a" * (MAX_ENVIRONMENT_NAME_LENGTH + 1)
    path = write_env(tmp_path, name, kit_file("showcase"))
    assert one_problem(tmp_path, name) == (
        f"{path}: the file name {name!r} is not an environment name (it is 53 characters long); "
        "allowed: a lower-case letter, then lower-case letters, digits and hyphens, at most 52 "
        "characters (it becomes part of stack and resource names); rename the file"
    )


def test_a_name_of_the_longest_allowed_length_loads(tmp_path: Path) -> None:
    name = "a" * MAX_ENVIRONMENT_NAME_LENGTH
    write_env(tmp_path, name, kit_file("showcase"))
    assert load_environment(name, directory=tmp_path).name == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("Prod", "it starts with 'P'"),
        ("my_env", "it contains '_'"),
        ("9lives", "it starts with '9'"),
    ],
)
def test_a_misnamed_file_is_reported_when_listing_environments(
    tmp_path: Path, name: str, reason: str
) -> None:
    write_env(tmp_path, "dev", kit_file("showcase"))
    path = write_env(tmp_path, name, kit_file("showcase"))
    with pytest.raises(ConfigError) as caught:
        known_environments(tmp_path)
    assert [str(p) for p in caught.value.problems] == [
        f"  - {path}: the file name {name!r} is not an environment name ({reason}); allowed: "
        f"{ENVIRONMENT_NAME_RULE}; rename the file"
    ]


def test_an_unknown_name_lists_the_known_ones_and_the_misnamed_files(tmp_path: Path) -> None:
    write_env(tmp_path, "dev", kit_file("showcase"))
    misnamed = write_env(tmp_path, "Staging", kit_file("showcase"))
    with pytest.raises(ConfigError) as caught:
        load_environment("qa", directory=tmp_path)
    assert [f"{p.file}: {p.message}" for p in caught.value.problems] == [
        f"-c env=qa: unknown environment 'qa'; known environments: dev (files in {tmp_path})",
        f"{misnamed}: the file name 'Staging' is not an environment name (it starts with 'S'); "
        f"allowed: {ENVIRONMENT_NAME_RULE}; rename the file",
    ]


def test_a_name_that_breaks_the_rule_says_the_rule(tmp_path: Path) -> None:
    write_env(tmp_path, "dev", kit_file("showcase"))
    assert one_problem(tmp_path, "Dev") == (
        "-c env=Dev: unknown environment 'Dev': not an environment name (it starts with 'D'); "
        f"allowed: {ENVIRONMENT_NAME_RULE}; known environments: dev (files in {tmp_path})"
    )


# --- regions: the runtime's endpoint data, with a suggestion for a near miss -----------------


def test_a_mistyped_region_is_refused_with_the_near_miss(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["region"] = "eu-centrall-1"
    path = write_env(tmp_path, "prod", data)
    assert problems_of(tmp_path, "prod") == [
        f"{path}: region: 'eu-centrall-1': not an AWS region; did you mean 'eu-central-1'? "
        f"(botocore {botocore.__version__}'s endpoint data)"
    ]


def test_a_region_without_user_pools_is_refused(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["region"] = "cn-north-1"
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert problem.split(": ", 1)[1].startswith(
        f"region: 'cn-north-1': Cognito user pools are not available in cn-north-1 (botocore "
        f"{botocore.__version__}'s endpoint data); allowed: af-south-1, ap-east-1, "
    )


def test_region_keys_across_the_model_use_the_region_list(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["email"]["ses_identity_arn"] = data["user_pool"]["email"][
        "ses_identity_arn"
    ].replace(":eu-west-1:", ":eu-wset-1:")
    data["migration"] = {
        "from_user_pool_id": "eu-west-9_AbC123xyz",
        "from_client_id": "abc",
        "region": "euwest-1",
        "attributes": ["email"],
    }
    write_env(tmp_path, "prod", data)
    found = [p.split(": ", 1)[1] for p in problems_of(tmp_path, "prod")]
    source = f"botocore {botocore.__version__}'s endpoint data"
    assert (
        "user_pool.email.ses_identity_arn: 'arn:aws:ses:eu-wset-1:333333333333:identity/example"
        f".com': its region 'eu-wset-1': not an AWS region; did you mean 'eu-west-1'? ({source})"
    ) in found
    assert (
        "migration.from_user_pool_id: 'eu-west-9_AbC123xyz': its region 'eu-west-9': not an "
        f"AWS region; did you mean 'eu-west-3'? ({source})"
    ) in found
    assert (
        f"migration.region: 'euwest-1': not an AWS region; did you mean 'eu-west-1'? ({source})"
    ) in found


def test_the_region_list_is_botocore_s() -> None:
    # Cross-checked through botocore's public API: the regions where it has user pool endpoints.
    session = botocore.session.get_session()
    expected = {
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("cognito-idp", partition)
    }
    assert set(user_pool_regions()) == expected
    assert {"eu-central-1", "us-east-1", "us-gov-west-1"} <= expected


# --- messages in YAML words, with "did you mean" ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            ("user_pool", "sign_in_identifiers"),
            "email",
            "user_pool.sign_in_identifiers: 'email': should be a list (lines starting with "
            "'- ', or [a, b]), not a single value: write [email] for one item",
        ),
        (
            ("tags",),
            ["team"],
            "tags: [team]: should be a mapping (key: value lines, or {key: value}), not a list: "
            "remove the '- ' in front of the keys",
        ),
        (
            ("user_pool", "mfa"),
            "required",
            "user_pool.mfa: 'required': should be a mapping (key: value lines, or "
            "{key: value}), not text",
        ),
        (
            ("user_pool", "password_policy", "min_length"),
            14.5,
            "user_pool.password_policy.min_length: 14.5: should be a whole number, not a number",
        ),
        (
            ("user_pool", "mfa", "totp"),
            "on",
            "user_pool.mfa.totp: 'on': should be true or false, unquoted (not yes/no or quoted "
            "text)",
        ),
        (
            ("owner",),
            True,
            "owner: true: should be text, not true/false: quote it (YAML reads unquoted yes, no, "
            "on, off, true and false as true/false)",
        ),
        (("owner",), "", "owner: '': should not be empty"),
        (
            ("user_pool", "name"),
            "p" * 129,
            f"user_pool.name: '{'p' * 76}... (129 characters): should have at most 128 "
            "characters (it has 129)",
        ),
        (
            ("project",),
            "Acme",
            "project: 'Acme': has the wrong format; allowed: 3-32 lower-case letters, digits and "
            "hyphens, starting with a letter and not ending with a hyphen",
        ),
        (
            ("user_pool", "sign_in_identifiers"),
            [],
            "user_pool.sign_in_identifiers: []: should have at least 1 item (it has 0)",
        ),
        (
            ("user_pool", "password_policy", "min_length"),
            6,
            "user_pool.password_policy.min_length: 6: should be 8 or more",
        ),
        (
            ("app_clients", "WebApp", "access_token_validity_minutes"),
            5000,
            "app_clients.WebApp.access_token_validity_minutes: 5000: should be 1440 or less",
        ),
        (
            ("user_pool", "threat_protection", "mode"),
            False,
            "user_pool.threat_protection.mode: false: YAML reads unquoted off as false: write "
            "'off' in quotes; allowed: 'off', audit, enforced",
        ),
        (
            ("user_pool", "threat_protection", "mode"),
            "enforce",
            "user_pool.threat_protection.mode: 'enforce': did you mean 'enforced'? allowed: "
            "'off', audit, enforced",
        ),
        (
            ("identity_providers", "Apple", "type"),
            "appel",
            "identity_providers.Apple.type: 'appel': unknown type; did you mean 'apple'? "
            "allowed: google, facebook, apple, saml, oidc",
        ),
        (
            ("user_pool", "standard_attributes", "emial"),
            {"required": True},
            "user_pool.standard_attributes.emial: 'emial': invalid key: did you mean 'email'? "
            "allowed: address, birthdate, email, family_name, gender, given_name, locale, "
            "middle_name, name, nickname, phone_number, picture, preferred_username, profile, "
            "updated_at, website, zoneinfo",
        ),
    ],
)
def test_type_errors_speak_yaml(
    tmp_path: Path, key: tuple[str, ...], value: Any, message: str
) -> None:
    data = kit_file("showcase")
    node = data
    for part in key[:-1]:
        node = node.setdefault(part, {})
    node[key[-1]] = value
    path = write_env(tmp_path, "dev", data)
    assert f"{path}: {message}" in problems_of(tmp_path, "dev")


def test_an_unknown_key_suggests_the_near_miss(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["self_signup"] = data["user_pool"].pop("self_sign_up", True)
    path = write_env(tmp_path, "dev", data)
    assert problems_of(tmp_path, "dev") == [
        f"{path}: user_pool.self_signup: unknown key; did you mean 'self_sign_up'? allowed keys "
        "here: account_recovery, custom_attributes, deletion_protection, device_tracking, email, "
        "feature_plan, federated_sign_up, federated_sign_up_reason, groups, messages, mfa, name, "
        "password_policy, removal_policy, self_sign_up, sign_in, sign_in_identifiers, "
        "standard_attributes, threat_protection"
    ]


def test_an_unknown_key_far_from_any_gets_no_suggestion(tmp_path: Path) -> None:
    data = kit_file("showcase")
    data["user_pool"]["mfa"]["colour"] = "blue"
    path = write_env(tmp_path, "dev", data)
    assert problems_of(tmp_path, "dev") == [
        f"{path}: user_pool.mfa.colour: unknown key; allowed keys here: email, mode, "
        "relaxed_reason, sms, totp"
    ]


def test_a_provider_without_a_type_lists_the_types(tmp_path: Path) -> None:
    data = kit_file("showcase")
    del data["identity_providers"]["Facebook"]["type"]
    path = write_env(tmp_path, "dev", data)
    assert problems_of(tmp_path, "dev") == [
        f"{path}: identity_providers.Facebook.type: required key is missing; allowed: google, "
        "facebook, apple, saml, oidc"
    ]


def test_no_message_speaks_pydantic() -> None:
    # Every key of the model, given values of every YAML kind: whatever pydantic says about
    # them reaches the user in YAML words (a new key or error type that does not fails here).
    pydantic_words = re.compile(
        r"Input should|valid (tuple|dictionary|integer|boolean|string)|String should|"
        r"Field required|Extra inputs|Tuple should|List should|object to extract|instance of"
    )
    base = {**kit_file("showcase"), "name": "dev"}
    context = {"tier": "development", "directory": str(KIT_ENVIRONMENTS_DIR)}
    for key in model_keys(EnvironmentConfig, base, ()):
        for value in ("", 7, 1.5, True, None, ["x"], {"x": 1}):
            data = copy.deepcopy(base)
            if not set_key(data, key, value):
                continue
            try:
                EnvironmentConfig.model_validate(data, context=context)
            except ValidationError as error:
                problems = [p for d in error.errors() for p in loader_problems("dev.yaml", d)]
                spoken = [str(p) for p in problems if pydantic_words.search(p.message)]
                assert not spoken, (key, value, spoken)


def model_keys(
    model: type[BaseModel], data: Any, prefix: tuple[str, ...]
) -> Iterator[tuple[str, ...]]:
    """Every key of `model` below `prefix`, descending into sections present in `data`."""
    for name, field in model.model_fields.items():
        if model is EnvironmentConfig and name == "name":
            continue
        yield (*prefix, name)
        annotation = field.annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        inner = (
            args[0] if typing.get_origin(annotation) is not None and len(args) == 1 else annotation
        )
        value = data.get(name) if isinstance(data, dict) else None
        if isinstance(inner, type) and issubclass(inner, BaseModel) and isinstance(value, dict):
            yield from model_keys(inner, value, (*prefix, name))


def set_key(data: dict[str, Any], key: tuple[str, ...], value: Any) -> bool:
    node = data
    for part in key[:-1]:
        if not isinstance(node.get(part), dict):
            return False
        node = node[part]
    node[key[-1]] = value
    return True


# --- problems found by model validators: each at its own key ----------------------------------


def test_each_problem_of_a_section_is_reported_at_its_own_key(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"].update(
        deletion_protection=False,
        removal_policy="destroy",
        federated_sign_up_reason="partners sign up through their own IdP",
    )
    path = write_env(tmp_path, "prod", data)
    assert problems_of(tmp_path, "prod") == [
        f"{path}: user_pool.federated_sign_up_reason: 'partners sign up through their own IdP': "
        "only applies to federated_sign_up `open` with self_sign_up off",
        f"{path}: user_pool.deletion_protection: false: must be true in a production-tier "
        "environment",
        f"{path}: user_pool.removal_policy: 'destroy': must be `retain` in a production-tier "
        "environment",
    ]


def test_a_problem_of_a_list_item_names_the_item(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["user_pool"]["threat_protection"]["ip_ranges"] = {
        "always_block": ["203.0.113.0/24", "198.51.100.7/24"]
    }
    path = write_env(tmp_path, "prod", data)
    assert problems_of(tmp_path, "prod") == [
        f"{path}: user_pool.threat_protection.ip_ranges.always_block[1]: '198.51.100.7/24': "
        "198.51.100.7/24 has host bits set; allowed: CIDR blocks like 203.0.113.0/24"
    ]


def test_the_documented_name_rule_is_the_code_s() -> None:
    root = Path(__file__).resolve().parents[2]
    for doc in ("README.md", "docs/environments.md", "docs/configuration.md"):
        text = " ".join((root / doc).read_text().split())
        assert (
            "a lower-case letter, then lower-case letters, digits and hyphens, at most "
            f"{MAX_ENVIRONMENT_NAME_LENGTH} characters"
        ) in text, doc


def test_a_missing_choice_lists_the_choices(tmp_path: Path) -> None:
    data = kit_file("showcase")
    del data["app_clients"]["WebApp"]["kind"]
    path = write_env(tmp_path, "dev", data)
    assert problems_of(tmp_path, "dev") == [
        f"{path}: app_clients.WebApp.kind: required key is missing; allowed: public, "
        "confidential, machine"
    ]


def test_logs_kept_under_a_year_need_control_towers_finding_accepted(tmp_path: Path) -> None:
    data = kit_file("strict")
    data["triggers"]["log_retention_days"] = 90
    write_env(tmp_path, "prod", data)
    [problem] = problems_of(tmp_path, "prod")
    assert "triggers.log_retention_days: 90 days is below the year" in problem
    assert "CT.CLOUDWATCH.PR.2" in problem
    assert "{key: triggers, rule: CT.CLOUDWATCH.PR.2, reason: ...}" in problem
    data["acknowledgments"] = [
        {
            "key": "triggers",
            "rule": "CT.CLOUDWATCH.PR.2",
            "reason": "trigger logs are shipped to the SIEM, which keeps them for seven years",
        }
    ]
    write_env(tmp_path, "prod", data)
    assert load_environment("prod", directory=tmp_path).triggers.log_retention_days == 90
