"""checkov: offline command line and environment, and its JSON report (recorded from 3.3.30)."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from infra.validate import checkov
from infra.validate.assembly import stack_templates
from infra.validate.findings import TemplateIndex
from infra.validate.run import DEFAULT_CHECKOV_CONFIG
from tests.guard.sample import FUNCTION, cognito_template

from .builders import STEMS, call_of, fake_tool, fixture, write_assembly


def candidate(tmp_path: Path) -> Path:
    return write_assembly(tmp_path / "cdk.out", {"dev": (cognito_template(), None)})


def test_failed_checks_are_findings_and_skips_keep_their_reason(tmp_path: Path) -> None:
    index = TemplateIndex(stack_templates(candidate(tmp_path), "candidate"))

    version, findings, suppressions = checkov.parse(fixture("checkov_output.json"), index, tmp_path)

    assert version == "3.3.30"
    assert [(f.environment, f.template, f.logical_id, f.rule) for f in findings] == [
        ("dev", STEMS["dev"], FUNCTION, "CKV_AWS_116"),
        ("dev", STEMS["dev"], FUNCTION, "CKV_AWS_115"),
    ]
    assert findings[0].message.startswith("AWS::Lambda::Function: Ensure")
    assert findings[0].severity == ""  # no severities offline
    assert [(s.environment, s.rule, s.target, s.reason) for s in suppressions] == [
        ("dev", "CKV_AWS_117", FUNCTION, "Cognito invokes the trigger; it reaches no VPC resource")
    ]


def test_a_bare_summary_means_no_check_applied(tmp_path: Path) -> None:
    bare = json.dumps({"passed": 0, "failed": 0, "skipped": 0, "checkov_version": "3.3.30"})

    assert checkov.parse(bare, TemplateIndex({}), tmp_path) == ("3.3.30", (), ())


def test_a_list_of_reports_and_parsing_errors_are_read(tmp_path: Path) -> None:
    stacks = stack_templates(candidate(tmp_path), "candidate")
    path = next(iter(stacks.values())).path
    report = json.loads(fixture("checkov_output.json"))
    report["results"] = {"parsing_errors": [str(path)]}

    _, findings, _ = checkov.parse(json.dumps([report]), TemplateIndex(stacks), tmp_path)

    assert [(f.environment, f.rule) for f in findings] == [("dev", "parsing-error")]


def test_it_runs_offline_with_the_config_and_one_file_per_template(tmp_path: Path) -> None:
    root = candidate(tmp_path)
    stacks = stack_templates(root, "candidate")
    fake = fake_tool(tmp_path / "checkov", fixture("checkov_output.json"), exit_code=1)

    run = checkov.run(
        stacks,
        config=DEFAULT_CHECKOV_CONFIG,
        executable=fake,
        cwd=root,
        base_environment={"PATH": "/usr/bin", "BC_API_KEY": "secret-key"},
    )

    call = call_of(fake)
    assert run.error is None
    assert len(run.findings) == 2
    assert call["argv"][call["argv"].index("--config-file") + 1] == str(DEFAULT_CHECKOV_CONFIG)
    assert "--skip-download" in call["argv"]
    assert call["argv"][call["argv"].index("--output") + 1] == "json"
    assert call["argv"][-2:] == ["--file", f"assembly-dev/{STEMS['dev']}.template.json"]
    assert "BC_API_KEY" not in call["env"]
    assert call["env"]["CKV_SKIP_PACKAGE_UPDATE_CHECK"] == "true"


def test_a_missing_executable_or_garbage_output_is_an_error(tmp_path: Path) -> None:
    stacks = stack_templates(candidate(tmp_path), "candidate")
    missing = checkov.run(
        stacks, config=DEFAULT_CHECKOV_CONFIG, executable=None, cwd=tmp_path, base_environment={}
    )
    garbage = checkov.run(
        stacks,
        config=DEFAULT_CHECKOV_CONFIG,
        executable=fake_tool(tmp_path / "checkov", "Traceback: boom\n", exit_code=2),
        cwd=tmp_path,
        base_environment={},
    )

    assert "not installed" in str(missing.error)
    assert "exit 2" in str(garbage.error)
    assert "boom" in str(garbage.error)


def test_the_command_is_the_same_from_any_checkout_path(tmp_path: Path) -> None:
    """checkov 3.3.30 reported CKV_AWS_45 on templates scanned through a path holding a hex
    folder name (a CI cache key, a temporary folder): from the cloud assembly's folder, the
    arguments it sees do not depend on where the checkout is."""
    plain = candidate(tmp_path / "checkout")
    hexed = candidate(tmp_path / secrets.token_hex(8) / "a1b2c3d4e5f60718")

    commands = [
        checkov.command(
            Path("checkov"), DEFAULT_CHECKOV_CONFIG, list(stack_templates(root, "c").values()), root
        )
        for root in (plain, hexed)
    ]

    assert commands[0] == commands[1]
    assert not any(str(tmp_path) in arg for arg in commands[1])
