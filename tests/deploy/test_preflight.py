"""The checks before deploy, diff and destroy: each refusal is one line, before the CDK CLI."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pytest
from moto import mock_aws

from infra.config.loader import ENVIRONMENT_NAME_RULE
from infra.deploy.__main__ import main
from infra.deploy.preflight import Action, PreflightError, preflight, stage_selector

DEVELOPMENT = (
    "tier: development\nowner: team\nuser_pool: {feature_plan: plus}\n"
    "domain: {prefix: kit-dev-signin}\n"
)
PRODUCTION = (
    'tier: production\naccount: "123456789012"\nregion: eu-west-1\nowner: team\n'
    "user_pool:\n  feature_plan: plus\n  email:\n    sender: ses\n    from_address: a@example.com\n"
    "    ses_identity_arn: arn:aws:ses:eu-west-1:123456789012:identity/example.com\n"
    "domain: {prefix: kit-prod-signin}\n"
)


@pytest.fixture
def environments(tmp_path: Path) -> Path:
    (tmp_path / "sandbox.yaml").write_text(DEVELOPMENT)
    (tmp_path / "live.yaml").write_text(PRODUCTION)
    return tmp_path


@pytest.fixture
def no_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", raising=False)
    monkeypatch.delenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", raising=False)


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch, no_credentials: None) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


def session() -> Any:
    return botocore.session.Session()


def test_the_selector_names_every_stack_of_the_stage() -> None:
    assert stage_selector("sandbox") == "sandbox/*"


@pytest.mark.parametrize("name", ["", None])
def test_an_empty_environment_name_is_refused_with_the_known_names(
    environments: Path, name: str | None
) -> None:
    with pytest.raises(PreflightError, match=r"ENV is empty.*known: live, sandbox"):
        preflight(name, Action.DEPLOY, directory=environments, session_factory=session)


def test_a_name_without_a_file_is_refused_with_the_known_names(environments: Path) -> None:
    with pytest.raises(PreflightError) as raised:
        preflight("qa", Action.DIFF, directory=environments, session_factory=session)
    assert str(raised.value) == (
        f"ENV=qa: unknown environment 'qa'; known environments: live, sandbox (files in "
        f"{environments})"
    )


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../sandbox", "it starts with '.'"),
        ("Sandbox", "it starts with 'S'"),
        ("sand_box", "it contains '_'"),
        ("s" * 53, "it is 53 characters long"),
    ],
)
def test_a_name_that_breaks_the_rule_is_refused_with_the_rule(
    environments: Path, name: str, reason: str
) -> None:
    with pytest.raises(PreflightError) as raised:
        preflight(name, Action.DIFF, directory=environments, session_factory=session)
    assert str(raised.value) == (
        f"ENV={name}: unknown environment {name!r}: not an environment name ({reason}); "
        f"allowed: {ENVIRONMENT_NAME_RULE}; known environments: live, sandbox (files in "
        f"{environments})"
    )


def test_a_file_whose_name_breaks_the_rule_is_named_not_called_unknown(
    environments: Path,
) -> None:
    name = "sandbox-for-the-customer-onboarding-team-in-frankfurt-1"
    (environments / f"{name}.yaml").write_text(DEVELOPMENT)
    with pytest.raises(PreflightError) as raised:
        preflight(name, Action.DEPLOY, directory=environments, session_factory=session)
    assert str(raised.value) == (
        f"{environments / name}.yaml: the file name {name!r} is not an environment name (it is "
        f"{len(name)} characters long); allowed: {ENVIRONMENT_NAME_RULE}; rename the file"
    )


def test_a_broken_environment_file_is_reported_before_credentials(
    environments: Path, no_credentials: None
) -> None:
    (environments / "sandbox.yaml").write_text(DEVELOPMENT + "surprise: 1\n")
    with pytest.raises(PreflightError, match=r"surprise: unknown key"):
        preflight("sandbox", Action.DEPLOY, directory=environments, session_factory=session)


@pytest.mark.parametrize("action", list(Action))
def test_without_credentials_every_action_stops_with_how_to_supply_them(
    environments: Path, no_credentials: None, action: Action
) -> None:
    with pytest.raises(PreflightError) as raised:
        preflight("sandbox", action, directory=environments, session_factory=session)
    message = str(raised.value)
    assert message.startswith("no AWS credentials found")
    assert "AWS_PROFILE" in message
    assert "\n" not in message


def test_a_production_tier_environment_is_never_destroyed(
    environments: Path, fake_credentials: None
) -> None:
    with mock_aws(), pytest.raises(PreflightError, match="refusing to destroy live"):
        preflight("live", Action.DESTROY, directory=environments, session_factory=session)


def test_credentials_of_another_account_are_refused(
    environments: Path, fake_credentials: None
) -> None:
    # moto's default account is 123456789012; the file pins it, so use another one.
    (environments / "live.yaml").write_text(PRODUCTION.replace("123456789012", "210987654321"))
    with (
        mock_aws(),
        pytest.raises(PreflightError, match=r"pins account 210987654321.*123456789012"),
    ):
        preflight("live", Action.DEPLOY, directory=environments, session_factory=session)


def test_matching_credentials_pass_and_name_the_target(
    environments: Path, fake_credentials: None
) -> None:
    with mock_aws():
        target = preflight("live", Action.DEPLOY, directory=environments, session_factory=session)
    assert (target.account, target.region) == ("123456789012", "eu-west-1")
    assert target.describe(Action.DEPLOY).startswith(
        "preflight: deploy live (production tier) in account 123456789012, region eu-west-1"
    )


def test_an_environment_without_a_region_needs_one_from_the_credentials(
    environments: Path, fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with mock_aws(), pytest.raises(PreflightError, match="no AWS region: sandbox does not pin"):
        preflight("sandbox", Action.DEPLOY, directory=environments, session_factory=session)


def test_the_command_line_prints_one_line_and_exits_2(
    environments: Path, no_credentials: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["preflight", "--env", "sandbox", "--action", "deploy", "--directory", str(environments)]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("preflight: no AWS credentials found")
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_aws_region_alone_is_the_region_as_for_the_cdk_cli(
    environments: Path, fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # botocore reads AWS_DEFAULT_REGION and the profile, never AWS_REGION; the CLI reads it first.
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_aws():
        target = preflight(
            "sandbox", Action.DEPLOY, directory=environments, session_factory=session
        )
    assert target.region == "eu-west-1"


def test_aws_region_wins_over_aws_default_region(
    environments: Path, fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    with mock_aws():
        target = preflight(
            "sandbox", Action.DEPLOY, directory=environments, session_factory=session
        )
    assert target.region == "eu-central-1"


def test_the_profile_s_region_is_used_when_no_variable_is_set(
    environments: Path, fake_credentials: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    config = tmp_path / "aws-config"
    config.write_text("[default]\nregion = ap-southeast-2\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with mock_aws():
        target = preflight(
            "sandbox", Action.DEPLOY, directory=environments, session_factory=session
        )
    assert target.region == "ap-southeast-2"


def test_a_mistyped_aws_region_is_refused_with_a_suggestion(
    environments: Path, fake_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-centrall-1")
    with mock_aws(), pytest.raises(PreflightError) as raised:
        preflight("sandbox", Action.DEPLOY, directory=environments, session_factory=session)
    assert str(raised.value) == (
        "AWS_REGION 'eu-centrall-1': not an AWS region; did you mean 'eu-central-1'? "
        f"(botocore {botocore.__version__}'s endpoint data)"
    )
