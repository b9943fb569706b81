"""Which templates are validated: the stacks the cloud assembly lists, nothing stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra.validate.assembly import AssemblyError, region_of, stack_templates
from tests.guard.sample import cognito_template

from .builders import STEMS, write_assembly


def test_stacks_come_from_the_manifests_with_their_environment_and_region(
    tmp_path: Path,
) -> None:
    root = write_assembly(
        tmp_path / "cdk.out",
        {"dev": (cognito_template(), None), "prod": (cognito_template(), "eu-west-1")},
    )

    stacks = stack_templates(root, "candidate")

    assert sorted(stacks) == [f"dev/{STEMS['dev']}", f"prod/{STEMS['prod']}"]
    assert stacks[f"dev/{STEMS['dev']}"].region is None
    assert stacks[f"prod/{STEMS['prod']}"].region == "eu-west-1"
    assert stacks[f"prod/{STEMS['prod']}"].environment == "prod"


def test_a_stale_assembly_folder_left_by_an_earlier_synth_is_ignored(tmp_path: Path) -> None:
    # GIVEN cdk.out from `cdk synth -c env=dev` after an earlier synth that also wrote prod
    root = write_assembly(tmp_path / "cdk.out", {"dev": (cognito_template(), None)})
    stale = root / "assembly-prod"
    stale.mkdir()
    (stale / f"{STEMS['prod']}.template.json").write_text(json.dumps(cognito_template()))

    # WHEN the stacks are listed
    stacks = stack_templates(root, "candidate")

    # THEN only the stacks of the last synth count
    assert list(stacks) == [f"dev/{STEMS['dev']}"]


def test_a_folder_without_manifest_falls_back_to_every_template(tmp_path: Path) -> None:
    folder = tmp_path / "baseline" / "assembly-dev"
    folder.mkdir(parents=True)
    (folder / "devCognito7ACE1F46.template.json").write_text(json.dumps(cognito_template()))

    assert list(stack_templates(tmp_path / "baseline", "baseline")) == ["dev/devCognito7ACE1F46"]


def test_an_empty_baseline_folder_has_no_templates(tmp_path: Path) -> None:
    assert stack_templates(tmp_path, "baseline") == {}


@pytest.mark.parametrize(
    ("environment", "region"),
    [
        ("aws://333333333333/eu-west-1", "eu-west-1"),
        ("aws://unknown-account/unknown-region", None),
        (None, None),
    ],
)
def test_region_of_a_stack_environment(environment: str | None, region: str | None) -> None:
    assert region_of(environment) == region


def test_a_missing_folder_or_broken_manifest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AssemblyError, match="candidate directory not found"):
        stack_templates(tmp_path / "nothing", "candidate")
    (tmp_path / "manifest.json").write_text("{not json")
    with pytest.raises(AssemblyError, match="manifest"):
        stack_templates(tmp_path, "candidate")


def test_a_template_the_manifest_lists_must_exist(tmp_path: Path) -> None:
    root = write_assembly(tmp_path / "cdk.out", {"dev": (cognito_template(), None)})
    (root / "assembly-dev" / f"{STEMS['dev']}.template.json").unlink()

    with pytest.raises(AssemblyError, match=r"listed in .* but missing"):
        stack_templates(root, "candidate")
