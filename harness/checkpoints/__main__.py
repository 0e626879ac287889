"""`python -m harness.checkpoints ...`: see harness/checkpoints/cli.py."""

import sys

from harness.checkpoints.cli import main

sys.exit(main())
