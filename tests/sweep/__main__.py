import sys

from tests.sweep.run import main

sys.exit(main())
