"""The `aurora` command: typer commands that call the engine and render its results.

Errors from :mod:`aurora.engine.errors` are rendered here, as one line ``Error: ...`` and
an optional ``Try: ...`` on stderr, with the error's exit code.
"""

from __future__ import annotations

import sys

import typer

from aurora.engine import __version__
from aurora.engine.errors import AuroraError

app = typer.Typer(
    name="aurora",
    help="Run Aurora-style database clusters on this machine.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aurora {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Run Aurora-style database clusters on this machine.

    Example: aurora --version
    """


def main() -> None:
    try:
        app()
    except AuroraError as e:
        print(f"Error: {e.message}", file=sys.stderr)
        if e.hint:
            print(f"Try: {e.hint}", file=sys.stderr)
        sys.exit(e.exit_code)
    except KeyboardInterrupt:
        sys.exit(130)
