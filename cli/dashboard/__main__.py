"""``python -m aurora.cli.dashboard [REFRESH_SECONDS]``: the dashboard without the CLI around it."""

from __future__ import annotations

import sys

from aurora.cli.dashboard.app import run

if __name__ == "__main__":
    run(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
