"""AWS Control Tower proactive controls: installing the rules, running cfn-guard, reading it."""

from __future__ import annotations

import io
import json
import stat
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from infra.validate import control_tower, processes
from infra.validate.assembly import stack_templates
from infra.validate.control_tower_install import InstallError, binary_member, install
from infra.validate.findings import TemplateIndex

from .builders import (
    STEMS,
    call_of,
    cloudwatch_rules,
    fake_control_tower,
    fixture,
    write_assembly,
)
from .scanners import control_tower_install

LOGS = "TriggersPreSignUpLogsD894ACA4"
ENCRYPTED_LOGS = "OperationsLogsUserActivity4C46ED3E"
KEY_ARN = "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def log_groups() -> dict[str, Any]:
    """One log group that breaks CT.CLOUDWATCH.PR.2 and .3 (30 days, no key), one that keeps
    both (a year, a customer-managed key)."""
    return {
        "Resources": {
            LOGS: {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": 30},
                "Metadata": {"cognito-kit:config": "triggers.pre_sign_up"},
            },
            ENCRYPTED_LOGS: {
                "Type": "AWS::Logs::LogGroup",
                "Properties": {"RetentionInDays": 365, "KmsKeyId": KEY_ARN},
            },
        }
    }


# --- the real rules, the real cfn-guard -------------------------------------------------------


def test_the_installed_rules_are_the_pinned_package() -> None:
    installed = control_tower_install()
    controls = control_tower.load_controls(installed.rules)

    assert installed.versions == {"cfn-guard": "3.1.1", "rules": "0.0.62"}
    assert len(controls) == 237
    kms3 = next(c for c in controls if c.id == "CT.KMS.PR.3")
    assert kms3.resource_types == {"AWS::KMS::Key"}
    assert kms3.rule_names == {"kms_create_grant_aws_service_check"}
    assert "kms:CreateGrant" in kms3.remediation


def test_a_log_group_that_breaks_two_controls_fails_both_with_the_fix(tmp_path: Path) -> None:
    # GIVEN a template with a short-lived, unencrypted log group beside a compliant one
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    stacks = stack_templates(root, "candidate")
    # WHEN the Control Tower rules run on it
    run = control_tower.run(
        stacks, {k: s.load() for k, s in stacks.items()}, install=control_tower_install(), cwd=root
    )
    # THEN each broken control is a finding on that log group only, with the control's fix
    assert run.error is None
    assert sorted((f.rule, f.logical_id) for f in run.findings) == [
        ("CT.CLOUDWATCH.PR.2", LOGS),
        ("CT.CLOUDWATCH.PR.3", LOGS),
    ]
    retention = next(f for f in run.findings if f.rule == "CT.CLOUDWATCH.PR.2")
    assert (
        retention.message
        == "Require an Amazon CloudWatch log group to be retained for at least one year"
    )
    assert "'RetentionInDays' to an integer value greater than or equal to 365" in retention.fix
    assert (retention.environment, retention.template) == ("dev", STEMS["dev"])


def test_only_the_controls_of_the_templates_resource_types_run_and_they_find_the_same(
    tmp_path: Path,
) -> None:
    """cfn-guard parses every rule it is given: only the rules evaluating a resource type of the
    templates run, which must find exactly what all 237 find."""
    installed = control_tower_install()
    template = log_groups()
    template["Resources"]["Function"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {"Runtime": "python3.14", "Handler": "x.handler", "Role": "arn"},
    }
    root = write_assembly(tmp_path / "cdk.out", {"dev": (template, None)})
    stacks = stack_templates(root, "candidate")
    every = control_tower.load_controls(installed.rules)
    chosen = control_tower.applicable(every, control_tower.resource_types([template]))
    data = ["assembly-dev/devCognito7ACE1F46.template.json"]

    def findings(controls: list[control_tower.Control]) -> set[tuple[str, str | None]]:
        result = processes.run(
            control_tower.command(installed.executable, controls, data), cwd=root
        )
        parsed = control_tower.parse(result.stdout, every, TemplateIndex(stacks), root)
        return {(f.rule, f.logical_id) for f in parsed}

    assert {c.id for c in chosen} >= {"CT.CLOUDWATCH.PR.2", "CT.CLOUDWATCH.PR.3", "CT.LAMBDA.PR.3"}
    assert len(chosen) < 20
    assert findings(chosen) == findings(every)


# --- reading cfn-guard's report ------------------------------------------------------------------


def test_the_recorded_report_names_each_failed_control_and_resource(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    controls = control_tower.load_controls(cloudwatch_rules(tmp_path))

    findings = control_tower.parse(
        fixture("cfn_guard_output.json"),
        controls,
        TemplateIndex(stack_templates(root, "candidate")),
        root,
    )

    assert [(f.environment, f.rule, f.logical_id, f.fix) for f in findings] == [
        ("dev", "CT.CLOUDWATCH.PR.2", LOGS, "Keep logs a year."),
        ("dev", "CT.CLOUDWATCH.PR.3", LOGS, "Encrypt with a key."),
    ]


def test_an_empty_not_compliant_object_is_no_finding(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    report = [{"name": "assembly-dev/x.template.json", "status": "PASS", "not_compliant": {}}]

    assert control_tower.parse(json.dumps(report), [], TemplateIndex({}), root) == ()


def test_it_runs_once_with_relative_paths_and_only_the_applicable_rules(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    stacks = stack_templates(root, "candidate")
    folder = fake_control_tower(tmp_path / "cfn-guard", types=("AWS::Logs::LogGroup",))
    unused = folder / "rules" / "cfn-guard" / "kms" / "ct-kms-pr-1.guard"
    unused.parent.mkdir()
    unused.write_text("rule kms_check when is_cfn_template(%INPUT_DOCUMENT) {\n}\n")

    run = control_tower.run(
        stacks,
        {k: s.load() for k, s in stacks.items()},
        install=control_tower.installation(folder),
        cwd=root,
    )

    argv = call_of(folder / "bin" / "cfn-guard")["argv"]
    assert run.error is None
    assert run.version == "3.1.1 (rules test)"
    assert argv[argv.index("--data") + 1] == "assembly-dev/devCognito7ACE1F46.template.json"
    assert [argv[i + 1] for i, a in enumerate(argv) if a == "--rules"] == [
        str(folder / "rules" / "cfn-guard" / "fake" / "ct-fake-pr-1.guard")
    ]
    assert argv[argv.index("--output-format") + 1] == "json"
    assert "--structured" in argv


@pytest.mark.parametrize(
    ("stdout", "exit_code", "error"),
    [
        ("Parse error in rule file\n", 5, "exit 5"),
        ("not json", 19, "not JSON"),
        ("[]", 19, "without naming a rule"),
    ],
)
def test_a_crash_or_unreadable_output_is_an_error(
    tmp_path: Path, stdout: str, exit_code: int, error: str
) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    stacks = stack_templates(root, "candidate")
    folder = fake_control_tower(
        tmp_path / "cfn-guard", stdout, exit_code, types=("AWS::Logs::LogGroup",)
    )

    run = control_tower.run(
        stacks,
        {k: s.load() for k, s in stacks.items()},
        install=control_tower.installation(folder),
        cwd=root,
    )

    assert run.error is not None
    assert error in run.error


def test_without_the_installation_the_verdict_is_incomplete(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (log_groups(), None)})
    stacks = stack_templates(root, "candidate")

    run = control_tower.run(stacks, {}, install=control_tower.installation(tmp_path), cwd=root)

    assert "not installed" in str(run.error)
    assert "make validate" in str(run.error)


# --- unpacking the package ---------------------------------------------------------------------


def fake_wheel(path: Path, members: dict[str, bytes]) -> Path:
    """A wheel shaped like cdklabs-cdk-validator-cfnguard: a jsii tarball of `members`."""
    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr("cdklabs/cdk_validator_cfnguard/_jsii/x@0.0.1.jsii.tgz", tarball.getvalue())
    return path


PACKAGE = {
    "package/bin/ubuntu/x86_64/cfn-guard": b"linux-x86",
    "package/bin/ubuntu/aarch64/cfn-guard": b"linux-arm",
    "package/bin/macos/aarch64/cfn-guard": b"mac-arm",
    "package/rules/control-tower/cfn-guard/kms/ct-kms-pr-1.guard": b"rule a when b {}",
    "package/rules/control-tower/metadata/kms/ct-kms-pr-1.metadata.json": b"{}",
    "package/guard-version.json": b'{"version": "3.1.1"}',
    "package/package.json": b'{"version": "0.0.62"}',
    "package/lib/plugin.js": b"// not needed",
}


@pytest.mark.parametrize(
    ("system", "machine", "binary"),
    [("Linux", "x86_64", b"linux-x86"), ("Linux", "aarch64", b"linux-arm"),
     ("Darwin", "arm64", b"mac-arm")],
)  # fmt: skip
def test_the_binary_of_this_machine_and_the_rules_are_unpacked(
    tmp_path: Path, system: str, machine: str, binary: bytes
) -> None:
    wheel = fake_wheel(tmp_path / "w.whl", PACKAGE)
    into = tmp_path / "cfn-guard"

    versions = install(wheel, into, system=system, machine=machine)

    executable = into / "bin" / "cfn-guard"
    assert executable.read_bytes() == binary
    assert executable.stat().st_mode & stat.S_IXUSR
    assert (into / "rules" / "cfn-guard" / "kms" / "ct-kms-pr-1.guard").is_file()
    assert (into / "rules" / "metadata" / "kms" / "ct-kms-pr-1.metadata.json").is_file()
    assert not (into / "lib").exists()
    assert versions == {"cfn-guard": "3.1.1", "rules": "0.0.62"}
    assert json.loads((into / "versions.json").read_text()) == versions


def test_an_unsupported_machine_or_a_package_without_rules_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InstallError, match="Linux and macOS"):
        binary_member("Windows", "AMD64")
    no_rules = {k: v for k, v in PACKAGE.items() if "/rules/" not in k}
    with pytest.raises(InstallError, match="no rules"):
        install(
            fake_wheel(tmp_path / "w.whl", no_rules),
            tmp_path / "x",
            system="Linux",
            machine="x86_64",
        )
    escaping = {**PACKAGE, "package/rules/control-tower/../../../evil.guard": b"x"}
    with pytest.raises(InstallError, match="unsafe path"):
        install(
            fake_wheel(tmp_path / "e.whl", escaping),
            tmp_path / "y",
            system="Linux",
            machine="x86_64",
        )
