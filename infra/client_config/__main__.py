"""`python -m infra.client_config --env NAME [--outputs FILE] [--out DIR]` (make client-config).

Writes `<out>/<env>/<AppClient>/amplify_outputs.json` for every interactive public app client.
The outputs come from `--outputs`, else from `<outputs-dir>/<env>.json` (written by `make
deploy`), else from the deployed stack through CloudFormation (with credentials). Every file is
built before any is written: an error writes nothing. Exit 0, or 2 with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from infra.client_config.amplify import amplify_outputs, required_outputs
from infra.client_config.outputs import DEFAULT_OUTPUTS_DIR, OutputsError, read_outputs
from infra.config.loader import ENVIRONMENTS_DIR
from infra.deploy.preflight import PreflightError, check_environment

FILE_NAME = "amplify_outputs.json"
DEFAULT_OUT = Path("client-config")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.client_config")
    parser.add_argument("--env", default="", help="environment name (a file in --directory)")
    parser.add_argument("--outputs", type=Path, default=None, help="cdk deploy --outputs-file")
    parser.add_argument(
        "--outputs-dir",
        type=Path,
        default=DEFAULT_OUTPUTS_DIR,
        help="where make deploy writes <env>.json (read when --outputs is not given)",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write into")
    parser.add_argument("--directory", type=Path, default=ENVIRONMENTS_DIR)
    args = parser.parse_args(argv)
    try:
        config = check_environment(args.env, args.directory)
        # Without a public client nothing is read: no file, no credentials needed.
        outputs = (
            read_outputs(config, args.outputs, directory=args.outputs_dir)
            if required_outputs(config)
            else {}
        )
        files, skipped = amplify_outputs(config, outputs)
    except (OutputsError, PreflightError) as error:
        print(f"client-config: {error}", file=sys.stderr)
        return 2
    for client_file in files:
        path = args.out / config.name / client_file.client_id / FILE_NAME
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(client_file.outputs, indent=2) + "\n", encoding="utf-8")
        print(f"client-config: wrote {path}", file=sys.stderr)
        for note in client_file.notes:
            print(f"client-config: {note}", file=sys.stderr)
    for skip in skipped:
        print(f"client-config: no file for {skip.client_id}: {skip.reason}", file=sys.stderr)
    if not files:
        print(f"client-config: {config.name} has no public app client", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
