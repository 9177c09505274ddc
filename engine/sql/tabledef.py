"""A table's SQLite CREATE TABLE text as items that ALTER TABLE edits in place.

SQLite's own ALTER TABLE cannot add or drop a constraint, change a default or a NOT NULL.
:class:`TableText` reads the text SQLite keeps in ``sqlite_schema`` as one item per column or
table constraint, each column a name, a type and a list of clauses (``NOT NULL``,
``DEFAULT``, ``CONSTRAINT n CHECK (...)`` ...), kept verbatim except where an edit touches
them. :func:`write` stores the edited text with ``PRAGMA writable_schema``, the procedure
SQLite documents for changes that leave the stored rows valid, inside the caller's
transaction: the schema cookie moves, so this connection and every other instance on the
volume re-read the schema. Callers check the data against a new rule before writing it, and
:func:`write` refuses any edit that would move storage (column names, order, declared types,
primary key, unique indexes): those need a rebuild.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import apsw

from aurora.engine.sqlapi import SqlError

_TOKEN = re.compile(
    r"""\s+|"(?:[^"]|"")*"|'(?:[^']|'')*'|`[^`]*`|\[[^\]]*\]|[A-Za-z_][\w$]*|"""
    r"""\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|[(),]|\S""",
)
# Words that start a column clause (a CONSTRAINT name may come first).
_CLAUSE_WORDS = {
    "constraint",
    "primary",
    "not",
    "null",
    "unique",
    "check",
    "default",
    "collate",
    "references",
    "generated",
    "as",
}
_TABLE_CONSTRAINT_WORDS = {"constraint", "primary", "unique", "check", "foreign"}


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def unquote(token: str) -> str:
    if token[:1] == '"' and token[-1:] == '"':
        return token[1:-1].replace('""', '"')
    if token[:1] in "`[" and len(token) > 1:
        return token[1:-1]
    return token


def _tokens(text: str) -> list[tuple[str, int, int]]:
    """Tokens of a piece of SQL with their spans, whitespace dropped, each parenthesised group
    one token."""
    out: list[tuple[str, int, int]] = []
    depth = 0
    start = 0
    for m in _TOKEN.finditer(text):
        tok = m.group(0)
        if tok.isspace():
            continue
        if tok == "(":
            if depth == 0:
                start = m.start()
            depth += 1
            continue
        if depth:
            if tok == ")":
                depth -= 1
                if depth == 0:
                    out.append((text[start : m.end()], start, m.end()))
            continue
        out.append((tok, m.start(), m.end()))
    if depth:
        out.append((text[start:], start, len(text)))
    return out


def split_top(body: str) -> list[str]:
    """Split the inside of CREATE TABLE (...) at commas outside parentheses and quotes."""
    items: list[str] = []
    depth = 0
    start = 0
    for m in _TOKEN.finditer(body):
        tok = m.group(0)
        if tok == "(":
            depth += 1
        elif tok == ")":
            depth -= 1
        elif tok == "," and depth == 0:
            items.append(body[start : m.start()].strip())
            start = m.end()
    items.append(body[start:].strip())
    return [i for i in items if i]


@dataclass
class Clause:
    """One column clause: its kind (``notnull``, ``default``, ``check`` ...), its constraint
    name when it has one, and its text as SQLite keeps it."""

    kind: str
    name: str | None
    text: str


@dataclass
class ColumnItem:
    name: str
    type: str
    clauses: list[Clause] = field(default_factory=list)

    def sql(self) -> str:
        parts = [quote(self.name)]
        if self.type:
            parts.append(self.type)
        parts.extend(c.text for c in self.clauses)
        return " ".join(parts)

    def find(self, kind: str) -> Clause | None:
        return next((c for c in self.clauses if c.kind == kind), None)

    def drop(self, kind: str, name: str | None = None) -> None:
        self.clauses = [
            c
            for c in self.clauses
            if not (c.kind == kind and (name is None or (c.name or "").lower() == name.lower()))
        ]


@dataclass
class ConstraintItem:
    """A table constraint: ``check``, ``primary``, ``unique`` or ``foreign``."""

    kind: str
    name: str | None
    text: str

    def sql(self) -> str:
        return self.text


def _clause_kind(words: list[str]) -> str:
    w = words[0].lower()
    if w == "not" and len(words) > 1 and words[1].lower() == "null":
        return "notnull"
    if w in ("generated", "as"):
        return "generated"
    if w == "primary":
        return "primary"
    return w


def _parse_column(item: str) -> ColumnItem:
    spans = _tokens(item)
    toks = [t for t, _, _ in spans]
    name = unquote(toks[0])
    i = 1
    while i < len(toks) and toks[i].lower() not in _CLAUSE_WORDS:
        i += 1
    col = ColumnItem(name, item[spans[1][1] : spans[i - 1][2]] if i > 1 else "")
    while i < len(toks):
        start = i
        cname = None
        if toks[i].lower() == "constraint":
            cname = unquote(toks[i + 1])
            i += 2
        kind = _clause_kind(toks[i : i + 2])
        i += 2 if kind == "notnull" else 1
        # The clause runs to the next clause word (NOT DEFERRABLE belongs to REFERENCES).
        while i < len(toks):
            w = toks[i].lower()
            if w in _CLAUSE_WORDS and not (
                w == "not" and i + 1 < len(toks) and toks[i + 1].lower() == "deferrable"
            ):
                break
            i += 1
        col.clauses.append(Clause(kind, cname, item[spans[start][1] : spans[i - 1][2]]))
    return col


def _parse_constraint(item: str) -> ConstraintItem:
    toks = [t for t, _, _ in _tokens(item)]
    name = None
    i = 0
    if toks[0].lower() == "constraint":
        name = unquote(toks[1])
        i = 2
    return ConstraintItem(toks[i].lower(), name, item)


_HEAD = re.compile(r"^\s*CREATE\s+TABLE\s+(?:\"(?:[^\"]|\"\")*\"|\S+?)\s*\(", re.I)


class TableText:
    """The CREATE TABLE text of one table, as editable items."""

    def __init__(self, conn: apsw.Connection, table: str) -> None:
        rows = conn.execute(
            "SELECT name, sql FROM main.sqlite_schema WHERE type='table' AND lower(name)=lower(?)",
            (table,),
        ).fetchall()
        if not rows:
            raise SqlError("42P01", f'relation "{table}" does not exist')
        self._read(*rows[0])

    @classmethod
    def of(cls, table: str, sql: str) -> TableText:
        """The items of a CREATE TABLE text already at hand."""
        text = cls.__new__(cls)
        text._read(table, sql)
        return text

    def _read(self, table: str, sql: str) -> None:
        self.table, self.original = table, sql
        m = _HEAD.match(self.original)
        end = self.original.rstrip().rfind(")")
        if not m or end < m.end():
            raise SqlError("XX000", f'cannot read the definition of table "{table}"')
        self.head = self.original[: m.end()]
        self.tail = self.original[end:]
        self.items: list[ColumnItem | ConstraintItem] = []
        for item in split_top(self.original[m.end() : end]):
            first = _tokens(item)[0][0].lower()
            if first in _TABLE_CONSTRAINT_WORDS and not item.lstrip().startswith('"'):
                self.items.append(_parse_constraint(item))
            else:
                self.items.append(_parse_column(item))

    def columns(self) -> list[ColumnItem]:
        return [i for i in self.items if isinstance(i, ColumnItem)]

    def column(self, name: str) -> ColumnItem:
        for c in self.columns():
            if c.name.lower() == name.lower():
                return c
        raise SqlError("42703", f'column "{name}" of relation "{self.table}" does not exist')

    def constraints(self) -> list[ConstraintItem]:
        return [i for i in self.items if isinstance(i, ConstraintItem)]

    def checks(self) -> list[tuple[str | None, str, str | None]]:
        """Every CHECK: (name, expression text, the column it is declared on or None)."""
        out: list[tuple[str | None, str, str | None]] = []
        for item in self.items:
            if isinstance(item, ColumnItem):
                for c in item.clauses:
                    if c.kind == "check":
                        out.append((c.name, _check_body(c.text), item.name))
            elif item.kind == "check":
                out.append((item.name, _check_body(item.text), None))
        return out

    def drop_check(self, name: str) -> bool:
        """Remove the CHECK called ``name`` (column clause or table item); False if none."""
        for item in list(self.items):
            if isinstance(item, ColumnItem):
                before = len(item.clauses)
                item.drop("check", name)
                if len(item.clauses) != before:
                    return True
            elif item.kind == "check" and (item.name or "").lower() == name.lower():
                self.items.remove(item)
                return True
        return False

    def add_check(self, name: str, expr_sql: str) -> None:
        self.items.append(ConstraintItem("check", name, f"CONSTRAINT {quote(name)} CHECK ({expr_sql})"))

    def sql(self) -> str:
        return self.head + ", ".join(i.sql() for i in self.items) + self.tail


def _check_body(text: str) -> str:
    m = re.search(r"\bCHECK\s*\(", text, re.I)
    if not m:
        return text
    return text[m.end() : text.rstrip().rfind(")")].strip()


def _storage(conn: apsw.Connection, table: str, retype: set[str]) -> tuple:
    cols = [
        (name, "" if name.lower() in retype else decl, pk, hidden)
        for name, decl, pk, hidden in conn.execute(
            "SELECT name, type, pk, hidden FROM pragma_table_xinfo(?)", (table,)
        ).fetchall()
    ]
    idx = conn.execute(
        "SELECT name, \"unique\", origin FROM pragma_index_list(?) ORDER BY name", (table,)
    ).fetchall()
    return tuple(cols), tuple(idx)


def touch_schema(conn: apsw.Connection) -> None:
    """Move the schema cookie: every connection on the volume (this engine's catalog copies,
    the other instances' pg_catalog) reloads what the engine's own tables say."""
    version = conn.execute("PRAGMA schema_version").fetchall()[0][0]
    conn.execute(f"PRAGMA schema_version={version + 1}")


def write(conn: apsw.Connection, text: TableText, retype: set[str] | None = None) -> None:
    """Store the edited CREATE TABLE text of ``text.table`` in the current transaction.

    ``retype`` names columns whose declared type may change (the caller then rewrites their
    values, so that each is stored as the new type's affinity makes it)."""
    new_sql = text.sql()
    if new_sql == text.original:
        return
    table = text.table
    retype = {c.lower() for c in retype or ()}
    before = _storage(conn, table, retype)
    version = conn.execute("PRAGMA schema_version").fetchall()[0][0]
    conn.execute("PRAGMA writable_schema=ON")
    try:
        conn.execute(
            "UPDATE main.sqlite_schema SET sql=? WHERE type='table' AND name=?", (new_sql, table)
        )
        conn.execute(f"PRAGMA schema_version={version + 1}")
    finally:
        conn.execute("PRAGMA writable_schema=OFF")
    after = _storage(conn, table, retype)
    if after != before:
        # Never leave a definition that reads the stored rows differently.
        raise SqlError("XX000", f'internal error: editing table "{table}" would move its storage')
