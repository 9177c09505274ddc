"""PL/pgSQL: a parser of function bodies and an interpreter that runs them on the session.

A body is parsed once per text (``parse``, cached) into a tree of statements; every
expression and embedded SQL statement is kept as its text with the variables it names
replaced by typed parameters (``$3::integer``), as PostgreSQL's own PL/pgSQL prepares them,
so each one is a cached plan of the session. Names are resolved when the body is parsed
(PL/pgSQL's scoping is static): an identifier is a variable where a declaration in scope
says so, otherwise it is left to SQL. The interpreter (``Frame``) keeps the values as the
session returns them (Python objects) and binds them back as parameters.

Subtransactions: an ``EXCEPTION`` block undoes its writes with a SAVEPOINT. SQLite opens
none while a statement runs, so inside a function called by a statement (or a trigger) a
block whose body wrote something and then failed cannot be undone: that error is
re-raised as 0A000 instead of being caught, never a half-undone state.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aurora.engine.sql import jsonb, types
from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    from aurora.engine.sql.session import Session

# --- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*)
  | (?P<str>[eE]'(?:[^'\\]|\\.|'')*'|[bBxXnN]?'(?:[^']|'')*'|[uU]&'(?:[^']|'')*')
  | (?P<dollar>\$(?P<tag>[A-Za-z_]\w*)?\$)
  | (?P<param>\$\d+)
  | (?P<qident>"(?:[^"]|"")*")
  | (?P<ident>[A-Za-z_\u0080-\uffff][\w$\u0080-\uffff]*)
  | (?P<num>\d+(?:\.(?!\.)\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)
  | (?P<op>:=|\.\.|<<|>>|::|<=|>=|<>|!=|\|\||[-+*/%^<>=~!@#&|`?(),;\[\].:])
    """,
    re.X | re.S,
)


@dataclass(frozen=True, slots=True)
class Tok:
    kind: str  # ident (lowercased value), qident, str, num, param, op
    value: str
    start: int
    end: int


def tokenize(text: str) -> list[Tok]:
    out: list[Tok] = []
    i, n = 0, len(text)
    while i < n:
        if text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            i = j
            continue
        m = _TOKEN.match(text, i)
        if not m:
            raise SqlError("42601", f'syntax error at or near "{text[i:i + 10]}"')
        kind = m.lastgroup
        if kind == "tag":
            kind = "dollar"
        if kind == "dollar":
            close = text.find(m.group(0), m.end())
            if close < 0:
                raise SqlError("42601", "unterminated dollar-quoted string")
            out.append(Tok("str", text[i:close + len(m.group(0))], i, close + len(m.group(0))))
            i = close + len(m.group(0))
            continue
        if kind != "ws":
            value = m.group(0)
            if kind == "ident":
                value = value.lower()
            elif kind == "qident":
                value = value[1:-1].replace('""', '"')
            out.append(Tok(kind or "op", value, i, m.end()))
        i = m.end()
    return out


# --- the tree -----------------------------------------------------------------------------------


@dataclass
class Ref:
    """A variable (or a field of a record variable) named in SQL text."""

    name: str
    field: str | None = None


@dataclass
class Sql:
    """SQL text with variables in it: pieces of text and Refs, in order."""

    parts: list[str | Ref]
    text: str  # as written, for messages


@dataclass
class Decl:
    name: str
    type: str
    default: Sql | None = None
    constant: bool = False
    not_null: bool = False
    alias_of: str | None = None


@dataclass
class Block:
    label: str | None
    decls: list[Decl]
    body: list[Any]
    handlers: list[tuple[list[str], list[Any]]] | None = None


@dataclass
class Assign:
    target: Ref
    expr: Sql


@dataclass
class If:
    arms: list[tuple[Sql, list[Any]]]
    orelse: list[Any] | None


@dataclass
class Case:
    subject: Sql | None
    arms: list[tuple[list[Sql], list[Any]]]
    orelse: list[Any] | None


@dataclass
class Loop:
    label: str | None
    body: list[Any]
    kind: str = "loop"  # loop | while | range | query | foreach
    cond: Sql | None = None
    var: str | None = None
    targets: list[str] = field(default_factory=list)
    low: Sql | None = None
    high: Sql | None = None
    step: Sql | None = None
    reverse: bool = False
    query: Sql | None = None
    dynamic: bool = False
    using: list[Sql] = field(default_factory=list)


@dataclass
class Exit:
    label: str | None
    cond: Sql | None
    is_continue: bool


@dataclass
class Return:
    expr: Sql | None
    kind: str = "value"  # value | next | query | query_execute
    using: list[Sql] = field(default_factory=list)


@dataclass
class Raise:
    level: str
    fmt: str | None
    args: list[Sql]
    options: list[tuple[str, Sql]]
    condition: str | None = None  # a condition name or SQLSTATE given instead of a message


@dataclass
class Exec:
    """An SQL statement (or PERFORM, or EXECUTE of a dynamic text)."""

    sql: Sql
    into: list[str] | None = None
    strict: bool = False
    perform: bool = False
    dynamic: bool = False
    using: list[Sql] = field(default_factory=list)


@dataclass
class GetDiag:
    items: list[tuple[str, str]]
    stacked: bool


@dataclass
class Assert:
    cond: Sql
    message: Sql | None


class _Null:
    pass


# --- the parser ---------------------------------------------------------------------------------

_BLOCK_ENDS = {"end", "elsif", "elseif", "else", "exception", "when"}
_LEVELS = ("debug", "log", "info", "notice", "warning", "exception")


class Parser:
    def __init__(self, text: str, names: dict[str, str]) -> None:
        self.text = text
        self.toks = tokenize(text)
        self.i = 0
        # name -> type of every variable in scope, innermost last
        self.scopes: list[dict[str, str]] = [dict(names)]

    # helpers
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str | None:
        t = self.peek(k)
        return t.value if t is not None and t.kind == "ident" else None

    def is_op(self, op: str, k: int = 0) -> bool:
        t = self.peek(k)
        return t is not None and t.kind == "op" and t.value == op

    def error(self, what: str | None = None) -> SqlError:
        t = self.peek()
        near = self.text[t.start:t.end] if t else "end of input"
        return SqlError("42601", what or f'syntax error at or near "{near}"')

    def expect_word(self, *words: str) -> str:
        w = self.word()
        if w not in words:
            raise self.error()
        self.i += 1
        return w

    def expect_op(self, op: str) -> None:
        if not self.is_op(op):
            raise self.error()
        self.i += 1

    def lookup(self, name: str) -> str | None:
        for scope in reversed(self.scopes):
            if name in scope:
                return scope[name]
        return None

    # expressions: tokens up to a stop word or op at depth 0
    def scan(self, stop_words: set[str], stop_ops: set[str] = frozenset({";"})) -> tuple[int, int]:
        start = self.i
        depth = case = 0
        while self.i < len(self.toks):
            t = self.toks[self.i]
            if t.kind == "op":
                if t.value in ("(", "["):
                    depth += 1
                elif t.value in (")", "]"):
                    depth -= 1
                elif depth == 0 and case == 0 and t.value in stop_ops:
                    break
            elif t.kind == "ident" and depth == 0:
                if t.value == "case":
                    case += 1
                elif t.value == "end" and case:
                    case -= 1
                elif case == 0 and t.value in stop_words:
                    break
            self.i += 1
        return start, self.i

    def sql(self, start: int, end: int) -> Sql:
        """Tokens [start, end) as SQL text with the variables in scope made Refs."""
        if start >= end:
            raise self.error("missing expression")
        toks = self.toks
        base = toks[start].start
        parts: list[str | Ref] = []
        at = base
        k = start
        while k < end:
            t = toks[k]
            prev = toks[k - 1] if k > start else None
            if t.kind in ("ident", "qident", "param") and not (prev and prev.kind == "op" and prev.value in (".", "::")):
                name = t.value
                nxt = toks[k + 1] if k + 1 < end else None
                typ = self.lookup(name)
                after_as = prev is not None and prev.kind == "ident" and prev.value == "as"
                if typ is not None and not after_as and not (nxt and nxt.kind == "op" and nxt.value == "("):
                    ref_end = t.end
                    fld = None
                    if (nxt and nxt.kind == "op" and nxt.value == "." and k + 2 < end
                            and (typ == "record" or typ.startswith("%rowtype"))):
                        after = toks[k + 2]
                        if after.kind in ("ident", "qident"):
                            fld = after.value
                        elif not (after.kind == "op" and after.value == "*"):  # rec.* is the row
                            after = None
                        if after is not None:
                            ref_end = after.end
                            k += 2
                    parts.append(self.text[at:t.start])
                    parts.append(Ref(name, fld))
                    at = ref_end
            k += 1
        last = toks[end - 1].end
        parts.append(self.text[at:last])
        return Sql(parts, self.text[base:last])

    def expr_until(self, stop_words: set[str], stop_ops: set[str] = frozenset({";"})) -> Sql:
        s, e = self.scan(stop_words, stop_ops)
        return self.sql(s, e)

    # the body
    def parse_body(self) -> Block:
        block = self.block(self.label())
        if self.is_op(";"):
            self.i += 1
        if self.peek() is not None:
            raise self.error()
        return block

    def label(self) -> str | None:
        if self.is_op("<<"):
            self.i += 1
            name = self.peek()
            if name is None or name.kind not in ("ident", "qident"):
                raise self.error()
            self.i += 1
            self.expect_op(">>")
            return name.value
        return None

    def block(self, label: str | None) -> Block:
        scope: dict[str, str] = {}
        self.scopes.append(scope)
        decls: list[Decl] = []
        if self.word() == "declare":
            self.i += 1
            while self.word() != "begin" and self.peek() is not None:
                if self.word() == "declare":
                    self.i += 1
                    continue
                decls.append(self.decl(scope))
        self.expect_word("begin")
        body = self.stmts()
        handlers = None
        if self.word() == "exception":
            self.i += 1
            handlers = []
            while self.word() == "when":
                self.i += 1
                conds = []
                while True:
                    t = self.peek()
                    if t is None:
                        raise self.error()
                    if t.kind == "ident" and t.value == "sqlstate":
                        self.i += 1
                        code = self.peek()
                        if code is None or code.kind != "str":
                            raise self.error()
                        conds.append("sqlstate:" + _unquote(code.value))
                    else:
                        conds.append(t.value)
                    self.i += 1
                    if self.word() == "or":
                        self.i += 1
                        continue
                    break
                self.expect_word("then")
                self.scopes.append({"sqlerrm": "text", "sqlstate": "text"})
                handlers.append((conds, self.stmts()))
                self.scopes.pop()
        self.expect_word("end")
        if self.peek() is not None and self.peek().kind in ("ident", "qident") and not self.is_op(";"):
            self.i += 1  # END label
        self.scopes.pop()
        return Block(label, decls, body, handlers)

    def decl(self, scope: dict[str, str]) -> Decl:
        t = self.peek()
        if t is None or t.kind not in ("ident", "qident"):
            raise self.error()
        name = t.value
        self.i += 1
        constant = False
        if self.word() == "constant":
            constant = True
            self.i += 1
        if self.word() == "alias":
            self.i += 1
            self.expect_word("for")
            target = self.peek()
            self.i += 1
            self.expect_op(";")
            assert target is not None
            scope[name] = self.lookup(target.value) or "text"
            return Decl(name, scope[name], alias_of=target.value)
        if self.word() == "cursor" or (self.word() in ("no", "scroll")):
            raise SqlError("0A000", "cursor variables in PL/pgSQL are not supported")
        s, e = self.scan({"not", "default", "collate"}, {";", ":=", "="})
        type_text = self.text[self.toks[s].start:self.toks[e - 1].end].strip() if e > s else ""
        typ = _type_name(self, type_text)
        not_null = False
        default = None
        if self.word() == "collate":
            self.i += 2
        if self.word() == "not":
            self.i += 1
            self.expect_word("null")
            not_null = True
        if self.word() == "default" or self.is_op(":=") or self.is_op("="):
            self.i += 1
            default = self.expr_until(set())
        self.expect_op(";")
        scope[name] = typ
        return Decl(name, typ, default, constant, not_null)

    def stmts(self) -> list[Any]:
        out = []
        while True:
            w = self.word()
            if self.peek() is None:
                raise self.error("missing END of block")
            if w in _BLOCK_ENDS:
                return out
            out.append(self.stmt())

    def stmt(self) -> Any:
        label = self.label()
        w = self.word()
        if w in ("declare", "begin"):
            b = self.block(label)
            self.expect_op(";")
            return b
        if w in ("loop", "while", "for", "foreach"):
            return self.loop(label)
        if label is not None:
            raise self.error()
        if w == "if":
            return self.if_()
        if w == "case":
            return self.case()
        if w in ("exit", "continue"):
            self.i += 1
            lab = None
            t = self.peek()
            if t is not None and t.kind in ("ident", "qident") and t.value != "when":
                lab = t.value
                self.i += 1
            cond = None
            if self.word() == "when":
                self.i += 1
                cond = self.expr_until(set())
            self.expect_op(";")
            return Exit(lab, cond, w == "continue")
        if w == "return":
            return self.return_()
        if w == "raise":
            return self.raise_()
        if w == "perform":
            self.i += 1
            s, e = self.scan(set())
            node = Exec(self.sql(s, e), perform=True)
            self.expect_op(";")
            return node
        if w == "execute":
            return self.execute()
        if w == "get":
            return self.get_diag()
        if w == "null":
            self.i += 1
            self.expect_op(";")
            return None
        if w == "assert":
            self.i += 1
            cond = self.expr_until(set(), {";", ","})
            msg = None
            if self.is_op(","):
                self.i += 1
                msg = self.expr_until(set())
            self.expect_op(";")
            return Assert(cond, msg)
        if w in ("open", "fetch", "close", "move", "commit", "rollback", "call"):
            raise SqlError("0A000", f"{w.upper()} in PL/pgSQL is not supported")
        # assignment?
        t = self.peek()
        if t is not None and t.kind in ("ident", "qident") and self.lookup(t.value) is not None:
            k = 1
            fld = None
            if self.is_op(".", 1) and self.peek(2) is not None:
                fld = self.peek(2).value
                k = 3
            if self.is_op(":=", k) or self.is_op("=", k):
                self.i += k + 1
                expr = self.expr_until(set())
                self.expect_op(";")
                return Assign(Ref(t.value, fld), expr)
        return self.sql_stmt()

    def sql_stmt(self) -> Exec:
        s, e = self.scan(set())
        self.expect_op(";")
        toks = self.toks
        first = toks[s].value if toks[s].kind == "ident" else ""
        into: list[str] | None = None
        strict = False
        # SELECT ... INTO [STRICT] targets ... / INSERT ... RETURNING ... INTO targets
        depth = 0
        into_at = None
        for k in range(s, e):
            t = toks[k]
            if t.kind == "op" and t.value in ("(", "["):
                depth += 1
            elif t.kind == "op" and t.value in (")", "]"):
                depth -= 1
            elif depth == 0 and t.kind == "ident" and t.value == "into" and not (
                k > s and toks[k - 1].kind == "ident" and toks[k - 1].value in ("insert", "merge")
            ) and first in ("select", "insert", "update", "delete", "with"):
                into_at = k
                break
        if into_at is None:
            return Exec(self.sql(s, e))
        k = into_at + 1
        if k < e and toks[k].kind == "ident" and toks[k].value == "strict":
            strict = True
            k += 1
        into = []
        while k < e:
            t = toks[k]
            if t.kind not in ("ident", "qident") or self.lookup(t.value) is None:
                raise SqlError("42601", f'"{t.value}" is not a known variable')
            name = t.value
            k += 1
            if k + 1 < e and toks[k].kind == "op" and toks[k].value == ".":
                name += "." + toks[k + 1].value
                k += 2
            into.append(name)
            if k < e and toks[k].kind == "op" and toks[k].value == ",":
                k += 1
                continue
            break
        left = self.sql(s, into_at).parts if into_at > s else []
        right = self.sql(k, e).parts if k < e else []
        parts = [*left, " ", *right]
        return Exec(Sql(parts, self.text[toks[s].start:toks[e - 1].end]), into=into, strict=strict)

    def if_(self) -> If:
        self.i += 1
        arms = []
        cond = self.expr_until({"then"})
        self.expect_word("then")
        arms.append((cond, self.stmts()))
        orelse = None
        while True:
            w = self.word()
            if w in ("elsif", "elseif"):
                self.i += 1
                cond = self.expr_until({"then"})
                self.expect_word("then")
                arms.append((cond, self.stmts()))
            elif w == "else":
                self.i += 1
                orelse = self.stmts()
            else:
                break
        self.expect_word("end")
        self.expect_word("if")
        self.expect_op(";")
        return If(arms, orelse)

    def case(self) -> Case:
        self.i += 1
        subject = None
        if self.word() != "when":
            subject = self.expr_until({"when"})
        arms = []
        while self.word() == "when":
            self.i += 1
            vals = []
            while True:
                vals.append(self.expr_until({"then"}, {",", ";"}))
                if self.is_op(","):
                    self.i += 1
                    continue
                break
            self.expect_word("then")
            arms.append((vals, self.stmts()))
        orelse = None
        if self.word() == "else":
            self.i += 1
            orelse = self.stmts()
        self.expect_word("end")
        self.expect_word("case")
        self.expect_op(";")
        return Case(subject, arms, orelse)

    def loop(self, label: str | None) -> Loop:
        w = self.word()
        self.i += 1
        node = Loop(label, [])
        pushed = False
        if w == "while":
            node.kind = "while"
            node.cond = self.expr_until({"loop"})
        elif w in ("for", "foreach"):
            names = []
            while True:
                t = self.peek()
                if t is None or t.kind not in ("ident", "qident"):
                    raise self.error()
                names.append(t.value)
                self.i += 1
                if self.is_op(","):
                    self.i += 1
                    continue
                break
            if w == "foreach":
                node.kind = "foreach"
                node.targets = names
                if self.word() == "slice":
                    raise SqlError("0A000", "FOREACH ... SLICE is not supported")
                self.expect_word("in")
                self.expect_word("array")
                node.query = self.expr_until({"loop"})
            else:
                self.expect_word("in")
                if self.word() == "reverse":
                    node.reverse = True
                    self.i += 1
                nxt = self.word()
                if nxt in ("select", "with", "values", "table") or (nxt == "execute"):
                    node.kind = "query"
                    node.targets = names
                    if nxt == "execute":
                        node.dynamic = True
                        self.i += 1
                        node.query = self.expr_until({"loop", "using"})
                        if self.word() == "using":
                            self.i += 1
                            node.using = self._list({"loop"})
                    else:
                        node.query = self.expr_until({"loop"})
                    if len(names) == 1 and self.lookup(names[0]) is None:
                        self.scopes.append({names[0]: "record"})
                        pushed = True
                else:
                    node.kind = "range"
                    node.var = names[0]
                    node.low = self.expr_until({"loop"}, {"..", ";"})
                    self.expect_op("..")
                    node.high = self.expr_until({"loop", "by"})
                    if self.word() == "by":
                        self.i += 1
                        node.step = self.expr_until({"loop"})
                    self.scopes.append({names[0]: "integer"})
                    pushed = True
        if w != "loop":
            self.expect_word("loop")
        node.body = self.stmts()
        self.expect_word("end")
        self.expect_word("loop")
        if self.peek() is not None and self.peek().kind in ("ident", "qident"):
            self.i += 1
        self.expect_op(";")
        if pushed:
            self.scopes.pop()
        return node

    def _list(self, stop: set[str]) -> list[Sql]:
        out = []
        while True:
            out.append(self.expr_until(stop, {",", ";"}))
            if self.is_op(","):
                self.i += 1
                continue
            return out

    def return_(self) -> Return:
        self.i += 1
        w = self.word()
        if w == "next":
            self.i += 1
            expr = None if self.is_op(";") else self.expr_until(set())
            self.expect_op(";")
            return Return(expr, "next")
        if w == "query":
            self.i += 1
            if self.word() == "execute":
                self.i += 1
                expr = self.expr_until({"using"})
                using = []
                if self.word() == "using":
                    self.i += 1
                    using = self._list(set())
                self.expect_op(";")
                return Return(expr, "query_execute", using)
            expr = self.expr_until(set())
            self.expect_op(";")
            return Return(expr, "query")
        expr = None if self.is_op(";") else self.expr_until(set())
        self.expect_op(";")
        return Return(expr)

    def raise_(self) -> Raise:
        self.i += 1
        level = "exception"
        if self.word() in _LEVELS:
            level = self.word()
            self.i += 1
        fmt = None
        args: list[Sql] = []
        condition = None
        t = self.peek()
        if t is not None and t.kind == "str":
            fmt = _unquote(t.value)
            self.i += 1
            while self.is_op(","):
                self.i += 1
                args.append(self.expr_until({"using"}, {",", ";"}))
        elif t is not None and t.kind == "ident" and t.value == "sqlstate":
            self.i += 1
            code = self.peek()
            assert code is not None
            condition = "sqlstate:" + _unquote(code.value)
            self.i += 1
        elif t is not None and t.kind == "ident" and t.value != "using":
            condition = t.value
            self.i += 1
        options = []
        if self.word() == "using":
            self.i += 1
            while True:
                opt = self.peek()
                if opt is None or opt.kind != "ident":
                    raise self.error()
                self.i += 1
                if not (self.is_op("=") or self.is_op(":=")):
                    raise self.error()
                self.i += 1
                options.append((opt.value, self.expr_until(set(), {",", ";"})))
                if self.is_op(","):
                    self.i += 1
                    continue
                break
        self.expect_op(";")
        return Raise(level, fmt, args, options, condition)

    def execute(self) -> Exec:
        self.i += 1
        text = self.expr_until({"into", "using"})
        into = None
        strict = False
        using: list[Sql] = []
        for _ in range(2):
            if self.word() == "into":
                self.i += 1
                if self.word() == "strict":
                    strict = True
                    self.i += 1
                into = []
                while True:
                    t = self.peek()
                    assert t is not None
                    into.append(t.value)
                    self.i += 1
                    if self.is_op(","):
                        self.i += 1
                        continue
                    break
            if self.word() == "using":
                self.i += 1
                using = self._list({"into"})
        self.expect_op(";")
        return Exec(text, into=into, strict=strict, dynamic=True, using=using)

    def get_diag(self) -> GetDiag:
        self.i += 1
        stacked = False
        if self.word() in ("current", "stacked"):
            stacked = self.word() == "stacked"
            self.i += 1
        self.expect_word("diagnostics")
        items = []
        while True:
            t = self.peek()
            assert t is not None
            self.i += 1
            if not (self.is_op("=") or self.is_op(":=")):
                raise self.error()
            self.i += 1
            item = self.peek()
            assert item is not None
            self.i += 1
            items.append((t.value, item.value))
            if self.is_op(","):
                self.i += 1
                continue
            break
        self.expect_op(";")
        return GetDiag(items, stacked)


def _unquote(s: str) -> str:
    if s.startswith("$"):
        tag_end = s.index("$", 1) + 1
        return s[tag_end:len(s) - tag_end]
    if s[:1] in "eE":
        body = s[2:-1].replace("''", "'")
        return body.encode("latin-1", "backslashreplace").decode("unicode_escape")
    return s[1:-1].replace("''", "'")


def _type_name(p: Parser, text: str) -> str:
    low = " ".join(text.lower().split())
    if low.endswith("%type"):
        base = low[:-5]
        if "." in base:
            return "%coltype " + base
        return p.lookup(base) or "text"
    if low.endswith("%rowtype"):
        return "%rowtype " + low[:-8]
    if low in ("record",):
        return "record"
    return low


@functools.lru_cache(maxsize=256)
def parse(body: str, names: tuple[tuple[str, str], ...]) -> Block:
    """The tree of ``body``, with ``names`` (name, type) in scope (parameters, trigger
    variables). Cached per text: a function is parsed once, not per call."""
    return Parser(body, dict(names)).parse_body()


# --- running ------------------------------------------------------------------------------------


class _Exit(Exception):
    def __init__(self, label: str | None, is_continue: bool) -> None:
        self.label = label
        self.is_continue = is_continue


class _Return(Exception):
    def __init__(self, value: object) -> None:
        self.value = value


# condition names (plpgsql's plerrcodes.h), the common ones
CONDITIONS = {
    "unique_violation": "23505", "foreign_key_violation": "23503", "not_null_violation": "23502",
    "check_violation": "23514", "division_by_zero": "22012", "raise_exception": "P0001",
    "no_data_found": "P0002", "too_many_rows": "P0003", "assert_failure": "P0004",
    "numeric_value_out_of_range": "22003", "invalid_text_representation": "22P02",
    "string_data_right_truncation": "22001", "undefined_table": "42P01",
    "undefined_column": "42703", "undefined_function": "42883", "syntax_error": "42601",
    "data_exception": "22000", "integrity_constraint_violation": "23000",
    "null_value_not_allowed": "22004", "invalid_parameter_value": "22023",
    "feature_not_supported": "0A000", "duplicate_table": "42P07", "duplicate_object": "42710",
    "serialization_failure": "40001", "deadlock_detected": "40P01", "query_canceled": "57014",
    "invalid_datetime_format": "22007", "datetime_field_overflow": "22008",
    "insufficient_privilege": "42501", "wrong_object_type": "42809",
    "cardinality_violation": "21000", "invalid_cursor_state": "24000",
    "object_not_in_prerequisite_state": "55000", "lock_not_available": "55P03",
    "restrict_violation": "23001", "exclusion_violation": "23P01",
    "invalid_escape_sequence": "22025", "character_not_in_repertoire": "22021",
    "array_subscript_error": "2202E", "program_limit_exceeded": "54000",
}


def _matches(cond: str, err: SqlError) -> bool:
    if cond == "others":
        return err.sqlstate not in ("57014", "P0004")
    if cond.startswith("sqlstate:"):
        code = cond[9:]
        return err.sqlstate == code or (code.endswith("000") and err.sqlstate[:2] == code[:2])
    code = CONDITIONS.get(cond)
    if code is None:
        return False
    return err.sqlstate == code or (code.endswith("000") and err.sqlstate[:2] == code[:2])


@dataclass
class Var:
    type: str  # declared type ("integer", "record", "%rowtype t")
    value: object = None
    fields: dict[str, str] | None = None  # a record's field types (names of types)
    constant: bool = False


def cast_name(oid: int) -> str:
    """A type name to cast a parameter to, from a result column's type (``character``
    alone would be char(1): a char(n) value is a bpchar)."""
    if oid == 1042:
        return "bpchar"
    return types.format_type(oid, -1) or "text"


class Frame:
    """One call of a PL/pgSQL function (or one DO block) on ``session``."""

    def __init__(self, session: Session, fname: str, returns: str | None, setof: bool = False) -> None:
        self.s = session
        self.fname = fname
        self.returns = returns
        self.setof = setof
        self.scopes: list[dict[str, Var]] = [{}]
        self.rows: list[tuple] = []  # RETURN NEXT / RETURN QUERY
        self.columns: list[tuple[str, str]] = []  # of those rows
        self.outs: list[Var] = []  # RETURNS TABLE's columns, as variables
        self.row_count = 0
        self.error: SqlError | None = None  # in an exception handler: the caught error

    # variables
    def var(self, name: str) -> Var:
        for scope in reversed(self.scopes):
            v = scope.get(name)
            if v is not None:
                return v
        raise SqlError("42703", f'variable "{name}" does not exist')

    def declare(self, name: str, var: Var) -> None:
        self.scopes[-1][name] = var

    # SQL with variables
    def bind(self, sql: Sql) -> tuple[str, list[object]]:
        out: list[str] = []
        params: list[object] = []
        for p in sql.parts:
            if isinstance(p, str):
                out.append(p)
                continue
            v = self.var(p.name)
            if p.field is None:
                value, typ = v.value, v.type
                if isinstance(value, Record):
                    # a whole row (NEW IS DISTINCT FROM OLD, RAISE ... %): its text, as
                    # record_out writes it; equal rows of one type have equal texts
                    value, typ = (None if value.null else record_text(value, self.s)), "text"
            else:
                if not isinstance(v.value, Record):
                    if v.value is None and v.type == "record":
                        raise SqlError("55000", f'record "{p.name}" is not assigned yet',
                                       detail="The tuple structure of a not-yet-assigned record is indeterminate.")
                    raise SqlError("42703", f'record "{p.name}" has no field "{p.field}"')
                rec = v.value
                if p.field in rec.system:
                    value, typ = rec.system[p.field], "oid"
                elif p.field not in rec.types:
                    raise SqlError("42703", f'record "{p.name}" has no field "{p.field}"')
                else:
                    value, typ = rec.values.get(p.field), rec.types[p.field]
            cast = _cast_type(typ, value)
            if cast == "bpchar" and isinstance(value, str):
                value = value.rstrip(" ")  # char(n) is stored without its padding
            params.append(value)
            n = len(params)
            out.append(f" ${n}::{cast} " if cast else f" ${n} ")
        # a trailing space: sqlglot fails to tokenize a text with a $n that ends with ''
        return "".join(out) + " ", params

    def query(self, sql: Sql) -> Any:
        text, params = self.bind(sql)
        return self.s.run_nested(text, params)

    def value(self, sql: Sql, to: str | None = None) -> object:
        """The value of an expression (``SELECT expr``, which may go on with FROM ...),
        converted to type ``to`` as an assignment converts it."""
        ref = _only_ref(sql, fields=True)
        if ref is not None:  # a variable alone: its value as it is (char(n) padded too)
            var = self.var(ref.name)
            if ref.field is None and (to is None or to == var.type) and not isinstance(var.value, Record):
                return var.value
            rec = var.value
            if ref.field is not None and isinstance(rec, Record) and ref.field in rec.types \
                    and (to is None or to == rec.types[ref.field]):
                return rec.values.get(ref.field)
        text, params = self.bind(sql)
        r = self.s.run_nested(f"SELECT {text}", params)
        if r.columns is None or len(r.columns) != 1:
            raise SqlError("42601", f'query "SELECT {sql.text}" returned {len(r.columns or [])} columns')
        if len(r.rows) > 1:
            raise SqlError("21000", f'query "SELECT {sql.text}" returned more than one row')
        v = r.rows[0][0] if r.rows else None
        if to is None or v is None:
            return v
        oid = r.columns[0].type_oid
        if "(" not in to and types.lookup_oid(to) == oid:
            return v
        return self.coerce(v, to, None, oid)

    def truth(self, sql: Sql) -> bool:
        return self.value(sql, "boolean") is True

    def assign(self, name: str, value: object, fld: str | None = None, oid: int | None = None) -> None:
        v = self.var(name)
        if v.constant:
            raise SqlError("22005", f'variable "{name}" is declared CONSTANT')
        if fld is not None:
            if not isinstance(v.value, Record):
                raise SqlError("55000", f'record "{name}" is not assigned yet')
            if fld not in v.value.types:
                raise SqlError("42703", f'record "{name}" has no field "{fld}"')
            v.value.values[fld] = self.coerce(value, v.value.types[fld], oid)
            return
        v.value = self.coerce(value, v.type, oid)

    def coerce(self, value: object, to: str, oid: int | None, source: int | None = None) -> object:
        """``value`` converted to type ``to`` as an assignment converts it (``source``: the
        type it has, when known)."""
        if value is None or to in ("record", "") or to.startswith("%"):
            return value
        if oid is not None and cast_name(oid) == to:
            return value
        src = cast_name(source) if source is not None else (_cast_type(None, value) or "text")
        r = self.s.run_nested(f"SELECT CAST($1::{src} AS {to})", [value])
        return r.rows[0][0]

    # running
    def run_block(self, b: Block) -> None:
        self.scopes.append({})
        try:
            for d in b.decls:
                if d.alias_of is not None:
                    self.scopes[-1][d.name] = self.var(d.alias_of)
                    continue
                typ = self.resolve_type(d.type)
                var = Var(typ, constant=d.constant)
                if typ.startswith("%rowtype"):
                    var.value = None
                self.declare(d.name, var)
                if d.default is not None:
                    var.value = self.value(d.default, _sql_type(typ))
                if d.not_null and var.value is None:
                    raise SqlError("22004", f'variable "{d.name}" must have a default value, since it\'s declared NOT NULL')
            if b.handlers is None:
                self.run_stmts(b.body)
                return
            self.run_guarded(b)
        finally:
            self.scopes.pop()

    def resolve_type(self, typ: str) -> str:
        if typ.startswith("%coltype "):
            table, _, col = typ[9:].rpartition(".")
            cols = self.s.catalog.table_columns(table) or []
            for c in cols:
                if c.name.lower() == col:
                    return cast_name(c.type_oid)
            raise SqlError("42703", f'column "{col}" of relation "{table}" does not exist')
        return typ

    def run_guarded(self, b: Block) -> None:
        s = self.s
        assert b.handlers is not None
        sp = s.subtransaction()
        try:
            with sp:
                self.run_stmts(b.body)
        except (_Exit, _Return):
            raise
        except SqlError as e:
            if not s.is_handled_error(e):
                raise
            for conds, stmts in b.handlers:
                if any(_matches(c, e) for c in conds):
                    if not sp.undone:
                        raise SqlError("0A000", "cannot undo the writes of a PL/pgSQL block that caught an error "
                                       "inside a running statement (no subtransaction here); "
                                       f"the error was: {e.message}") from None
                    saved = self.error
                    self.error = e
                    self.scopes.append({"sqlerrm": Var("text", e.message), "sqlstate": Var("text", e.sqlstate)})
                    try:
                        self.run_stmts(stmts)
                    finally:
                        self.error = saved
                        self.scopes.pop()
                    return
            raise

    def run_stmts(self, stmts: list[Any]) -> None:
        for st in stmts:
            if st is not None:
                self.s.check_cancel()
                getattr(self, "do_" + type(st).__name__)(st)

    def do_Block(self, b: Block) -> None:
        try:
            self.run_block(b)
        except _Exit as e:
            if e.label is None or e.label != b.label or e.is_continue:
                raise

    def do_Assign(self, st: Assign) -> None:
        v = self.var(st.target.name)
        to = None
        if st.target.field is None:
            to = _sql_type(v.type)
        elif isinstance(v.value, Record) and st.target.field in v.value.types:
            to = v.value.types[st.target.field]
        if to is None and (v.type == "record" or v.type.startswith("%rowtype")) and st.target.field is None:
            self.set_record(st.target.name, self.s.run_nested(*self._select(st.expr)))
            return
        val = self.value(st.expr, to)  # converted to the target's type already
        if st.target.field is None:
            if v.constant:
                raise SqlError("22005", f'variable "{st.target.name}" is declared CONSTANT')
            v.value = val
            return
        self.assign(st.target.name, val, st.target.field, types.lookup_oid(to) if to else None)

    def _select(self, sql: Sql) -> tuple[str, list[object]]:
        text, params = self.bind(sql)
        return f"SELECT {text}", params

    def do_If(self, st: If) -> None:
        for cond, body in st.arms:
            if self.truth(cond):
                self.run_stmts(body)
                return
        if st.orelse is not None:
            self.run_stmts(st.orelse)

    def do_Case(self, st: Case) -> None:
        if st.subject is not None:
            subj_text, subj_params = self.bind(st.subject)
        for vals, body in st.arms:
            for v in vals:
                if st.subject is None:
                    hit = self.truth(v)
                else:
                    text, params = self.bind(v)
                    shifted = _shift(text, len(subj_params))
                    r = self.s.run_nested(f"SELECT ({subj_text}) = ({shifted})", [*subj_params, *params])
                    hit = r.rows[0][0] is True
                if hit:
                    self.run_stmts(body)
                    return
        if st.orelse is None:
            raise SqlError("20000", "case not found", hint="CASE statement is missing ELSE part.")
        self.run_stmts(st.orelse)

    def _loop_body(self, st: Loop) -> bool:
        """Run one pass; False when the loop is left (EXIT)."""
        try:
            self.run_stmts(st.body)
        except _Exit as e:
            if e.label is not None and e.label != st.label:
                raise
            return e.is_continue
        return True

    def do_Loop(self, st: Loop) -> None:
        if st.kind == "loop":
            while self._loop_body(st):
                pass
        elif st.kind == "while":
            assert st.cond is not None
            while self.truth(st.cond):
                if not self._loop_body(st):
                    break
        elif st.kind == "range":
            assert st.low is not None and st.high is not None and st.var is not None
            low = self.value(st.low, "integer")
            high = self.value(st.high, "integer")
            step = self.value(st.step, "integer") if st.step is not None else 1
            if low is None or high is None:
                raise SqlError("22004", "lower bound of FOR loop cannot be null" if low is None
                               else "upper bound of FOR loop cannot be null")
            if step is None or step <= 0:
                raise SqlError("22023", "BY value of FOR loop must be greater than zero")
            self.scopes.append({st.var: Var("integer")})
            try:
                i = low
                while (i >= high) if st.reverse else (i <= high):
                    self.scopes[-1][st.var].value = i
                    if not self._loop_body(st):
                        break
                    i = i - step if st.reverse else i + step
            finally:
                self.scopes.pop()
        elif st.kind == "query":
            assert st.query is not None
            r = self.dynamic(st.query, st.using) if st.dynamic else self.query(st.query)
            pushed = False
            if len(st.targets) == 1 and not self._has(st.targets[0]):
                self.scopes.append({st.targets[0]: Var("record")})
                pushed = True
            try:
                found = False
                for row in r.rows:
                    found = True
                    self.put_row(st.targets, r.columns, row)
                    if not self._loop_body(st):
                        break
                self.set_found(found)
            finally:
                if pushed:
                    self.scopes.pop()
        elif st.kind == "foreach":
            assert st.query is not None
            arr = self.value(st.query)
            if arr is None:
                raise SqlError("22004", "FOREACH expression must not be null")
            for elem in _flatten(arr):
                self.assign(st.targets[0], elem)
                if not self._loop_body(st):
                    break

    def _has(self, name: str) -> bool:
        return any(name in s for s in self.scopes)

    def do_Exit(self, st: Exit) -> None:
        if st.cond is None or self.truth(st.cond):
            raise _Exit(st.label, st.is_continue)

    def do_Return(self, st: Return) -> None:
        if st.kind == "value":
            if self.setof:
                if st.expr is not None:
                    raise SqlError("42804", "RETURN cannot have a parameter in function returning set",
                                   hint="Use RETURN NEXT or RETURN QUERY.")
                raise _Return(None)
            if st.expr is None:
                raise _Return(None)
            if self.returns == "trigger":
                raise _Return(self.record_value(st.expr))
            if self.returns in (None, "void"):
                raise SqlError("42804", "RETURN cannot have a parameter in function returning void")
            raise _Return(self.value(st.expr, _sql_type(self.returns)))
        if not self.setof:
            raise SqlError("42804", "cannot use RETURN NEXT in a non-SETOF function")
        if st.kind == "next":
            if st.expr is None:
                if not self.outs:
                    raise SqlError("42804", "RETURN NEXT must have a parameter")
                self.rows.append(tuple(v.value for v in self.outs))
                return
            ref = _only_ref(st.expr)
            if ref is not None and isinstance(self.var(ref.name).value, Record):
                rec = self.var(ref.name).value
                assert isinstance(rec, Record)
                self.rows.append(tuple(rec.values.get(n) for n, _ in self.columns))
                return
            to = self.columns[0][1] if len(self.columns) == 1 else None
            self.rows.append((self.value(st.expr, to),))
            return
        assert st.expr is not None
        r = self.dynamic(st.expr, st.using) if st.kind == "query_execute" else self.query(st.expr)
        self.rows.extend(r.rows)
        self.row_count = len(r.rows)
        self.set_found(bool(r.rows))

    def record_value(self, expr: Sql) -> object:
        """RETURN of a trigger function: NEW, OLD, NULL or a record variable."""
        ref = _only_ref(expr)
        if ref is not None:
            v = self.var(ref.name)
            if isinstance(v.value, Record) and v.value.null:
                return None
            return v.value
        if expr.text.strip().lower() == "null":
            return None
        raise SqlError("0A000", "a trigger function returns NEW, OLD, NULL or a record variable here")

    def do_Raise(self, st: Raise) -> None:
        if st.fmt is None and st.condition is None and not st.options:
            if self.error is None:
                raise SqlError("0Z002", "RAISE without parameters cannot be used outside an exception handler")
            raise self.error
        message = None
        if st.fmt is not None:
            values = [self.value(a) for a in st.args]
            message = _format(st.fmt, values, self.s)
        code = None
        if st.condition is not None:
            if st.condition.startswith("sqlstate:"):
                code = st.condition[9:]
            else:
                code = CONDITIONS.get(st.condition)
                if code is None:
                    raise SqlError("42704", f'unrecognized exception condition "{st.condition}"')
            if message is None:
                message = st.condition[9:] if st.condition.startswith("sqlstate:") else st.condition
        detail = hint = None
        for opt, expr in st.options:
            val = self.value(expr)
            sval = None if val is None else _text_of(val, self.s)
            if opt == "message":
                message = sval
            elif opt == "detail":
                detail = sval
            elif opt == "hint":
                hint = sval
            elif opt == "errcode":
                assert sval is not None
                code = sval if re.fullmatch(r"[0-9A-Z]{5}", sval) else CONDITIONS.get(sval.lower())
                if code is None:
                    raise SqlError("42704", f'unrecognized exception condition "{sval}"')
            elif opt in ("column", "constraint", "datatype", "table", "schema"):
                pass
            else:
                raise SqlError("42601", f'unrecognized RAISE statement option "{opt}"')
        if message is None:
            message = code or "P0001"
        if st.level == "exception":
            raise SqlError(code or "P0001", message, detail=detail, hint=hint)
        self.s.notice(SqlError(code or "00000", message, severity=st.level.upper(), detail=detail, hint=hint))

    def do_Exec(self, st: Exec) -> None:
        if st.dynamic:
            r = self.dynamic(st.sql, st.using)
        elif st.perform:
            text, params = self.bind(st.sql)
            r = self.s.run_nested("SELECT " + text, params)
        else:
            r = self.query(st.sql)
        n = _count(r)
        self.row_count = n
        if st.into is not None:
            if st.strict:
                if not r.rows:
                    raise SqlError("P0002", "query returned no rows")
                if len(r.rows) > 1:
                    raise SqlError("P0003", "query returned more than one row",
                                   hint="Make sure the query returns a single row, or use LIMIT 1.")
            row = r.rows[0] if r.rows else None
            self.put_row(st.into, r.columns, row)
            self.set_found(bool(r.rows))
            return
        if not st.dynamic:
            self.set_found(n > 0)

    def dynamic(self, text_sql: Sql, using: list[Sql]) -> Any:
        text = self.value(text_sql)
        if text is None:
            raise SqlError("22004", "query string argument of EXECUTE is null")
        params = [self.value(u) for u in using]
        return self.s.run_nested(str(text), params)

    def put_row(self, targets: list[str], columns: list | None, row: tuple | None) -> None:
        cols = columns or []
        if len(targets) == 1 and "." not in targets[0]:
            v = self.var(targets[0])
            if v.type == "record" or v.type.startswith("%rowtype"):
                if row is None:
                    if v.type.startswith("%rowtype") or isinstance(v.value, Record):
                        v.value = Record({c.name: None for c in cols}, {c.name: cast_name(c.type_oid) for c in cols})
                    return
                v.value = Record({c.name: x for c, x in zip(cols, row, strict=False)},
                                 {c.name: cast_name(c.type_oid) for c in cols})
                return
        for i, t in enumerate(targets):
            name, _, fld = t.partition(".")
            val = row[i] if row is not None and i < len(row) else None
            oid = cols[i].type_oid if i < len(cols) else None
            self.assign(name, val, fld or None, oid)

    def set_record(self, name: str, r: Any) -> None:
        self.put_row([name], r.columns, r.rows[0] if r.rows else None)

    def set_found(self, found: bool) -> None:
        self.scopes[0]["found"].value = found

    def do_GetDiag(self, st: GetDiag) -> None:
        for target, item in st.items:
            if item == "row_count":
                self.assign(target, self.row_count)
            elif st.stacked and self.error is not None:
                e = self.error
                val = {"returned_sqlstate": e.sqlstate, "message_text": e.message,
                       "pg_exception_detail": e.detail or "", "pg_exception_hint": e.hint or "",
                       "pg_exception_context": "", "column_name": e.column or "",
                       "constraint_name": e.constraint or "", "table_name": e.table or "",
                       "schema_name": "", "pg_datatype_name": ""}.get(item)
                self.assign(target, val)
            elif item == "pg_context":
                self.assign(target, "")
            else:
                raise SqlError("0A000", f"GET DIAGNOSTICS {item.upper()} is not supported")

    def do_Assert(self, st: Assert) -> None:
        if self.s.show_value("plpgsql.check_asserts", missing_ok=True) in ("off", "false"):
            return
        if not self.truth(st.cond):
            msg = "assertion failed"
            if st.message is not None:
                v = self.value(st.message)
                msg = "assertion failed" if v is None else _text_of(v, self.s)
            raise SqlError("P0004", msg)


@dataclass
class Record:
    values: dict[str, object]
    types: dict[str, str]
    null: bool = False  # OLD of an INSERT trigger, NEW of a DELETE one
    system: dict[str, object] = field(default_factory=dict)  # tableoid of a trigger's row


def _only_ref(sql: Sql, fields: bool = False) -> Ref | None:
    """The variable (or, with ``fields``, record field) ``sql`` is, when it is nothing else."""
    refs = [p for p in sql.parts if isinstance(p, Ref)]
    if len(refs) == 1 and (fields or refs[0].field is None) \
            and all(not p.strip() for p in sql.parts if isinstance(p, str)):
        return refs[0]
    return None


def _count(r: Any) -> int:
    tag = r.tag.split()
    if tag and tag[-1].isdigit():
        return int(tag[-1])
    return len(r.rows)


def _shift(text: str, by: int) -> str:
    if not by:
        return text
    return re.sub(r"\$(\d+)", lambda m: f"${int(m.group(1)) + by}", text)


def _flatten(arr: object) -> list[object]:
    if isinstance(arr, list):
        out: list[object] = []
        for x in arr:
            out.extend(_flatten(x) if isinstance(x, list) else [x])
        return out
    raise SqlError("42804", "FOREACH expression must yield an array, not a scalar")


def _sql_type(typ: str | None) -> str | None:
    """The type to CAST a value to for a variable of declared type ``typ`` (None: keep)."""
    if typ is None or typ in ("record", "void", "trigger", "anyelement", "anyarray") or typ.startswith("%"):
        return None
    return typ


def _cast_type(typ: str | None, value: object) -> str | None:
    """The type a parameter is cast to in the statement text."""
    if typ is not None and _sql_type(typ) is not None:
        return typ
    if value is None:
        return None
    return cast_name(types.value_oid(value))


def record_text(rec: Record, s: Session) -> str:
    """The record as record_out prints it, each field by its type's output function."""
    return jsonb.record_text(*(None if v is None else _text_of(v, s) for v in rec.values.values()))


def _text_of(v: object, s: Session) -> str:
    """A value as PostgreSQL's output function writes it (RAISE's % and options)."""
    if v is None:
        return "<NULL>"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, str):
        return v
    r = s.run_nested(f"SELECT CAST($1::{cast_name(types.value_oid(v))} AS text)", [v])
    return str(r.rows[0][0])


def _format(fmt: str, values: list[object], s: Session) -> str:
    out = []
    i = k = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if fmt[i + 1:i + 2] == "%":
                out.append("%")
                i += 2
                continue
            if k >= len(values):
                raise SqlError("42601", "too few parameters specified for RAISE")
            out.append(_text_of(values[k], s))
            k += 1
            i += 1
            continue
        out.append(ch)
        i += 1
    if k < len(values):
        raise SqlError("42601", "too many parameters specified for RAISE")
    return "".join(out)


# --- calling ------------------------------------------------------------------------------------


def call(session: Session, name: str, params: list, returns: str, body: str, args: list[object],
         setof: bool = False, extra: dict[str, Var] | None = None,
         columns: list[tuple[str, str]] | None = None) -> Any:
    """Run function ``name`` with ``args`` (Python values of the parameter types); a
    set-returning one (``setof``) returns its rows, each of ``columns``."""
    names: list[tuple[str, str]] = [("found", "boolean")]
    for i, (pname, ptype) in enumerate(params):
        names.append((f"${i + 1}", ptype))
        if pname:
            names.append((pname, ptype))
    for k, v in (extra or {}).items():
        names.append((k, v.type))
    outs = returns.startswith("table")
    if outs:
        names += columns or []
    tree = parse(body, tuple(names))
    frame = Frame(session, name, returns, setof)
    frame.columns = columns or []
    top = frame.scopes[0]
    top["found"] = Var("boolean", False)
    for i, (pname, ptype) in enumerate(params):
        var = Var(ptype, args[i] if i < len(args) else None)
        top[f"${i + 1}"] = var
        if pname:
            top[pname] = var
    top.update(extra or {})
    if outs:
        frame.outs = [top.setdefault(n, Var(t)) for n, t in frame.columns]
    session.enter_function()
    try:
        frame.run_block(tree)
    except _Return as r:
        return frame.rows if setof else r.value
    except _Exit as e:
        if e.is_continue:
            raise SqlError("42601", "CONTINUE cannot be used outside a loop") from None
        raise SqlError("42601", "EXIT cannot be used outside a loop, unless it has a label") from None
    finally:
        session.leave_function()
    if setof:
        return frame.rows
    if returns not in ("void", "trigger", None):
        raise SqlError("2F005", "control reached end of function without RETURN")
    return None
