"""The CLI documents itself: every command has help with an example, every option has help,
usage errors read ``Error:``/``Try:``, and man/ and completions/ match what the CLI generates.

In-process and fast: the CLI runs through its own ``main()`` with a patched argv, and the
generator (scripts/gen_cli_docs.py) is imported; only the shells' syntax checks start processes.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from aurora.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = ".venv/bin/python scripts/gen_cli_docs.py"


def load_generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_cli_docs", ROOT / "scripts" / "gen_cli_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


gen = load_generator()
COMMANDS = list(gen.command_tree().walk())  # aurora itself, then every command and subcommand


def by_words(cmds: list) -> dict:
    return {"argvalues": cmds, "ids": [c.words for c in cmds]}


def run_cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["aurora", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out, err = capsys.readouterr()
    code = exited.value.code
    return (0 if code is None else int(code)), out, err


# --- generated files ------------------------------------------------------------------------------


def test_man_pages_and_completions_are_up_to_date() -> None:
    stale = gen.stale(ROOT)
    assert not stale, f"stale generated files {stale}; run: {REGENERATE}"


def test_check_names_edited_missing_and_leftover_files(tmp_path: Path) -> None:
    gen.write(tmp_path)
    assert gen.stale(tmp_path) == []
    page = f"man/{COMMANDS[1].page}.1"
    (tmp_path / "completions/aurora.bash").write_text("# edited by hand\n")
    (tmp_path / page).unlink()
    (tmp_path / "man/aurora-gone.1").write_text("")
    assert gen.stale(tmp_path) == sorted(["completions/aurora.bash", page, "man/aurora-gone.1"])
    gen.write(tmp_path)
    assert gen.stale(tmp_path) == []


def test_every_command_has_a_man_page() -> None:
    pages = gen.man_pages(gen.command_tree())
    for cmd in COMMANDS:
        assert f"man/{cmd.page}.1" in pages
        assert cmd.words in pages["man/aurora.1"].replace("\\-", "-")


# --- help texts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cmd", **by_words(COMMANDS))
def test_help_has_an_example(cmd) -> None:
    examples = [ln.strip() for ln in cmd.help.splitlines() if ln.strip().startswith("Example: aurora ")]
    assert examples, f"`{cmd.words} --help` has no line starting 'Example: aurora ...'"


@pytest.mark.parametrize("cmd", **by_words(COMMANDS))
def test_options_and_arguments_have_help(cmd) -> None:
    undocumented = [p.term for p in cmd.params if not p.help.strip()]
    assert not undocumented, f"{cmd.words}: no help text for {undocumented}"


@pytest.mark.parametrize("cmd", **by_words(COMMANDS))
def test_help_exits_0(cmd, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_cli([*cmd.path, "--help"], monkeypatch, capsys)
    assert code == 0, err
    assert out.startswith(f"Usage: {cmd.words} ")
    assert cmd.summary.split()[0] in out


@pytest.mark.parametrize("args", [["create"], ["list", "--bogus"], ["nosuchcommand"], ["daemon", "nosuch"]],
                         ids=" ".join)
def test_usage_errors_print_error_and_try_and_exit_2(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(args, monkeypatch, capsys)
    assert code == 2
    lines = err.splitlines()
    assert lines[0].startswith("Error: ") and lines[1].startswith("Try: aurora"), err
    assert "Traceback" not in err + out


# --- completion scripts ---------------------------------------------------------------------------


@pytest.mark.parametrize(("shell", "script"), [
    ("bash", "completions/aurora.bash"),
    ("zsh", "completions/_aurora"),
    ("fish", "completions/aurora.fish"),
])
def test_completion_script_parses(shell: str, script: str) -> None:
    exe = shutil.which(shell)
    if exe is None:
        pytest.skip(f"{shell} is not installed, so {script} cannot be syntax-checked here")
    result = subprocess.run([exe, "-n", str(ROOT / script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr
