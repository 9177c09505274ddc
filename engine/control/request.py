"""Reading one request from a control socket (aurorad's, an instance's): a JSON line
``{"op": "<name>", "args": {...}}``.

Whatever arrives, the server gets either the request or a :class:`UsageError` to answer
with: an oversized line, invalid JSON, nesting too deep for the parser, or the wrong shapes
never escape as exceptions from the connection's handler (which would drop the connection
without a reply and log a traceback).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aurora.engine.errors import UsageError

# The longest request line; servers pass it as their StreamReader limit. Requests are a
# name and a few arguments.
MAX_LINE = 64 * 1024


async def read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, Any]] | None:
    """The next request's operation and arguments; None when the client sent nothing."""
    try:
        line = await reader.readline()
    except ValueError:  # longer than the limit: readline dropped what it had read
        await _skip_line(reader)
        raise UsageError(f"malformed request: longer than {MAX_LINE} bytes") from None
    if not line:
        return None
    try:
        message = json.loads(line)
    except RecursionError:
        raise UsageError("malformed request: nested too deeply") from None
    except ValueError as e:  # not JSON, or not UTF-8
        raise UsageError(f"malformed request: {e}") from None
    op = message.get("op") if isinstance(message, dict) else None
    args = message.get("args", {}) if isinstance(message, dict) else None
    if not isinstance(op, str) or not isinstance(args, dict):
        raise UsageError('malformed request: expected {"op": "<name>", "args": {...}}')
    return op, args


async def _skip_line(reader: asyncio.StreamReader) -> None:
    """Read to the end of an oversized line, so the reply is not lost to a reset."""
    while True:
        chunk = await reader.read(MAX_LINE)
        if not chunk or b"\n" in chunk:
            return
