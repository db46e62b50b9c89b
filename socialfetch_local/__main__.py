"""`python -m socialfetch_local`: the same as the `socialfetch-local-sync` console script."""

from __future__ import annotations

import sys

from socialfetch_local.cli import main

if __name__ == "__main__":
    sys.exit(main())
