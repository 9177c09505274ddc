"""COPY's text and CSV formats, as PostgreSQL reads and writes them.

:class:`CopyParser` turns CopyData chunks (split anywhere, even inside a UTF-8 sequence or
a quoted CSV field) into rows of ``str | None`` fields; :func:`format_rows` does the reverse
for COPY TO STDOUT. Rules follow PostgreSQL's copyfromparse.c / copyto.c: in text format the
NULL marker is compared before backslash escapes are decoded; in CSV a quoted value is never
NULL, and ``\\.`` alone on a line ends the data in both formats.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator

from aurora.engine.sqlapi import CopyIn, CopyOut, SqlError

from .types import text_function

_SIMPLE_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_TEXT_ESCAPE_RE = re.compile(r"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.))", re.DOTALL)


def _bad_copy(message: str) -> SqlError:
    return SqlError("22P04", message)


def _unescape_text(field: str) -> str:
    if "\\" not in field:
        return field

    def repl(m: re.Match[str]) -> str:
        if m.group(1):
            return chr(int(m.group(1), 8) & 0xFF)
        if m.group(2):
            return chr(int(m.group(2), 16))
        c = m.group(3)
        return _SIMPLE_ESCAPES.get(c, c)

    return _TEXT_ESCAPE_RE.sub(repl, field)


def _split_text_line(line: str, delimiter: str) -> list[str]:
    """Split on unescaped delimiters; a backslash protects the next character."""
    if "\\" not in line:
        return line.split(delimiter)
    fields: list[str] = []
    start = 0
    i = 0
    n = len(line)
    while i < n:
        c = line[i]
        if c == "\\":
            i += 2
            continue
        if c == delimiter:
            fields.append(line[start:i])
            start = i + 1
        i += 1
    fields.append(line[start:])
    return fields


class CopyParser:
    """Incremental parser of COPY FROM STDIN data in text or CSV format."""

    def __init__(self, copy: CopyIn) -> None:
        if copy.format not in ("text", "csv"):
            raise SqlError("0A000", f"COPY FROM STDIN in {copy.format} format is not supported")
        self.copy = copy
        self.csv = copy.format == "csv"
        self.expected = len(copy.columns) or None
        self._pending = b""
        self._skip_header = copy.header
        self._done = False
        self._line_no = 0
        # CSV state that survives a line break inside a quoted value.
        self._fields: list[str | None] = []
        self._field: list[str] = []
        self._quoted = False
        self._in_quotes = False

    def feed(self, data: bytes) -> list[list[str | None]]:
        """The rows completed by ``data``."""
        if self._done:
            return []
        buf = self._pending + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._pending = buf
            return []
        self._pending = buf[cut + 1 :]
        return self._lines(buf[: cut + 1])

    def finish(self) -> list[list[str | None]]:
        """The rows left at the end of the data (a last line without a newline)."""
        rows: list[list[str | None]] = []
        if self._pending and not self._done:
            rows = self._lines(self._pending + b"\n")
        self._pending = b""
        if self.csv and self._in_quotes and not self._done:
            raise _bad_copy("unterminated CSV quoted field")
        return rows

    def _lines(self, chunk: bytes) -> list[list[str | None]]:
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError:
            raise SqlError("22021", 'invalid byte sequence for encoding "UTF8"') from None
        rows: list[list[str | None]] = []
        for line in text.split("\n")[:-1]:
            if self._done:
                break
            self._line_no += 1
            crlf = line.endswith("\r")
            if crlf:
                line = line[:-1]
            if not self._in_quotes and line == "\\.":
                self._done = True
                break
            if self._skip_header:
                self._skip_header = False
                continue
            row = self._csv_line(line, crlf) if self.csv else self._text_line(line)
            if row is not None:
                self._check_width(row)
                rows.append(row)
        return rows

    def _check_width(self, row: list[str | None]) -> None:
        if self.expected is None:
            return
        if len(row) > self.expected:
            raise _bad_copy(f"extra data after last expected column (line {self._line_no})")
        if len(row) < self.expected:
            column = self.copy.columns[len(row)]
            raise _bad_copy(f'missing data for column "{column}" (line {self._line_no})')

    def _text_line(self, line: str) -> list[str | None]:
        null = self.copy.null
        return [
            None if raw == null else _unescape_text(raw)
            for raw in _split_text_line(line, self.copy.delimiter)
        ]

    def _csv_line(self, line: str, crlf: bool = False) -> list[str | None] | None:
        """Fields of a CSV record, or None while a quoted value continues on the next line."""
        delim, quote, escape = self.copy.delimiter, self.copy.quote, self.copy.escape
        if not self._in_quotes and quote not in line:
            self._fields = []
            return [None if f == self.copy.null else f for f in line.split(delim)]
        i = 0
        n = len(line)
        field = self._field
        while i < n:
            c = line[i]
            if self._in_quotes:
                if (
                    c == escape
                    and i + 1 < n
                    and line[i + 1] in (quote, escape)
                    and (escape != quote or line[i + 1] == quote)
                ):
                    field.append(line[i + 1])
                    i += 2
                    continue
                if c == quote:
                    self._in_quotes = False
                else:
                    field.append(c)
            elif c == quote:
                self._in_quotes = True
                self._quoted = True
            elif c == delim:
                self._end_csv_field()
                field = self._field
            else:
                field.append(c)
            i += 1
        if self._in_quotes:
            field.append("\r\n" if crlf else "\n")
            return None
        self._end_csv_field()
        fields, self._fields = self._fields, []
        return fields

    def _end_csv_field(self) -> None:
        value = "".join(self._field)
        self._fields.append(value if self._quoted or value != self.copy.null else None)
        self._field = []
        self._quoted = False


# --- COPY TO STDOUT -------------------------------------------------------------------------

_TEXT_OUT_ESCAPES = {
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "\v": "\\v",
}


def _text_field(value: str, delimiter: str) -> str:
    out = []
    for c in value:
        esc = _TEXT_OUT_ESCAPES.get(c)
        if esc is not None:
            out.append(esc)
        elif c == delimiter:
            out.append("\\" + c)
        else:
            out.append(c)
    return "".join(out)


def _csv_field(value: str, copy: CopyOut, force: bool = False) -> str:
    quote, escape, delim = copy.quote, copy.escape, copy.delimiter
    needs = (
        force
        or value == copy.null
        or value == "\\."
        or any(ch in value for ch in (delim, quote, "\n", "\r"))
    )
    if not needs:
        return value
    body = value.replace(escape, escape + escape) if escape != quote else value
    body = body.replace(quote, escape + quote)
    return quote + body + quote


def format_rows(copy: CopyOut) -> Iterator[bytes]:
    """One CopyData payload per line: the header (if asked) and then every row."""
    if copy.format not in ("text", "csv"):
        raise SqlError("0A000", f"COPY TO STDOUT in {copy.format} format is not supported")
    texts: list[Callable[[object], str]] = [text_function(c.type_oid) for c in copy.columns]
    csv = copy.format == "csv"
    delim = copy.delimiter
    if copy.header:
        names = [c.name for c in copy.columns]
        if csv:
            yield (delim.join(_csv_field(n, copy) for n in names) + "\n").encode()
        else:
            yield (delim.join(_text_field(n, delim) for n in names) + "\n").encode()
    simple = not csv and delim == "\t"
    for row in copy.rows:
        fields = []
        for value, text in zip(row, texts, strict=False):
            if value is None:
                fields.append(copy.null)
                continue
            s = text(value)
            if csv:
                fields.append(_csv_field(s, copy))
            elif simple and not any(c in s for c in "\\\n\r\t\b\f\v"):
                fields.append(s)
            else:
                fields.append(_text_field(s, delim))
        yield (delim.join(fields) + "\n").encode()


def parse_all(copy: CopyIn, chunks: Iterable[bytes]) -> list[list[str | None]]:
    """Every row of ``chunks`` (a convenience for tests and small inputs)."""
    parser = CopyParser(copy)
    rows: list[list[str | None]] = []
    for chunk in chunks:
        rows += parser.feed(chunk)
    rows += parser.finish()
    return rows
