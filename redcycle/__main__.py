"""``python -m redcycle``: the same as the ``redcycle`` command."""

import sys

from redcycle.cli import main

sys.exit(main())
