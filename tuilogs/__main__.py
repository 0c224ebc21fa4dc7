"""`python -m tuilogs`: the `tuilogs` command."""

import sys

from tuilogs.cli.main import main

sys.exit(main())
