"""The CLI's start-up: every command pays it before it acts (a cold create before aurorad even
starts), so `aurora --help`, `--version` and a command's help import neither the SQL engine,
sqlglot, apsw, textual, asyncio nor rich."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sqlglot", "textual", "apsw", "asyncio", "rich", "aurora.engine.sql", "aurora.engine.instance",
         "aurora.cli.dashboard")

PROBE = f"""
import sys
sys.argv = ["aurora", *sys.argv[1:]]
import aurora.cli.main as m
try:
    m.main()
except SystemExit:
    pass
heavy = sorted(n for n in sys.modules if n.startswith({HEAVY!r}))
print("HEAVY", heavy, file=sys.stderr)
"""


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["create", "--help"], ["list", "--help"]])
def test_the_cli_starts_without_the_engine_or_rich(args: list[str]) -> None:
    r = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert "HEAVY []" in r.stderr, r.stderr
