"""The baseline `make validate` guards against: a git ref synthesized in a temporary worktree,
or the templates an environment has deployed.

    python -m infra.validate.baseline --out DIR [--base REF|deployed] [--env NAME]

Without `--base`, the baseline is the merge base with the default branch, so a risky change is
caught whether it is committed on a branch or still in the working tree. On the default branch
itself with a clean tree, that is HEAD; comparing HEAD with itself would prove nothing, so the
baseline is then the last commit's parent. `--base deployed` fetches the deployed templates of
`--env` (CloudFormation GetTemplate; needs credentials): the deploy workflow guards against
what is live, not against another commit.

The worktree reuses this checkout's `.venv` and `node_modules` when the base pins the same
toolchain; otherwise it installs its own with `make setup`, so the base synthesizes with the
toolchain it was written for. It prints the label to show in the summary on stdout.

An environment the base commit has no file for is new on this branch: it has no baseline, so
it is not synthesized there (the base's app would refuse the unknown name), and the guard
reports its stacks as added. Environment files kept outside the repository
(`--directory`) are not versioned: the base commit's code synthesizes them as they are now.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from infra.config.loader import ENVIRONMENTS_DIR
from infra.deploy.deployed import fetch_deployed
from infra.deploy.preflight import PreflightError, check_environment
from infra.validate import synth

ROOT = Path(__file__).resolve().parents[2]
DEPLOYED = "deployed"
DEFAULT_BRANCHES = ("origin/HEAD", "origin/main", "main", "origin/master", "master")
PINNED_FILES = (
    "requirements.txt",
    "requirements-dev.txt",
    "constraints.txt",
    "package.json",
    "package-lock.json",
)
SHARED_INSTALLS = (".venv", "node_modules")


class BaselineError(Exception):
    """The baseline cannot be produced; the message says why and what to pass instead."""


@dataclass(frozen=True)
class GitBase:
    """The commit to synthesize as the baseline, and how the summary names it."""

    commit: str
    label: str


def _git(*args: str, cwd: Path = ROOT) -> str:
    result = subprocess.run(  # noqa: S603 - fixed git arguments, no shell
        ["git", *args],  # noqa: S607 - git from PATH, as a developer runs it
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BaselineError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


def _commit(ref: str, cwd: Path) -> str | None:
    try:
        return _git("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", cwd=cwd)
    except BaselineError:
        return None


def resolve_git_base(base: str | None, *, cwd: Path = ROOT) -> GitBase:
    """The commit `--base` names, or the default described in the module docstring."""
    if base:
        commit = _commit(base, cwd)
        if commit is None:
            raise BaselineError(f"BASE={base!r} names no commit (git fetch it first?)")
        return GitBase(commit, f"{base} ({commit[:12]})")
    head = _commit("HEAD", cwd)
    if head is None:
        raise BaselineError("no commit yet: pass BASE=<ref>, or commit first")
    branch = next((b for b in DEFAULT_BRANCHES if _commit(b, cwd)), None)
    if branch is None:
        raise BaselineError("no default branch (origin/main or main) to compare with: pass BASE")
    merge_base = _git("merge-base", "HEAD", branch, cwd=cwd)
    if merge_base != head:
        return GitBase(merge_base, f"merge base with {branch} ({merge_base[:12]})")
    if _git("status", "--porcelain", "--untracked-files=no", cwd=cwd):
        return GitBase(head, f"HEAD ({head[:12]}), to show the uncommitted change")
    parent = _commit("HEAD^", cwd)
    if parent is None:
        raise BaselineError("HEAD is the first commit: pass BASE=<ref> (or an empty folder)")
    return GitBase(parent, f"HEAD^ ({parent[:12]}): on {branch} with a clean tree")


def _share_installs(source: Path, worktree: Path, base: GitBase) -> bool:
    """Link this checkout's installs into the worktree if the base pins the same versions."""
    changed = _git("diff", "--name-only", base.commit, "HEAD", "--", *PINNED_FILES, cwd=source)
    if changed:
        return False
    for name in SHARED_INSTALLS:
        if (source / name).exists():
            (worktree / name).symlink_to(source / name)
    return True


@dataclass(frozen=True)
class EnvironmentFiles:
    """Where the environment files are, as the base commit's synthesis should read them."""

    directory: Path
    """The folder as this checkout names it."""
    root: Path = ROOT
    """The repository root."""

    @property
    def in_repository(self) -> Path | None:
        """The folder relative to the repository root; None when it is kept outside."""
        resolved, root = self.directory.resolve(), self.root.resolve()
        return resolved.relative_to(root) if resolved.is_relative_to(root) else None

    def context_for(self, worktree: Path) -> Path | None:
        """`-c environments_dir=` for the base's synthesis; None for the default folder."""
        relative = self.in_repository
        if relative is None:
            return self.directory.resolve()
        if relative == ENVIRONMENTS_DIR.relative_to(ROOT):
            return None
        return worktree / relative


def new_environments(
    names: Sequence[str], base: GitBase, files: EnvironmentFiles, *, cwd: Path = ROOT
) -> list[str]:
    """The environments among `names` that the base commit has no file for."""
    relative = files.in_repository
    if relative is None:
        return []  # outside the repository: the same files serve both sides
    return [
        name
        for name in names
        if not _exists(base.commit, (relative / f"{name}.yaml").as_posix(), cwd)
    ]


def _exists(commit: str, path: str, cwd: Path) -> bool:
    try:
        _git("cat-file", "-e", f"{commit}:{path}", cwd=cwd)
    except BaselineError:
        return False
    return True


def synthesize_git_base(
    base: GitBase,
    out: Path,
    *,
    env: str | None,
    files: EnvironmentFiles | None = None,
    cwd: Path = ROOT,
) -> list[str]:
    """`cdk synth` of `base` (every environment, or `env`) into `out`; returns the requested
    environments that are new (no file at `base`), which are left out of the baseline."""
    files = files or EnvironmentFiles(ENVIRONMENTS_DIR)
    names = [name.strip() for name in (env or "").split(",") if name.strip()]
    new = new_environments(names, base, files, cwd=cwd)
    existing = [name for name in names if name not in new]
    out.mkdir(parents=True, exist_ok=True)
    if names and not existing:
        return new  # nothing to synthesize: an empty baseline, every stack is added
    scratch = Path(tempfile.mkdtemp(prefix="validate-base-"))
    worktree = scratch / "src"
    _git("worktree", "add", "--detach", "--quiet", str(worktree), base.commit, cwd=cwd)
    try:
        if not _share_installs(cwd, worktree, base):
            _run(["make", "setup"], worktree)
        python = worktree / ".venv" / "bin" / "python"
        environment = synth.tool_environment(worktree, os.environ)
        command = synth.command(
            ",".join(existing) or "all",
            out,
            app=f"{python} app.py",
            environments_dir=files.context_for(worktree),
        )
        if synth.synthesize(command, cwd=worktree, env=environment) != 0:
            hint = (
                f"; its code reads the environment files in {files.directory} as they are now, "
                "and may not know keys they use: pass BASE=<a newer ref>, BASE=deployed or "
                "BASELINE=<folder>"
                if files.in_repository is None
                else ""
            )
            raise BaselineError(f"cdk synth of {base.label} failed in the baseline worktree{hint}")
    finally:
        _git("worktree", "remove", "--force", str(worktree), cwd=cwd)
        shutil.rmtree(scratch, ignore_errors=True)
    return new


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BaselineError(f"{' '.join(command[:3])} ... failed in the baseline worktree")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.validate.baseline")
    parser.add_argument("--out", type=Path, required=True, help="folder to synthesize into")
    parser.add_argument("--base", default="", help="git ref, or `deployed`")
    parser.add_argument("--env", default="", help="one environment (required for deployed)")
    parser.add_argument(
        "--candidate", type=Path, default=ROOT / "cdk.out", help="the synthesized candidate"
    )
    parser.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR, help="env files")
    args = parser.parse_args(argv)
    try:
        if args.base == DEPLOYED:
            config = check_environment(args.env or None, args.directory)
            found = fetch_deployed(args.candidate, config.name, args.out)
            states = ", ".join(f"{s}: {'deployed' if e else 'new'}" for s, e in found.items())
            print(f"the deployed templates of {config.name} ({states})")
        else:
            base = resolve_git_base(args.base or None)
            files = EnvironmentFiles(args.directory)
            new = synthesize_git_base(base, args.out.resolve(), env=args.env or None, files=files)
            added = f"; new on this branch, no baseline: {', '.join(new)}" if new else ""
            print(base.label + added)
    except (BaselineError, PreflightError) as error:
        print(f"validate: baseline: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
