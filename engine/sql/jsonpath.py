"""SQL/JSON path (jsonpath) for jsonb: a parser and PostgreSQL's evaluation of a subset.

Supported: ``lax`` (the default) and ``strict`` modes, ``$``, ``@``, ``$var`` (from the vars
object), literals, ``.key`` ``."key"`` ``.*`` ``.**{i to j}`` ``[*]`` ``[i]`` ``[i to j]`` ``last``, filters
``? (...)``, ``== != <> < <= > >=``, ``&& || !``, ``exists (...)``, ``(...) is unknown``,
``starts with``, arithmetic ``+ - * / %``, and the methods ``type() size() abs() floor()
ceiling()``. Anything else PostgreSQL accepts is refused with 0A000, never guessed at.
A path is evaluated to a sequence of items; a predicate to True, False or None (unknown).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from aurora.engine.sqlapi import SqlError

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<num>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<var>\$[A-Za-z_][A-Za-z0-9_]*|\$"(?:[^"\\]|\\.)*")
    | (?P<op>==|!=|<>|<=|>=|&&|\|\||\*\*|[$@.\[\]()?!<>*+\-/%,:{}])
    | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
    )""",
    re.X,
)


class PathError(Exception):
    """An error of evaluation that lax mode or ``silent`` turns into no result."""

    def __init__(self, sqlstate: str, message: str) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def _syntax(text: str, near: str | None = None) -> SqlError:
    where = f'at or near "{near}"' if near else "at end"
    return SqlError("42601", f"syntax error {where} of jsonpath input")


def _unsupported(what: str) -> SqlError:
    return SqlError("0A000", f"jsonpath {what} is not supported")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            m = _TOKEN.match(text, pos)
            if m is None or m.end() == pos:
                raise _syntax(text, text[pos:].strip()[:1])
            kind = m.lastgroup or ""
            self.toks.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0

    def peek(self, k: int = 0) -> tuple[str, str]:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", "")

    def take(self) -> tuple[str, str]:
        t = self.peek()
        self.i += 1
        return t

    def want(self, value: str) -> None:
        t = self.take()
        if t[1] != value:
            raise _syntax(self.text, t[1] or None)

    def word(self, w: str) -> bool:
        t = self.peek()
        if t[0] == "word" and t[1].lower() == w:
            self.i += 1
            return True
        return False

    def parse(self) -> tuple[bool, Any]:
        strict = False
        if self.word("strict"):
            strict = True
        else:
            self.word("lax")
        e = self.expr()
        if self.peek()[0] != "end":
            raise _syntax(self.text, self.peek()[1])
        return strict, e

    # precedence: || then && then ! then comparison then + - then * / % then unary then path
    def expr(self) -> Any:
        left = self.conj()
        while self.peek()[1] == "||":
            self.take()
            left = ("or", left, self.conj())
        return left

    def conj(self) -> Any:
        left = self.neg()
        while self.peek()[1] == "&&":
            self.take()
            left = ("and", left, self.neg())
        return left

    def neg(self) -> Any:
        if self.peek()[1] == "!":
            self.take()
            self.want("(")
            e = self.expr()
            self.want(")")
            return ("not", e)
        return self.cmp()

    def cmp(self) -> Any:
        left = self.add()
        op = self.peek()[1]
        if op in ("==", "!=", "<>", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", "!=" if op == "<>" else op, left, self.add())
        if self.word("starts"):
            if not self.word("with"):
                raise _syntax(self.text, self.peek()[1] or None)
            return ("starts", left, self.add())
        if self.peek()[0] == "word" and self.peek()[1].lower() == "like_regex":
            raise _unsupported("like_regex")
        if self.word("is"):
            if not self.word("unknown"):
                raise _syntax(self.text, self.peek()[1] or None)
            return ("unknown", left)
        return left

    def add(self) -> Any:
        left = self.mul()
        while self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            left = ("arith", op, left, self.mul())
        return left

    def mul(self) -> Any:
        left = self.unary()
        while self.peek()[1] in ("*", "/", "%"):
            op = self.take()[1]
            left = ("arith", op, left, self.unary())
        return left

    def unary(self) -> Any:
        if self.peek()[1] in ("+", "-"):
            op = self.take()[1]
            return ("unary", op, self.unary())
        return self.path()

    def levels(self) -> tuple[int, int | None]:
        """``.**`` levels: ``{n}``, ``{n to m}``, ``{n to last}``; all of them by default."""
        if self.peek()[1] != "{":
            return 0, None
        self.take()
        lo = self.level()
        hi = lo
        if self.word("to"):
            hi = self.level(allow_last=True)
        self.want("}")
        if lo is None:
            raise _unsupported("level {last} of .**")
        return lo, hi

    def level(self, allow_last: bool = False) -> int | None:
        kind, v = self.take()
        if kind == "word" and v.lower() == "last":
            return None
        if kind != "num" or not v.isdigit():
            raise _syntax(self.text, v or None)
        return int(v)

    def primary(self) -> Any:
        kind, v = self.take()
        if v == "$":
            return ("root",)
        if v == "@":
            return ("current",)
        if kind == "var":
            name = v[1:]
            return ("var", _string(name) if name.startswith('"') else name)
        if kind == "num":
            return ("lit", _number(v))
        if kind == "str":
            return ("lit", _string(v))
        if kind == "word":
            w = v.lower()
            if w in ("true", "false"):
                return ("lit", w == "true")
            if w == "null":
                return ("lit", None)
            if w == "last":
                return ("last",)
            if w == "exists":
                self.want("(")
                e = self.expr()
                self.want(")")
                return ("exists", e)
        if v == "(":
            e = self.expr()
            self.want(")")
            return e
        raise _syntax(self.text, v or None)

    def path(self) -> Any:
        e = self.primary()
        steps: list = []
        while True:
            t = self.peek()[1]
            if t == ".":
                self.take()
                kind, v = self.take()
                if v == "*":
                    steps.append(("anykey",))
                elif v == "**":
                    steps.append(("anypath", *self.levels()))
                elif kind == "str":
                    steps.append(("key", _string(v)))
                elif kind == "word":
                    if self.peek()[1] == "(":
                        self.take()
                        self.want(")")
                        if v not in ("type", "size", "abs", "floor", "ceiling"):
                            raise _unsupported(f"item method .{v}()")
                        steps.append(("method", v))
                    else:
                        steps.append(("key", v))
                else:
                    raise _syntax(self.text, v or None)
            elif t == "[":
                self.take()
                if self.peek()[1] == "*":
                    self.take()
                    self.want("]")
                    steps.append(("anyelem",))
                    continue
                subs = []
                while True:
                    lo = self.expr()
                    hi = lo
                    if self.word("to"):
                        hi = self.expr()
                    subs.append((lo, hi))
                    if self.peek()[1] == ",":
                        self.take()
                        continue
                    break
                self.want("]")
                steps.append(("index", subs))
            elif t == "?":
                self.take()
                self.want("(")
                steps.append(("filter", self.expr()))
                self.want(")")
            else:
                break
        return ("path", e, steps) if steps else e


def _number(text: str) -> int | Decimal:
    d = Decimal(text)
    return int(d) if re.fullmatch(r"\d+", text) else d


def _string(text: str) -> str:
    import json

    try:
        return json.loads(text)
    except ValueError:
        raise _syntax(text, text) from None


_CACHE: dict[str, tuple[bool, Any]] = {}


def compile_path(text: str) -> tuple[bool, Any]:
    tree = _CACHE.get(text)
    if tree is None:
        tree = _Parser(text).parse()
        if len(_CACHE) > 512:
            _CACHE.clear()
        _CACHE[text] = tree
    return tree


_PREDICATES = ("or", "and", "not", "cmp", "starts", "unknown", "exists")


class _Eval:
    def __init__(self, root: Any, strict: bool, variables: dict) -> None:
        self.root, self.strict, self.vars = root, strict, variables

    def items(self, e: Any, cur: Any, last: int | None = None) -> list:
        """The sequence a path expression gives."""
        op = e[0]
        if op in _PREDICATES:
            r = self.pred(e, cur)
            return [r]
        if op == "root":
            return [self.root]
        if op == "current":
            return [cur]
        if op == "lit":
            return [e[1]]
        if op == "last":
            if last is None:
                raise PathError("22038", "LAST is allowed only in array subscripts")
            return [last]
        if op == "var":
            if e[1] not in self.vars:
                raise SqlError("42704", f'could not find jsonpath variable "{e[1]}"')
            return [self.vars[e[1]]]
        if op == "unary":
            out = []
            for x in self.items(e[2], cur):
                if not _is_num(x):
                    raise PathError("22038", f"operand of unary jsonpath operator {e[1]} is "
                                    "not a numeric value")
                out.append(-x if e[1] == "-" else x)
            return out
        if op == "arith":
            a, b = self.items(e[2], cur), self.items(e[3], cur)
            if len(a) != 1 or len(b) != 1 or not _is_num(a[0]) or not _is_num(b[0]):
                raise PathError("22038", "left operand of jsonpath operator "
                                f"{e[1]} is not a single numeric value")
            return [_arith(e[1], a[0], b[0])]
        if op == "path":
            return list(self.walk(e, cur))
        raise _unsupported(str(op))

    def walk(self, e: Any, cur: Any) -> Iterator[Any]:
        """A path's items depth first, as PostgreSQL finds them: an error ends the walk
        after the items found before it."""
        if e[0] != "path":
            yield from self.items(e, cur)
            return
        steps = e[2]

        def run(x: Any, i: int) -> Iterator[Any]:
            if i == len(steps):
                yield x
                return
            for y in self.step(steps[i], x):
                yield from run(y, i + 1)

        for x in self.items(e[1], cur):
            yield from run(x, 0)

    def step(self, step: tuple, x: Any) -> list:
        kind = step[0]
        if kind == "key":
            if isinstance(x, dict):
                if step[1] in x:
                    return [x[step[1]]]
                if self.strict:
                    raise PathError("2203A", f'JSON object does not contain key "{step[1]}"')
                return []
            if isinstance(x, list) and not self.strict:
                return [y for el in x for y in self.step(step, el)]
            if self.strict:
                raise PathError("2203A", "jsonpath member accessor can only be applied to "
                                "an object")
            return []
        if kind == "anykey":
            if isinstance(x, dict):
                return list(x.values())
            if isinstance(x, list) and not self.strict:
                return [y for el in x for y in self.step(step, el)]
            if self.strict:
                raise PathError("2203A", "jsonpath wildcard member accessor can only be "
                                "applied to an object")
            return []
        if kind == "anyelem":
            if isinstance(x, list):
                return list(x)
            if self.strict:
                raise PathError("22039", "jsonpath wildcard array accessor can only be "
                                "applied to an array")
            return [x]
        if kind == "index":
            arr = x if isinstance(x, list) else None
            if arr is None:
                if self.strict:
                    raise PathError("22039", "jsonpath array accessor can only be applied "
                                    "to an array")
                arr = [x]
            out = []
            for lo, hi in step[1]:
                i, j = self._subscript(lo, x, len(arr)), self._subscript(hi, x, len(arr))
                if self.strict and (i < 0 or j >= len(arr) or i > j):
                    raise PathError("22033", "jsonpath array subscript is out of bounds")
                out.extend(arr[k] for k in range(max(i, 0), min(j, len(arr) - 1) + 1))
            return out
        if kind == "anypath":
            return list(_any_path(x, step[1], step[2], 0))
        if kind == "filter":
            targets = x if isinstance(x, list) and not self.strict else [x]
            return [t for t in targets if self.pred(step[1], t) is True]
        if kind == "method":
            return [_method(step[1], x, self.strict)]
        raise _unsupported(kind)

    def _subscript(self, e: Any, cur: Any, n: int) -> int:
        v = self.items(e, cur, last=n - 1)
        if len(v) != 1 or not _is_num(v[0]):
            raise PathError("22033", "jsonpath array subscript is not a single numeric value")
        if not -(2**31) <= int(v[0]) < 2**31:
            raise PathError("22033", "jsonpath array subscript is out of integer range")
        return int(v[0])

    def pred(self, e: Any, cur: Any) -> bool | None:
        op = e[0]
        if op == "and":
            a = self.pred(e[1], cur)
            if a is False:
                return False
            b = self.pred(e[2], cur)
            return False if b is False else (None if None in (a, b) else True)
        if op == "or":
            a = self.pred(e[1], cur)
            if a is True:
                return True
            b = self.pred(e[2], cur)
            return True if b is True else (None if None in (a, b) else False)
        if op == "not":
            r = self.pred(e[1], cur)
            return None if r is None else not r
        if op == "unknown":
            return self.pred(e[1], cur) is None
        if op == "exists":
            try:
                return bool(self.items(e[1], cur))
            except PathError:
                return None
        if op in ("cmp", "starts"):
            try:
                left = self._operand(e[2] if op == "cmp" else e[1], cur)
                right = self._operand(e[3] if op == "cmp" else e[2], cur)
            except PathError:
                return None
            found, error = False, False
            for a in left:
                for b in right:
                    r = _compare(e[1], a, b) if op == "cmp" else _starts(a, b)
                    if r is None:
                        error = True
                        if self.strict:
                            return None
                    elif r:
                        found = True
                        if not self.strict:
                            return True
            return None if error else found
        r = self.items(e, cur)
        if len(r) == 1 and isinstance(r[0], bool):
            return r[0]
        raise PathError("22038", "single boolean result is expected")

    def _operand(self, e: Any, cur: Any) -> list:
        seq = self.items(e, cur)
        if self.strict:
            return seq
        return [y for x in seq for y in (x if isinstance(x, list) else [x])]


def _any_path(x: Any, lo: int, hi: int | None, level: int) -> Iterator[Any]:
    """``.**{lo to hi}``: the item and everything nested in it, depth first."""
    if level >= lo and (hi is None or level <= hi):
        yield x
    if (hi is None or level < hi) and isinstance(x, (dict, list)):
        for child in x.values() if isinstance(x, dict) else x:
            yield from _any_path(child, lo, hi, level + 1)


def _is_num(v: Any) -> bool:
    return isinstance(v, (int, Decimal)) and not isinstance(v, bool)


def _arith(op: str, a: Any, b: Any) -> Any:
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if b == 0:
            raise PathError("22012", "division by zero")
        if op == "/":
            return Decimal(a) / Decimal(b)
        return Decimal(a) % Decimal(b)
    except InvalidOperation:
        raise PathError("22038", "numeric value out of range") from None


def _compare(op: str, a: Any, b: Any) -> bool | None:
    if isinstance(a, (list, dict)) or isinstance(b, (list, dict)):
        return None
    if a is None or b is None:
        if op == "==":
            return a is b
        if op == "!=":
            return a is not b
        return False if (a is None) != (b is None) else op in ("<=", ">=")
    if _is_num(a) and _is_num(b):
        pass
    elif type(a) is not type(b):
        return None
    if op == "==":
        return a == b
    if op == "!=":
        return a != b
    if isinstance(a, bool):
        a, b = int(a), int(b)
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b


def _starts(a: Any, b: Any) -> bool | None:
    if not isinstance(a, str) or not isinstance(b, str):
        return None
    return a.startswith(b)


def _method(name: str, x: Any, strict: bool) -> Any:
    if name == "type":
        if x is None:
            return "null"
        if isinstance(x, bool):
            return "boolean"
        if _is_num(x):
            return "number"
        if isinstance(x, str):
            return "string"
        return "array" if isinstance(x, list) else "object"
    if name == "size":
        if isinstance(x, list):
            return len(x)
        if strict:
            raise PathError("22039", "jsonpath item method .size() can only be applied to "
                            "an array")
        return 1
    if not _is_num(x):
        raise PathError("22038", f"jsonpath item method .{name}() can only be applied to a "
                        "numeric value")
    if name == "abs":
        return abs(x)
    d = Decimal(x)
    r = d.to_integral_value(rounding="ROUND_FLOOR" if name == "floor" else "ROUND_CEILING")
    return int(r)


def query(doc: Any, path: str, variables: Any = None, silent: bool = False) -> list | None:
    """The items of a path over a document; None when an error was silenced."""
    strict, tree = compile_path(path)
    if variables is not None and not isinstance(variables, dict):
        raise SqlError("22023", '"vars" argument is not an object',
                       detail="Jsonpath parameters should be encoded as key-value pairs of "
                       '"vars" object.')
    ev = _Eval(doc, strict, variables or {})
    found: list = []
    try:
        for x in ev.walk(tree, doc):
            found.append(x)
    except PathError as e:
        if silent:
            return found  # the items found before the error, as PostgreSQL keeps them
        raise SqlError(e.sqlstate, str(e)) from None
    return found


def exists(doc: Any, path: str, variables: Any = None, silent: bool = False) -> bool | None:
    strict, tree = compile_path(path)
    found = False
    try:
        for _ in _Eval(doc, strict, variables or {}).walk(tree, doc):
            found = True
            if not strict:
                break  # the first item answers; strict mode must see every error
    except PathError as e:
        if silent:
            return None
        raise SqlError(e.sqlstate, str(e)) from None
    return found


def match(doc: Any, path: str, variables: Any = None, silent: bool = False) -> bool | None:
    items = query(doc, path, variables, silent)
    if items is None:
        return None
    if len(items) == 1 and (items[0] is None or isinstance(items[0], bool)):
        return items[0]
    if silent:
        return None
    raise SqlError("22038", "single boolean result is expected")
