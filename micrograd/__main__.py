"""`python -m micrograd`: the same command as `micrograd`."""

import sys

from micrograd.cli import main

sys.exit(main())
