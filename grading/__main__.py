"""``python -m grading``: the command line."""

import sys

from grading.cli import main

sys.exit(main())
