"""Which commit `make validate` guards against when BASE is not given, or when it is."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from infra.validate.baseline import (
    BaselineError,
    EnvironmentFiles,
    new_environments,
    resolve_git_base,
    synthesize_git_base,
)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    for n in (1, 2):
        (tmp_path / "file.txt").write_text(f"{n}\n")
        git(tmp_path, "add", "file.txt")
        git(tmp_path, "commit", "-q", "-m", f"commit {n}")
    return tmp_path


def test_a_branch_is_compared_with_its_merge_base_even_when_its_change_is_committed(
    repo: Path,
) -> None:
    main = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "file.txt").write_text("risky\n")
    git(repo, "commit", "-q", "-am", "risky change")
    base = resolve_git_base(None, cwd=repo)
    assert base.commit == main
    assert base.label.startswith("merge base with main")


def test_on_the_default_branch_with_a_clean_tree_the_last_commit_is_validated(repo: Path) -> None:
    parent = git(repo, "rev-parse", "HEAD^")
    base = resolve_git_base(None, cwd=repo)
    assert base.commit == parent != git(repo, "rev-parse", "HEAD")
    assert "clean tree" in base.label


def test_an_uncommitted_change_on_the_default_branch_is_compared_with_head(repo: Path) -> None:
    (repo / "file.txt").write_text("uncommitted\n")
    base = resolve_git_base(None, cwd=repo)
    assert base.commit == git(repo, "rev-parse", "HEAD")
    assert "uncommitted" in base.label


def test_an_explicit_base_is_used_as_given(repo: Path) -> None:
    first = git(repo, "rev-list", "--max-parents=0", "HEAD")
    git(repo, "tag", "v1", first)
    assert resolve_git_base("v1", cwd=repo).commit == first


def test_an_unknown_base_is_a_clear_error(repo: Path) -> None:
    with pytest.raises(BaselineError, match="BASE='nope' names no commit"):
        resolve_git_base("nope", cwd=repo)


def test_without_a_default_branch_it_asks_for_base(repo: Path) -> None:
    git(repo, "branch", "-m", "main", "trunk")
    with pytest.raises(BaselineError, match="no default branch"):
        resolve_git_base(None, cwd=repo)


# --- a branch that adds an environment ----------------------------------------------------------


@pytest.fixture
def kit_repo(tmp_path: Path) -> Path:
    """A repository whose main has dev's file, and a branch `add-qa` that adds qa's."""
    environments = tmp_path / "infra" / "environments"
    environments.mkdir(parents=True)
    (environments / "dev.yaml").write_text("tier: development\n")
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "dev")
    git(tmp_path, "checkout", "-q", "-b", "add-qa")
    (environments / "qa.yaml").write_text("tier: development\n")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "qa")
    return tmp_path


def test_an_environment_the_base_has_no_file_for_is_new(kit_repo: Path) -> None:
    base = resolve_git_base(None, cwd=kit_repo)
    files = EnvironmentFiles(kit_repo / "infra" / "environments", root=kit_repo)

    assert new_environments(["qa", "dev"], base, files, cwd=kit_repo) == ["qa"]


def test_validating_only_a_new_environment_needs_no_baseline_synth(
    kit_repo: Path, tmp_path: Path
) -> None:
    # GIVEN `make validate ENV=qa` on the branch that adds qa.yaml
    base = resolve_git_base(None, cwd=kit_repo)
    files = EnvironmentFiles(kit_repo / "infra" / "environments", root=kit_repo)
    out = tmp_path / "baseline"
    # WHEN the baseline is made (this repository has no app: a synth would fail)
    new = synthesize_git_base(base, out, env="qa", files=files, cwd=kit_repo)
    # THEN qa is reported new and its baseline is an empty folder: the guard reports ADDED
    assert new == ["qa"]
    assert out.is_dir()
    assert list(out.iterdir()) == []
    assert "add-qa" in git(kit_repo, "rev-parse", "--abbrev-ref", "HEAD")
    assert git(kit_repo, "worktree", "list").count("\n") == 0  # no worktree was made


def test_environment_files_outside_the_repository_serve_both_sides(
    kit_repo: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("team-environments")
    base = resolve_git_base(None, cwd=kit_repo)
    files = EnvironmentFiles(outside, root=kit_repo)

    assert new_environments(["qa"], base, files, cwd=kit_repo) == []
    assert files.context_for(kit_repo / "worktree") == outside.resolve()
    assert (
        EnvironmentFiles(kit_repo / "infra" / "environments", root=kit_repo).context_for(
            kit_repo / "worktree"
        )
        is None
    )
