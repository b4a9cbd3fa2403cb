"""python3 -m wsaconform ... (what the ./wsaconform script runs)."""

import sys

from .cli import main

sys.exit(main())
