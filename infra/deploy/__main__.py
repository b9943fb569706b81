"""`python -m infra.deploy preflight|deployed-templates ...`: exit 0, or 2 with one message.

preflight --env NAME --action deploy|diff|destroy
    every check before the CDK CLI runs (see infra/deploy/preflight.py)
deployed-templates --env NAME --assembly cdk.out --out DIR
    the templates the environment has deployed, as a guard baseline
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.config.loader import ENVIRONMENTS_DIR
from infra.deploy.deployed import fetch_deployed
from infra.deploy.preflight import Action, PreflightError, check_environment, preflight

EXIT_OK = 0
EXIT_REFUSED = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m infra.deploy")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("preflight", help="check before deploy, diff or destroy")
    check.add_argument("--env", default="", help="environment name (a file in --directory)")
    check.add_argument("--action", type=Action, choices=list(Action), required=True)
    check.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR)
    deployed = commands.add_parser("deployed-templates", help="fetch the deployed templates")
    deployed.add_argument("--env", default="")
    deployed.add_argument("--assembly", type=Path, default=Path("cdk.out"))
    deployed.add_argument("--out", type=Path, required=True)
    deployed.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "preflight":
            target = preflight(args.env, args.action, directory=args.directory)
            print(target.describe(args.action), file=sys.stderr)
        else:
            config = check_environment(args.env, args.directory)
            found = fetch_deployed(args.assembly, config.name, args.out)
            for stack, exists in found.items():
                state = "deployed template" if exists else "not deployed yet: empty baseline"
                print(f"deployed-templates: {stack}: {state}", file=sys.stderr)
    except PreflightError as error:
        print(f"{args.command}: {error}", file=sys.stderr)
        return EXIT_REFUSED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
