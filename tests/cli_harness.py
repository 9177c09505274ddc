"""A harness whose methods each run exactly one `aurora` command, as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


class AuroraCli:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = {**os.environ, "AURORA_HOME": str(home)}

    def run(self, *args: str, input: str | None = None, timeout: float = 120,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "aurora.cli", *args], env=self.env, input=input,
                              capture_output=True, text=True, timeout=timeout, cwd=cwd)

    def ok(self, *args: str, **kw: Any) -> str:
        r = self.run(*args, **kw)
        assert r.returncode == 0, f"aurora {' '.join(args)} exited {r.returncode}: {r.stderr}"
        assert "Traceback" not in r.stderr
        return r.stdout

    def json(self, *args: str, **kw: Any) -> Any:
        return json.loads(self.ok(*args, "--json", **kw))
