"""`python -m infra.migration export --old-pool-id ID --new-pool-id ID [...]`."""

import sys

from infra.migration.cli import main

if __name__ == "__main__":
    sys.exit(main())
