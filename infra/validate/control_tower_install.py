"""Install cfn-guard and the AWS Control Tower proactive-control rules from their PyPI package.

    python -m infra.validate.control_tower_install --wheel-dir DIR --into .venv/cfn-guard

`cdklabs-cdk-validator-cfnguard` (pinned with its hash in requirements-cfn-guard.txt) is a CDK
policy-validation plugin; the kit does not use it as one, because it would run at every synth.
Its wheel carries a jsii tarball that holds a cfn-guard binary per platform
(`package/bin/<ubuntu|macos>/<x86_64|aarch64>/cfn-guard`) and the Control Tower rules with
their metadata (`package/rules/control-tower/{cfn-guard,metadata}`). `make validate` (a stamp
beside the checkov one) unpacks the binary for this machine and the rules into
`.venv/cfn-guard/`, never committed:

    .venv/cfn-guard/bin/cfn-guard
    .venv/cfn-guard/rules/cfn-guard/<service>/ct-<service>-pr-<n>.guard
    .venv/cfn-guard/rules/metadata/<service>/ct-<service>-pr-<n>.metadata.json
    .venv/cfn-guard/versions.json     {"cfn-guard": "3.1.1", "rules": "0.0.62"}
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import shutil
import stat
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

PACKAGE = "cdklabs_cdk_validator_cfnguard"
JSII_PREFIX = "cdklabs/cdk_validator_cfnguard/_jsii/"
RULES_PREFIX = PurePosixPath("package/rules/control-tower")
BINARY = "cfn-guard"
VERSIONS = "versions.json"
_PLATFORMS = {"Linux": "ubuntu", "Darwin": "macos"}
_ARCHITECTURES = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}


class InstallError(Exception):
    """The package is not what this installer expects; the message says what is missing."""


def binary_member(system: str, machine: str) -> PurePosixPath:
    """The tarball member of the cfn-guard binary for this operating system and CPU."""
    os_name = _PLATFORMS.get(system)
    arch = _ARCHITECTURES.get(machine.lower())
    if os_name is None or arch is None:
        raise InstallError(
            f"cfn-guard is shipped for Linux and macOS on x86_64 and aarch64, not {system} "
            f"{machine}"
        )
    return PurePosixPath("package/bin", os_name, arch, BINARY)


def _jsii_tarball(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        names = [
            n for n in archive.namelist() if n.startswith(JSII_PREFIX) and n.endswith(".jsii.tgz")
        ]
        if len(names) != 1:
            raise InstallError(f"{wheel.name}: expected one {JSII_PREFIX}*.jsii.tgz, got {names}")
        return archive.read(names[0])


def _safe_relative(member: PurePosixPath, prefix: PurePosixPath) -> PurePosixPath:
    relative = member.relative_to(prefix)
    if relative.is_absolute() or ".." in relative.parts:
        raise InstallError(f"unsafe path in the package: {member}")
    return relative


def install(wheel: Path, into: Path, *, system: str, machine: str) -> dict[str, str]:
    """Unpack the binary and the rules of `wheel` into `into` (replaced); returns the versions."""
    binary = binary_member(system, machine)
    if into.exists():
        shutil.rmtree(into)
    rules_dir = into / "rules"
    rules = 0
    versions: dict[str, str] = {}
    with tarfile.open(fileobj=io.BytesIO(_jsii_tarball(wheel)), mode="r:gz") as tarball:
        for member in tarball.getmembers():
            name = PurePosixPath(member.name)
            if not member.isfile():
                continue
            if name == binary:
                target = into / "bin" / BINARY
            elif name.is_relative_to(RULES_PREFIX) and name.suffix in (".guard", ".json"):
                target = rules_dir / _safe_relative(name, RULES_PREFIX)
                rules += name.suffix == ".guard"
            elif name in (
                PurePosixPath("package/guard-version.json"),
                PurePosixPath("package/package.json"),
            ):
                data = json.loads(_read(tarball, member))
                key = "cfn-guard" if name.name == "guard-version.json" else "rules"
                versions[key] = str(data["version"])
                continue
            else:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_read(tarball, member))
    executable = into / "bin" / BINARY
    if not executable.is_file():
        raise InstallError(f"{wheel.name}: no {binary}")
    if not rules:
        raise InstallError(f"{wheel.name}: no rules under {RULES_PREFIX}")
    executable.chmod(executable.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    (into / VERSIONS).write_text(json.dumps(versions, sort_keys=True) + "\n", encoding="utf-8")
    return versions


def _read(tarball: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tarball.extractfile(member)
    if handle is None:
        raise InstallError(f"cannot read {member.name}")
    return handle.read()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.validate.control_tower_install")
    parser.add_argument("--wheel-dir", type=Path, required=True, help="where pip downloaded it")
    parser.add_argument("--into", type=Path, required=True)
    args = parser.parse_args(argv)
    wheels = sorted(args.wheel_dir.glob(f"{PACKAGE}-*.whl"))
    if len(wheels) != 1:
        print(
            f"control tower rules: expected one {PACKAGE} wheel in {args.wheel_dir}",
            file=sys.stderr,
        )
        return 2
    try:
        versions = install(
            wheels[0], args.into, system=platform.system(), machine=platform.machine()
        )
    except (
        InstallError,
        OSError,
        tarfile.TarError,
        zipfile.BadZipFile,
        KeyError,
        ValueError,
    ) as error:
        print(f"control tower rules: {error}", file=sys.stderr)
        return 2
    print(
        f"cfn-guard {versions.get('cfn-guard', '?')} and the Control Tower rules "
        f"({versions.get('rules', '?')}) are in {args.into}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
