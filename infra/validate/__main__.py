"""`python -m infra.validate --candidate cdk.out [--baseline DIR]`; see docs/ci.md."""

import sys

from infra.validate.cli import main

if __name__ == "__main__":
    sys.exit(main())
