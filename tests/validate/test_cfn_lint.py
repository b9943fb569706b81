"""cfn-lint: command line, output parsing, regions, and one real run on two small templates."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from infra.validate import cfn_lint, processes
from infra.validate.assembly import stack_templates
from infra.validate.findings import TemplateIndex
from infra.validate.run import DEFAULT_CFN_LINT_CONFIG, ROOT

from .builders import STEMS, fake_tool, fixture, write_assembly

GROUP = "AdminsGroup4D6A2F1C"


def group_template(**properties: Any) -> dict[str, Any]:
    return {
        "Resources": {
            GROUP: {
                "Type": "AWS::Cognito::UserPoolGroup",
                "Properties": {
                    "UserPoolId": "eu-west-1_aBcDeFgHi",
                    "GroupName": "admins",
                    **properties,
                },
            }
        }
    }


def test_matches_become_findings_of_the_template_environment(tmp_path: Path) -> None:
    root = write_assembly(
        tmp_path / "cdk.out",
        {"dev": (group_template(), None), "prod": (group_template(), "eu-west-1")},
    )
    index = TemplateIndex(stack_templates(root, "candidate"))

    findings = cfn_lint.parse(fixture("cfn_lint_output.json"), index, tmp_path)

    assert [(f.environment, f.template, f.logical_id, f.rule, f.severity) for f in findings] == [
        ("dev", STEMS["dev"], GROUP, "E3002", "error"),
        ("prod", STEMS["prod"], "UserPool6BA7E5F2", "I3011", "info"),
        ("(app)", "(configuration)", None, "E0003", "error"),
    ]
    assert findings[0].location == f"line 5, Resources/{GROUP}/Properties/Colour"


def test_output_that_is_not_json_is_an_error_not_a_pass() -> None:
    index = TemplateIndex({})
    for text in ("Invalid configuration key 'foo' in .cfnlintrc", '{"not": "a list"}'):
        try:
            cfn_lint.parse(text, index, ROOT)
        except cfn_lint.OutputError:
            continue
        raise AssertionError(f"accepted {text!r}")


def test_regions_are_the_config_regions_plus_every_pinned_region(tmp_path: Path) -> None:
    root = write_assembly(
        tmp_path / "cdk.out",
        {"dev": (group_template(), None), "prod": (group_template(), "eu-west-1")},
    )
    stacks = list(stack_templates(root, "candidate").values())

    assert cfn_lint.lint_regions(stacks, DEFAULT_CFN_LINT_CONFIG) == ["eu-west-1", "us-east-1"]
    no_regions = tmp_path / "cfnlintrc.yaml"
    no_regions.write_text("include_checks: [I]\n")
    assert cfn_lint.config_regions(no_regions) == cfn_lint.DEFAULT_REGIONS


def test_command_ends_the_regions_before_the_templates(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (group_template(), None)})
    stacks = list(stack_templates(root, "candidate").values())

    command = cfn_lint.command(
        Path("cfn-lint"), DEFAULT_CFN_LINT_CONFIG, ["us-east-1"], stacks, root
    )

    assert command[command.index("--regions") + 1 : command.index("--")] == ["us-east-1"]
    # relative to the cloud assembly, where it runs: the checkout's path never reaches it
    assert command[-1] == "assembly-dev/devCognito7ACE1F46.template.json"
    assert command[command.index("--config-file") + 1] == str(DEFAULT_CFN_LINT_CONFIG)


def test_a_crash_with_plain_text_output_is_reported_with_what_it_said(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (group_template(), None)})
    broken = fake_tool(tmp_path / "cfn-lint", "Invalid configuration key 'foo'\n", exit_code=1)

    run = cfn_lint.run(
        stack_templates(root, "candidate"),
        config=DEFAULT_CFN_LINT_CONFIG,
        executable=broken,
        cwd=tmp_path,
    )

    assert run.error is not None
    assert "exit 1" in run.error
    assert "Invalid configuration key" in run.error


def test_real_cfn_lint_with_the_repository_config(tmp_path: Path) -> None:
    # GIVEN a clean dev template and a prod template with a wrongly typed property
    root = write_assembly(
        tmp_path / "cdk.out",
        {
            "dev": (group_template(), None),
            "prod": (group_template(Precedence="high"), "eu-west-1"),
        },
    )

    # WHEN the pinned cfn-lint runs with .cfnlintrc.yaml
    run = cfn_lint.run(
        stack_templates(root, "candidate"),
        config=DEFAULT_CFN_LINT_CONFIG,
        executable=processes.venv_script("cfn-lint"),
        cwd=ROOT,
    )

    # THEN only the prod template has a finding, on the property
    assert run.error is None
    assert [(f.environment, f.rule, f.logical_id) for f in run.findings] == [
        ("prod", "E3012", GROUP)
    ]
    assert "Precedence" in run.findings[0].location
    assert run.version == cfn_lint.version()
