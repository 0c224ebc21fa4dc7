import sys

from tuilogs.cli import main

sys.exit(main())
