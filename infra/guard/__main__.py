"""`python -m infra.guard BASELINE_DIR CANDIDATE_DIR [--accepted-risks PATH] [--markdown PATH]`."""

import sys

from infra.guard.cli import main

if __name__ == "__main__":
    sys.exit(main())
