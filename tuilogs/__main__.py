import sys

from tuilogs.cli.main import main

sys.exit(main())
