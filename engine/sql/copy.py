"""COPY ... FROM STDIN / TO STDOUT: statement options, and text fields to column values.

The wire front end splits the data stream into rows of text fields (None for NULL, escapes
already undone) and hands them to :meth:`Session.copy_rows`; this module turns each field
into the storage form of its column's declared type. Both the modern option list
``WITH (FORMAT csv, HEADER, DELIMITER ',')`` and the old ``WITH CSV HEADER`` are accepted.
"""

from __future__ import annotations

import re

from aurora.engine.sql import schemas
from aurora.engine.sqlapi import SqlError

_COPY = re.compile(
    r"""\s*copy\s+
        (?:(?P<table>(?:"[^"]+"|[\w.]+))\s*(?:\((?P<cols>[^)]*)\))?|\((?P<query>.*)\))\s+
        (?P<dir>from|to)\s+(?P<target>stdin|stdout|'[^']*')
        (?P<opts>.*)$""",
    re.I | re.S | re.X,
)


class CopySpec:
    """What a COPY statement asked for, before the session resolves the columns."""

    def __init__(self, sql: str) -> None:
        m = _COPY.match(sql)
        if not m:
            raise SqlError("42601", "syntax error in COPY")
        target = m.group("target").lower()
        if target not in ("stdin", "stdout"):
            raise SqlError(
                "0A000", "COPY to or from a server file is not supported; use STDIN/STDOUT"
            )
        self.direction = m.group("dir").lower()
        table = m.group("table")
        # The stored name (schemas.py): x.t of a named schema is the SQLite table "x.t".
        self.table = schemas.stored(*schemas.split_qualified(table)) if table else None
        self.columns = (
            [c.strip().strip('"') for c in m.group("cols").split(",")] if m.group("cols") else []
        )
        self.query = m.group("query")
        self.format = "text"
        self.delimiter: str | None = None
        self.null: str | None = None
        self.header = False
        self.quote = '"'
        self.escape: str | None = None
        self._options(m.group("opts").strip())

    def _options(self, text: str) -> None:
        text = re.sub(r"^with\s*", "", text, flags=re.I).strip()
        if text.startswith("("):
            body = text[1 : text.rfind(")")]
            items = [i.strip() for i in _split_commas(body) if i.strip()]
            for item in items:
                parts = item.split(None, 1)
                key = parts[0].lower()
                val = parts[1].strip() if len(parts) > 1 else "true"
                self._set(key, val)
        else:
            tokens = re.findall(r"'(?:[^']|'')*'|\S+", text)
            i = 0
            while i < len(tokens):
                key = tokens[i].lower()
                if key in ("csv", "binary"):
                    self.format = key
                elif key == "header":
                    self.header = True
                elif key in ("delimiter", "null", "quote", "escape") and i + 1 < len(tokens):
                    i += 1
                    if tokens[i].lower() == "as" and i + 1 < len(tokens):
                        i += 1
                    self._set(key, tokens[i])
                elif key in ("freeze", "oids"):
                    pass
                i += 1

    def _set(self, key: str, val: str) -> None:
        v = val[1:-1].replace("''", "'") if val.startswith("'") and val.endswith("'") else val
        if v.upper().startswith("E'"):
            v = v[2:-1].encode().decode("unicode_escape")
        if key == "format":
            self.format = v.lower()
            if self.format not in ("text", "csv", "binary"):
                raise SqlError("22023", f'COPY format "{v}" not recognized')
        elif key == "header":
            self.header = v.lower() not in ("false", "off", "0")
        elif key == "delimiter":
            self.delimiter = v
        elif key == "null":
            self.null = v
        elif key == "quote":
            self.quote = v
        elif key == "escape":
            self.escape = v
        elif key in (
            "freeze",
            "encoding",
            "force_quote",
            "force_not_null",
            "force_null",
            "default",
            "oids",
        ):
            pass
        else:
            raise SqlError("42601", f'option "{key}" not recognized')

    def resolved(self) -> dict:
        csv = self.format == "csv"
        return {
            "format": self.format,
            "delimiter": self.delimiter or ("," if csv else "\t"),
            "null": self.null if self.null is not None else ("" if csv else "\\N"),
            "header": self.header,
            "quote": self.quote,
            "escape": self.escape or self.quote,
        }


def _split_commas(s: str) -> list[str]:
    return re.findall(r"(?:'(?:[^']|'')*'|[^,'])+", s)
