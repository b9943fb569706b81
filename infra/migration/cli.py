"""Command line: ``python -m infra.migration export ...``; exit 0, 1 (error) or 2 (usage)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, TextIO

from infra.config.loader import ENVIRONMENTS_DIR
from infra.migration.export import (
    DEFAULT_RATE,
    SKIP_REASONS,
    ClientFactory,
    ExportError,
    ExportResult,
    export_users,
)
from infra.migration.importcsv import LINE_END, encode_row
from infra.migration.pools import PoolsError, pools_of_environment

EXIT_OK = 0
EXIT_ERROR = 1


def _positive_rate(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("allowed: more than 0, at most 100 calls per second")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m infra.migration",
        description="Tools for moving users from an old Cognito user pool to a new one.",
        epilog="Exit status: 0 done, 1 error, 2 usage error. See docs/migration.md.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    export = commands.add_parser(
        "export",
        help="write the new pool's user import CSV from the old pool's users",
        description=(
            "Write the CSV that Cognito's user import job expects: the header from GetCSVHeader "
            "on the NEW pool, one row per exportable user from ListUsers on the OLD pool. No "
            "passwords: imported users reset theirs on first sign-in."
        ),
    )
    export.add_argument(
        "--env",
        metavar="NAME",
        help="the environment users move into: the old pool from its `migration` section, the "
        "new one from its deploy outputs (instead of the two ids)",
    )
    export.add_argument("--old-pool-id", metavar="ID", help="pool to read")
    export.add_argument("--new-pool-id", metavar="ID", help="pool to import into")
    export.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR, help=argparse.SUPPRESS)
    export.add_argument(
        "--region",
        metavar="R",
        help="check that both pools are in R (default: each pool id's own region)",
    )
    export.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="the CSV to write (default: <new-pool-id>-import.csv); created readable by you only",
    )
    export.add_argument(
        "--skipped-out",
        type=Path,
        metavar="FILE",
        help="also write the skipped users as JSON lines {username, reason}",
    )
    export.add_argument(
        "--dry-run", action="store_true", help="read both pools, print the counts, write nothing"
    )
    export.add_argument(
        "--rate",
        type=_positive_rate,
        default=DEFAULT_RATE,
        metavar="N",
        help=f"at most N AWS calls per second (default {DEFAULT_RATE:g})",
    )
    return parser


def default_client_factory(region: str) -> Any:
    """A cognito-idp client for ``region`` from the default credential chain."""
    import boto3
    from botocore.config import Config

    return boto3.client(
        "cognito-idp",
        region_name=region,
        config=Config(retries={"mode": "adaptive", "max_attempts": 8}, read_timeout=30),
    )


def _write_private(path: Path, lines: Iterable[str]) -> None:
    """Write ``path`` all at once: a temporary file beside it, renamed when complete."""
    directory = path.parent if str(path.parent) else Path(".")
    # mkstemp creates the file readable and writable by its owner only (0o600).
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            for line in lines:
                file.write(line + LINE_END)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary(result: ExportResult) -> list[str]:
    """Counts for people: total, exportable, skipped by reason, dropped attributes."""
    lines = [
        f"users read: {result.total}",
        f"exportable: {result.exported} (cognito:mfa_enabled true: {result.mfa_enabled})",
        f"skipped: {sum(result.skipped.values())}",
    ]
    for reason in SKIP_REASONS:
        if result.skipped[reason]:
            lines.append(f"  {reason}: {result.skipped[reason]} - {SKIP_REASONS[reason]}")
    if result.dropped_attributes:
        dropped = ", ".join(
            f"{name} ({count} users)" for name, count in sorted(result.dropped_attributes.items())
        )
        lines.append(f"attributes the new pool lacks, not exported: {dropped}")
    if result.withheld_attributes:
        withheld = ", ".join(
            f"{name} ({count} users)" for name, count in sorted(result.withheld_attributes.items())
        )
        lines.append(
            "authorization inputs not declared in migration.protected_in_old_pool, not "
            f"exported: {withheld}"
        )
    if not result.withheld_checked:
        lines.append(
            "authorization inputs: not checked (no environment file); with --env, those "
            "migration.protected_in_old_pool does not declare are left out"
        )
    return lines


def main(
    argv: Sequence[str] | None = None,
    *,
    client_factory: ClientFactory | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
) -> int:
    out_stream = stdout or sys.stdout
    err_stream = stderr or sys.stderr
    parser = _parser()
    args = parser.parse_args(argv)
    if bool(args.env) == bool(args.old_pool_id or args.new_pool_id):
        parser.error("give either --env NAME or both --old-pool-id and --new-pool-id")
    if not args.env and not (args.old_pool_id and args.new_pool_id):
        parser.error("--old-pool-id and --new-pool-id go together")
    try:
        withheld = None
        if args.env:
            args.old_pool_id, args.new_pool_id, withheld = pools_of_environment(
                args.env, args.directory
            )
        result = export_users(
            args.old_pool_id,
            args.new_pool_id,
            client_factory=client_factory or default_client_factory,
            rate=args.rate,
            region=args.region,
            withheld=withheld,
        )
        for line in summary(result):
            print(line, file=out_stream)
        if args.dry_run:
            print("dry run: nothing written", file=out_stream)
            return EXIT_OK
        target = args.out or Path(f"{args.new_pool_id}-import.csv")
        _write_private(target, [encode_row(result.header), *result.lines])
        print(f"wrote {result.exported} users to {target}", file=out_stream)
        if args.skipped_out is not None:
            _write_private(
                args.skipped_out,
                (
                    json.dumps({"username": username, "reason": reason}, ensure_ascii=False)
                    for username, reason in result.skipped_users
                ),
            )
            print(
                f"wrote {len(result.skipped_users)} skipped users to {args.skipped_out}",
                file=out_stream,
            )
    except (ExportError, PoolsError) as error:
        print(f"error: {error}", file=err_stream)
        return EXIT_ERROR
    except OSError as error:
        print(f"error: cannot write {error.filename}: {error.strerror}", file=err_stream)
        return EXIT_ERROR
    return EXIT_OK
