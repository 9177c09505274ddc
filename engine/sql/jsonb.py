"""json and jsonb as PostgreSQL has them: input, output, operators and functions.

A jsonb value is stored as PostgreSQL prints it: object keys shorter first then by their
bytes, the last of duplicate keys, ``", "`` and ``": "`` between items, numbers as numeric
prints them (``1e2`` is ``100``, ``1.50`` stays). The stored text is the output text, and
equal values have equal texts. A json value keeps the text as written; its operators return
slices of that text. In Python a JSON number is an ``int`` or a ``Decimal``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from aurora.engine.sql import jsonpath, types
from aurora.engine.sqlapi import SqlError

MISSING = object()  # SQL NULL, or a path that leads nowhere


def _reject_constant(name: str) -> Any:
    raise ValueError(name)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    return dict(pairs)  # the last of duplicate keys wins, as in jsonb


_DECODER = json.JSONDecoder(
    parse_float=Decimal, parse_constant=_reject_constant, object_pairs_hook=_object
)
_WS = " \t\n\r"


def loads(text: str) -> Any:
    """A JSON text as Python (22P02 when it is not JSON as PostgreSQL reads it)."""
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise SqlError("54001", "stack depth limit exceeded") from None
    except ValueError:
        raise SqlError("22P02", "invalid input syntax for type json") from None


def _key(k: str) -> tuple[int, bytes]:
    b = k.encode()
    return len(b), b


def number_text(v: int | Decimal) -> str:
    if isinstance(v, int):
        return str(v)
    if v == 0:
        v = v.copy_abs()
    return format(v, "f")


def string_text(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


class Raw(str):
    """A JSON text kept as written inside a value being built (a json argument)."""


def dumps(v: Any) -> str:
    """jsonb's output text of a Python JSON value."""
    if isinstance(v, Raw):
        return str(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, str):
        return string_text(v)
    if isinstance(v, (int, Decimal)):
        return number_text(v)
    if isinstance(v, float):
        return number_text(Decimal(repr(v)))
    if isinstance(v, list):
        return "[" + ", ".join(dumps(x) for x in v) + "]"
    if isinstance(v, dict):
        keys = sorted(v, key=_key)
        return "{" + ", ".join(f"{string_text(k)}: {dumps(v[k])}" for k in keys) + "}"
    return string_text(str(v))


def doc(v: object) -> Any:
    """A stored jsonb (or json) value as Python; SQL NULL as MISSING. A text that is not
    JSON is a JSON string: a jsonb parameter arrives decoded (``'"blue"'`` as ``blue``)."""
    if v is None:
        return MISSING
    if isinstance(v, bytes):
        v = v.decode()
    if isinstance(v, str):
        try:
            return _DECODER.decode(v)
        except (ValueError, RecursionError):
            return v
    if isinstance(v, float):
        return Decimal(repr(v))
    return v


def out(v: Any) -> str | None:
    return None if v is MISSING else dumps(v)


def scalar_text(v: Any) -> str | None:
    """``->>``: a string as its contents, anything else as its JSON text, JSON null as NULL."""
    if v is MISSING or v is None:
        return None
    if isinstance(v, str):
        return v
    return dumps(v)


# -- json: slices of the text as written ---------------------------------------------------


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in _WS:
        i += 1
    return i


def _end(text: str, i: int) -> int:
    """Where the JSON value starting at ``i`` ends."""
    try:
        return _DECODER.raw_decode(text, i)[1]
    except (ValueError, RecursionError):
        raise SqlError("22P02", "invalid input syntax for type json") from None


def members(text: str) -> tuple[str, list[tuple[str | int, str]]]:
    """The kind of a json text ('object', 'array' or 'scalar') and its members as
    (key or index, text as written)."""
    i = _skip(text, 0)
    if i >= len(text) or text[i] not in "[{":
        return "scalar", []
    items: list[tuple[str | int, str]] = []
    close = "}" if text[i] == "{" else "]"
    i = _skip(text, i + 1)
    if i < len(text) and text[i] == close:
        return ("object" if close == "}" else "array"), items
    n = 0
    while i < len(text):
        if close == "}":
            key, i = json.decoder.scanstring(text, i + 1)  # type: ignore[attr-defined]
            i = _skip(text, i) + 1  # the colon
        else:
            key, n = n, n + 1
        i = _skip(text, i)
        j = _end(text, i)
        items.append((key, text[i:j]))
        i = _skip(text, j)
        if i < len(text) and text[i] == close:
            break
        i = _skip(text, i + 1)
    return ("object" if close == "}" else "array"), items


def json_step(text: str | None, key: object) -> str | None:
    """json ``->``: a member or element as written (the last of duplicate keys)."""
    if text is None or key is None:
        return None
    kind, items = members(text)
    if kind == "object" and isinstance(key, str):
        found = [t for k, t in items if k == key]
        return found[-1] if found else None
    if kind == "array" and isinstance(key, int) and not isinstance(key, bool):
        if key < 0:
            key += len(items)
        return items[key][1] if 0 <= key < len(items) else None
    return None


def json_walk(text: str | None, path: list) -> str | None:
    for key in path:
        if text is None or key is None:
            return None
        kind, _ = members(text)
        if kind == "array":
            try:
                key = int(str(key))
            except ValueError:
                return None
        text = json_step(text, str(key) if kind == "object" else key)
    return text


def json_scalar_text(text: str | None) -> str | None:
    """json ``->>`` of a member's text: a string's contents, JSON null as NULL."""
    if text is None:
        return None
    s = text.strip(_WS)
    if s == "null":
        return None
    if s.startswith('"'):
        return _DECODER.decode(s)
    return text


def typeof(v: Any) -> str | None:
    if v is MISSING:
        return None
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, Decimal, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    return "array" if isinstance(v, list) else "object"


# -- values of other types as JSON -----------------------------------------------------------


def to_json(v: object, kind: str) -> Any:
    """A SQL value of the kind the translator saw (``b`` boolean, ``n`` number, ``j`` json,
    ``t`` timestamp, ``a<kind>`` array, ``s`` anything else) as a Python JSON value."""
    if v is None:
        return None
    if kind == "j":
        return Raw(v) if isinstance(v, str) else doc(v)
    if kind == "b":
        return bool(v) if not isinstance(v, str) else v.lower() in ("t", "true", "1")
    if kind == "n":
        if isinstance(v, float):
            if v != v or v in (float("inf"), float("-inf")):
                return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
            return Decimal(repr(v))
        if isinstance(v, str):
            try:
                d = Decimal(v)
            except ArithmeticError:
                return v
            return v if not d.is_finite() else d
        return v
    if kind == "t":
        s = str(v)
        return s.replace(" ", "T", 1) if s[:1].isdigit() else s
    if kind.startswith("a"):
        items = doc(v) if isinstance(v, str) else v
        if isinstance(items, list):
            return [_array_item(x, kind[1:]) for x in items]
        return str(v)
    if isinstance(v, bytes):
        return "\\x" + v.hex()
    if kind == "s":
        return v if isinstance(v, str) else dumps(v) if isinstance(v, float) else str(v)
    if isinstance(v, float):
        return Decimal(repr(v))
    return v if isinstance(v, (int, Decimal)) else str(v)


def _array_item(x: object, kind: str) -> Any:
    if isinstance(x, list):
        return [_array_item(y, kind) for y in x]
    if kind == "j" and not isinstance(x, str):
        return x
    return to_json(x, kind)


def compact(v: Any) -> str:
    """json's text of a value made from SQL values (``to_json``, ``row_to_json``): no spaces."""
    if isinstance(v, list):
        return "[" + ",".join(compact(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ",".join(f"{string_text(k)}:{compact(x)}" for k, x in v.items()) + "}"
    return dumps(v)


def _json_arg(v: object) -> str:
    """A builder's argument: the translator made it JSON text (``pg_to_json``)."""
    return "null" if v is None else str(v)


def _object_key(v: object) -> str:
    if v is None:
        raise SqlError("22004", "null value not allowed for object key")
    x = doc(v)
    if isinstance(x, (list, dict)):
        raise SqlError("22023", "key value must be scalar, not array, composite, or json")
    return x if isinstance(x, str) else dumps(x)


def build_object(binary: bool, *a: object) -> str:
    if len(a) % 2:
        raise SqlError("22023", "argument list must have even number of elements",
                       hint=f"The arguments of {'jsonb' if binary else 'json'}_build_object() "
                       "must consist of alternating keys and values.")
    pairs = [(_object_key(a[i]), _json_arg(a[i + 1])) for i in range(0, len(a), 2)]
    if binary:
        return dumps({k: doc(v) for k, v in pairs})
    return "{" + ", ".join(f"{string_text(k)} : {v}" for k, v in pairs) + "}"


def build_array(binary: bool, *a: object) -> str:
    if binary:
        return dumps([doc(_json_arg(x)) for x in a])
    return "[" + ", ".join(_json_arg(x) for x in a) + "]"


def text_array(s: str) -> list:
    """A text[] literal with its dimensions (``{{a,1},{b,NULL}}``) as nested lists."""
    pos = 0

    def skip() -> None:
        nonlocal pos
        while pos < len(s) and s[pos].isspace():
            pos += 1

    def level() -> list:
        nonlocal pos
        skip()
        if pos >= len(s) or s[pos] != "{":
            raise SqlError("22P02", f'malformed array literal: "{s}"')
        pos += 1
        items: list = []
        skip()
        if pos < len(s) and s[pos] == "}":
            pos += 1
            return items
        while True:
            skip()
            if pos < len(s) and s[pos] == "{":
                items.append(level())
            elif pos < len(s) and s[pos] == '"':
                pos += 1
                buf = []
                while pos < len(s) and s[pos] != '"':
                    if s[pos] == "\\":
                        pos += 1
                    buf.append(s[pos])
                    pos += 1
                pos += 1
                items.append("".join(buf))
            else:
                start = pos
                while pos < len(s) and s[pos] not in ",}":
                    pos += 1
                word = s[start:pos].strip()
                items.append(None if word.upper() == "NULL" else word)
            skip()
            if pos < len(s) and s[pos] == ",":
                pos += 1
                continue
            if pos < len(s) and s[pos] == "}":
                pos += 1
                return items
            raise SqlError("22P02", f'malformed array literal: "{s}"')

    return level()


def _depth(v: list) -> int:
    return 1 + _depth(v[0]) if v and isinstance(v[0], list) else 1


def object_from_arrays(binary: bool, keys: object, values: object = MISSING) -> str | None:
    """json_object(text[]) and json_object(keys text[], values text[])."""
    if keys is None or values is None:
        return None
    ks = text_array(keys) if isinstance(keys, str) and keys[:1] == "{" else doc(keys)
    if values is MISSING:
        if not isinstance(ks, list):
            return None
        if ks and isinstance(ks[0], list):
            if _depth(ks) != 2:
                raise SqlError("2202E", "wrong number of array subscripts")
            if any(len(p) != 2 for p in ks):
                raise SqlError("2202E", "array must have two columns")
            pairs = [(p[0], p[1]) for p in ks]
        else:
            if len(ks) % 2:
                raise SqlError("2202E", "array must have even number of elements")
            pairs = [(ks[i], ks[i + 1]) for i in range(0, len(ks), 2)]
    else:
        vs = text_array(values) if isinstance(values, str) and values[:1] == "{" else doc(values)
        if not isinstance(ks, list) or not isinstance(vs, list):
            return None
        if (ks and isinstance(ks[0], list)) or (vs and isinstance(vs[0], list)):
            raise SqlError("2202E", "wrong number of array subscripts")
        if len(ks) != len(vs):
            raise SqlError("2202E", "mismatched array dimensions")
        pairs = list(zip(ks, vs, strict=True))
    for k, _ in pairs:
        if k is None:
            raise SqlError("22004", "null value not allowed for object key")
    if binary:
        return dumps({str(k): None if v is None else str(v) for k, v in pairs})
    return "{" + ", ".join(
        f"{string_text(str(k))} : {'null' if v is None else string_text(str(v))}"
        for k, v in pairs) + "}"


# -- jsonb operators and functions -----------------------------------------------------------


def _path(v: object) -> list:
    """A text[] path ('{a,1}' or an array's JSON text) as a list of texts."""
    if isinstance(v, str) and v.lstrip()[:1] == "{":
        items = types.parse_array_literal(v)
        if isinstance(items, list):
            return items
    x = doc(v)
    if x is MISSING or x is None:
        return []
    return x if isinstance(x, list) else [x]


def _index(key: object, n: int, pos: int | None = None, exact: bool = True) -> int | None:
    """An array index from a path element (negative counts from the end)."""
    try:
        i = int(str(key))
    except ValueError:
        if pos is None:
            return None
        raise SqlError("22P02", f"path element at position {pos} is not an integer: "
                       f'"{key}"') from None
    return i + n if i < 0 else i


def walk(v: Any, path: list) -> Any:
    """``#>``: path elements are texts; an array takes one that reads as an integer."""
    for key in path:
        if v is MISSING or key is None:
            return MISSING
        if isinstance(v, dict):
            v = v.get(str(key), MISSING)
        elif isinstance(v, list):
            i = _index(key, len(v))
            v = v[i] if i is not None and 0 <= i < len(v) else MISSING
        else:
            return MISSING
    return v


def concat(a: object, b: object) -> str | None:
    x, y = doc(a), doc(b)
    if x is MISSING or y is MISSING:
        return None
    if isinstance(x, dict) and isinstance(y, dict):
        return dumps({**x, **y})
    xs = x if isinstance(x, list) else [x]
    ys = y if isinstance(y, list) else [y]
    return dumps(xs + ys)


def minus(a: object, key: object, key_is_array: bool = False) -> str | None:
    """``jsonb - text``, ``jsonb - int``, ``jsonb - text[]``."""
    x = doc(a)
    if x is MISSING or key is None:
        return None
    if isinstance(x, (str, int, Decimal, bool)) or x is None:
        raise SqlError("22023", "cannot delete from scalar")
    if key_is_array:
        keys = [str(k) for k in _path(key) if k is not None]
        if isinstance(x, dict):
            return dumps({k: v for k, v in x.items() if k not in keys})
        return dumps([e for e in x if not (isinstance(e, str) and e in keys)])
    if isinstance(key, int) and not isinstance(key, bool):
        if isinstance(x, dict):
            raise SqlError("22023", "cannot delete from object using integer index")
        i = key + len(x) if key < 0 else key
        return dumps([e for j, e in enumerate(x) if j != i])
    if isinstance(x, dict):
        return dumps({k: v for k, v in x.items() if k != str(key)})
    return dumps([e for e in x if not (isinstance(e, str) and e == str(key))])


def delete_path(a: object, path: object) -> str | None:
    """``#-``: remove the member or element a path leads to."""
    x = doc(a)
    if x is MISSING or path is None:
        return None
    keys = _path(path)
    if not isinstance(x, (list, dict)):
        raise SqlError("22023", "cannot delete path in scalar")
    if not keys:
        return dumps(x)

    def rec(v: Any, depth: int) -> Any:
        key = keys[depth]
        last = depth == len(keys) - 1
        if isinstance(v, dict):
            k = str(key)
            if k not in v:
                return v
            if last:
                return {kk: vv for kk, vv in v.items() if kk != k}
            return {**v, k: rec(v[k], depth + 1)}
        if isinstance(v, list):
            if not v:
                return v
            i = _index(key, len(v), depth + 1)
            if i is None or not 0 <= i < len(v):
                return v
            if last:
                return v[:i] + v[i + 1:]
            return [*v[:i], rec(v[i], depth + 1), *v[i + 1:]]
        return v

    return dumps(rec(x, 0))


def set_path(a: object, path: object, new: object, create: object = 1,
             insert: str | None = None) -> str | None:
    """jsonb_set (replace, or add the last key when ``create``) and jsonb_insert (``insert``
    is 'before' or 'after': always adds; replacing an object member is 22023)."""
    x = doc(a)
    if x is MISSING or path is None or new is None or create is None:
        return None
    keys = _path(path)
    value = doc(new)
    if not isinstance(x, (list, dict)):
        raise SqlError("22023", "cannot set path in scalar")
    if not keys:
        return dumps(x)

    def rec(v: Any, depth: int) -> Any:
        key = keys[depth]
        last = depth == len(keys) - 1
        if key is None:
            raise SqlError("22004", f"path element at position {depth + 1} is null")
        if isinstance(v, dict):
            k = str(key)
            if last:
                if insert is not None and k in v:
                    raise SqlError("22023", "cannot replace existing key",
                                   hint="Try using the function jsonb_set to replace key value.")
                if k in v or create or insert is not None:
                    return {**v, k: value}
                return v
            return {**v, k: rec(v[k], depth + 1)} if k in v else v
        if isinstance(v, list):
            i = _index(key, len(v), depth + 1)
            assert i is not None
            if last:
                if insert is None:
                    if 0 <= i < len(v):
                        return [*v[:i], value, *v[i + 1:]]
                    if not create:
                        return v
                    return [value, *v] if i < 0 else [*v, value]
                if i < 0:
                    return [value, *v]
                if i >= len(v):
                    return [*v, value]
                at = i + 1 if insert == "after" else i
                return [*v[:at], value, *v[at:]]
            return [*v[:i], rec(v[i], depth + 1), *v[i + 1:]] if 0 <= i < len(v) else v
        return v

    return dumps(rec(x, 0))


def set_lax(a: object, path: object, new: object, create: object = 1,
            treatment: object = "use_json_null") -> str | None:
    if treatment is None or treatment not in (
            "raise_exception", "use_json_null", "delete_key", "return_target"):
        raise SqlError("22023", "null_value_treatment must be \"delete_key\", \"return_target\", "
                       "\"use_json_null\", or \"raise_exception\"")
    if new is not None:
        return set_path(a, path, new, create)
    if treatment == "raise_exception":
        raise SqlError("22004", "JSON value must not be null",
                       detail="Exception was raised because null_value_treatment is "
                       "\"raise_exception\".",
                       hint="To avoid, either change the null_value_treatment argument or "
                       "ensure that an SQL NULL is not passed.")
    if treatment == "delete_key":
        return delete_path(a, path)
    if treatment == "return_target":
        x = doc(a)
        return None if x is MISSING else dumps(x)
    return set_path(a, path, "null", create)


def pretty(a: object) -> str | None:
    x = doc(a)
    if x is MISSING:
        return None

    def rec(v: Any, level: int) -> str:
        pad = "    " * (level + 1)
        if isinstance(v, dict) and v:
            items = [f"{pad}{string_text(k)}: {rec(v[k], level + 1)}" for k in sorted(v, key=_key)]
            return "{\n" + ",\n".join(items) + "\n" + "    " * level + "}"
        if isinstance(v, list) and v:
            return "[\n" + ",\n".join(pad + rec(e, level + 1) for e in v) + "\n" + "    " * level + "]"
        return dumps(v)

    return rec(x, 0)


def array_length(a: object, binary: bool) -> int | None:
    if a is None:
        return None
    x = doc(a)
    if isinstance(x, list):
        return len(x)
    what = "scalar" if not isinstance(x, dict) else "a non-array"
    raise SqlError("22023", f"cannot get array length of {what}")


def extract_path(binary: bool, text: bool, a: object, *keys: object) -> str | None:
    if a is None:
        return None
    if binary:
        v = walk(doc(a), list(keys))
        return scalar_text(v) if text else out(v)
    t = json_walk(str(a), list(keys))
    return json_scalar_text(t) if text else t


def _exists(a: object, keys: list, how: Callable) -> int | None:
    x = doc(a)
    if x is MISSING:
        return None
    ks = [str(k) for k in keys if k is not None]
    if isinstance(x, dict):
        return int(how(k in x for k in ks))
    if isinstance(x, list):
        return int(how(k in x for k in ks))
    return int(how(isinstance(x, str) and x == k for k in ks))


# -- set-returning functions: rows for SQLite virtual tables ----------------------------------


def each(binary: bool, text: bool, a: object) -> Iterator[tuple]:
    if a is None:
        return
    name = ("jsonb" if binary else "json") + ("_each_text" if text else "_each")
    if binary:
        x = doc(a)
        if not isinstance(x, dict):
            raise SqlError("22023", f"cannot call {name} on a non-object")
        for k in sorted(x, key=_key):
            yield k, scalar_text(x[k]) if text else dumps(x[k])
        return
    kind, items = members(str(a))
    if kind != "object":
        raise SqlError("22023", f"cannot call {name} on a non-object")
    for k, t in items:
        yield k, json_scalar_text(t) if text else t


def elements(binary: bool, text: bool, a: object) -> Iterator[tuple]:
    if a is None:
        return
    if binary:
        x = doc(a)
        if not isinstance(x, list):
            raise SqlError("22023", "cannot extract elements from "
                           + ("a scalar" if not isinstance(x, dict) else "an object"))
        for e in x:
            yield (scalar_text(e) if text else dumps(e),)
        return
    kind, items = members(str(a))
    if kind != "array":
        raise SqlError("22023", "cannot extract elements from "
                       + ("a scalar" if kind == "scalar" else "an object"))
    for _, t in items:
        yield (json_scalar_text(t) if text else t,)


def object_keys(binary: bool, a: object) -> Iterator[tuple]:
    if a is None:
        return
    name = "jsonb_object_keys" if binary else "json_object_keys"
    if binary:
        x = doc(a)
        if not isinstance(x, dict):
            what = "scalar" if not isinstance(x, list) else "array"
            raise SqlError("22023", f"cannot call {name} on a{'n' if what == 'array' else ''} "
                           f"{what}")
        for k in sorted(x, key=_key):
            yield (k,)
        return
    kind, items = members(str(a))
    if kind != "object":
        what = "an array" if kind == "array" else "a scalar"
        raise SqlError("22023", f"cannot call {name} on {what}")
    for k, _ in items:
        yield (k,)


# name: (columns, rows of one argument)
TABLE_FUNCTIONS: dict[str, tuple[tuple[str, ...], Callable[[object], Iterator[tuple]]]] = {
    "json_each": (("key", "value"), lambda a: each(False, False, a)),
    "jsonb_each": (("key", "value"), lambda a: each(True, False, a)),
    "json_each_text": (("key", "value"), lambda a: each(False, True, a)),
    "jsonb_each_text": (("key", "value"), lambda a: each(True, True, a)),
    "json_array_elements": (("value",), lambda a: elements(False, False, a)),
    "jsonb_array_elements": (("value",), lambda a: elements(True, False, a)),
    "json_array_elements_text": (("value",), lambda a: elements(False, True, a)),
    "jsonb_array_elements_text": (("value",), lambda a: elements(True, True, a)),
    "json_object_keys": (("json_object_keys",), lambda a: object_keys(False, a)),
    "jsonb_object_keys": (("jsonb_object_keys",), lambda a: object_keys(True, a)),
    "jsonb_path_query": (("jsonb_path_query",), lambda a: iter(())),  # _register_paths
}


class _Agg:
    """json_agg / jsonb_agg / json_object_agg / jsonb_object_agg over JSON texts."""

    def __init__(self, binary: bool, pairs: bool) -> None:
        self.binary, self.pairs = binary, pairs
        self.items: list = []

    def step(self, *a: object) -> None:
        if self.pairs:
            if a[0] is None:
                raise SqlError("22023", "field name must not be null")
            self.items.append((_object_key(a[0]), _json_arg(a[1])))
        else:
            self.items.append(_json_arg(a[0]))

    def final(self) -> str | None:
        if not self.items:
            return None
        if self.pairs:
            if self.binary:
                return dumps({k: doc(v) for k, v in self.items})
            return "{ " + ", ".join(f"{string_text(k)} : {v}" for k, v in self.items) + " }"
        if self.binary:
            return dumps([doc(v) for v in self.items])
        return "[" + ", \n ".join(self.items) + "]"


def _timestamp_json(tz: Callable[[], dt.tzinfo]) -> Callable[[object, str], str | None]:
    def conv(v: object, kind: str) -> str | None:
        if v is None:
            return None
        if kind == "j":
            return v if isinstance(v, str) else dumps(doc(v))  # json text as it is
        if kind == "tz":
            s = str(v)
            if not s[:1].isdigit():
                return string_text(s)
            d = types.parse_timestamp(s).astimezone(tz())
            text = d.isoformat()
            return string_text(text)
        return compact(to_json(v, kind))
    return conv


def register(conn: Any, tz: Callable[[], dt.tzinfo]) -> None:
    """The json functions on a connection; ``tz`` gives the session's time zone."""
    import apsw.ext

    def f(name: str, fn: Callable, nargs: int = -1) -> None:
        conn.create_scalar_function(name, fn, nargs, deterministic=True)

    conv = _timestamp_json(tz)
    f("pg_to_json", conv, 2)
    f("pg_to_jsonb", lambda v, k: None if v is None else dumps(doc(conv(v, k))), 2)
    f("json_build_object", lambda *a: build_object(False, *a))
    f("jsonb_build_object", lambda *a: build_object(True, *a))
    f("json_build_array", lambda *a: build_array(False, *a))
    f("jsonb_build_array", lambda *a: build_array(True, *a))
    f("json_object", lambda *a: object_from_arrays(False, *a))
    f("jsonb_object", lambda *a: object_from_arrays(True, *a))
    f("json_typeof", lambda a: typeof(doc(a)), 1)
    f("jsonb_typeof", lambda a: typeof(doc(a)), 1)
    f("json_array_length", lambda a: array_length(a, False), 1)
    f("jsonb_array_length", lambda a: array_length(a, True), 1)
    f("pg_json_extract_path", lambda a, *k: extract_path(False, False, a, *k))
    f("pg_json_extract_path_text", lambda a, *k: extract_path(False, True, a, *k))
    f("jsonb_extract_path", lambda a, *k: extract_path(True, False, a, *k))
    f("jsonb_extract_path_text", lambda a, *k: extract_path(True, True, a, *k))
    f("pg_json_step", lambda a, k: json_step(None if a is None else str(a), k), 2)
    f("pg_json_step_text", lambda a, k: json_scalar_text(
        json_step(None if a is None else str(a), k)), 2)
    f("pg_json_walk", lambda a, p: json_walk(None if a is None else str(a), _path(p)), 2)
    f("pg_json_walk_text", lambda a, p: json_scalar_text(
        json_walk(None if a is None else str(a), _path(p))), 2)
    f("jsonb_exists", lambda a, k: _exists(a, [k], any), 2)
    f("jsonb_exists_any", lambda a, ks: _exists(a, _path(ks), any), 2)
    f("jsonb_exists_all", lambda a, ks: _exists(a, _path(ks), all), 2)
    f("pg_jsonb_concat", concat, 2)
    f("jsonb_concat", concat, 2)
    f("pg_jsonb_minus", lambda a, k: minus(a, k), 2)
    f("pg_jsonb_minus_keys", lambda a, k: minus(a, k, True), 2)
    f("jsonb_delete", lambda a, *ks: _delete(a, ks))
    f("jsonb_delete_path", delete_path, 2)
    f("pg_jsonb_delete_path", delete_path, 2)
    f("jsonb_set", set_path)
    f("jsonb_set_lax", set_lax)
    f("jsonb_insert", lambda a, p, n, after=0: set_path(
        a, p, n, 1, "after" if after else "before"))
    f("jsonb_pretty", pretty, 1)
    f("pg_record_text", record_text)
    f("pg_jsonb_scalar", scalar, 2)
    f("pg_record_json", record_json)
    f("pg_json_pretty_array", pretty_array, 2)
    f("pg_json_field", field)
    f("pg_json_has_field", has_field, 2)
    f("pg_json_refuse", refuse, 2)
    f("pg_domain_value", domain_value, 4)
    f("pg_jsonb_assign", assign)
    f("pg_json_variadic", variadic, 3)
    f("pg_jsonb_subscript", lambda a, *ks: out(walk(doc(a), list(ks))))
    _register_paths(f, apsw.ext.make_virtual_module, conn)
    for name, (cols, rows) in TABLE_FUNCTIONS.items():
        if name == "jsonb_path_query":
            continue

        def gen(arg: object, rows: Callable = rows) -> Iterator[tuple]:
            yield from rows(arg)
        gen.columns = cols  # type: ignore[attr-defined]
        gen.column_access = apsw.ext.VTColumnAccess.By_Index  # type: ignore[attr-defined]
        apsw.ext.make_virtual_module(conn, "pg_" + name, gen)
    for name, binary, pairs in (("pg_json_agg", False, False), ("pg_jsonb_agg", True, False),
                                ("pg_json_object_agg", False, True),
                                ("pg_jsonb_object_agg", True, True)):
        conn.create_aggregate_function(
            name, (lambda b=binary, p=pairs: _Agg(b, p)), 2 if pairs else 1)


def _path_call(how: Callable, a: object, path: object, variables: object = None,
               silent: object = 0) -> Any:
    if a is None or path is None:
        return MISSING
    vs = doc(variables) if variables is not None else None
    return how(doc(a), str(path), None if vs is MISSING else vs, bool(silent))


def _bool(v: Any) -> int | None:
    return None if v is None or v is MISSING else int(v)


def _register_paths(f: Callable, make_virtual_module: Callable, conn: Any) -> None:
    """jsonpath: ``@?`` and ``@@`` (errors silenced) and the jsonb_path_* functions."""
    f("pg_jsonb_path_exists", lambda a, p: _bool(_path_call(jsonpath.exists, a, p, None, 1)), 2)
    f("pg_jsonb_path_match", lambda a, p: _bool(_path_call(jsonpath.match, a, p, None, 1)), 2)
    f("jsonb_path_exists", lambda *a: _bool(_path_call(jsonpath.exists, *a)))
    f("jsonb_path_match", lambda *a: _bool(_path_call(jsonpath.match, *a)))

    def query_array(*a: object) -> str | None:
        items = _path_call(jsonpath.query, *a)
        return None if items is MISSING or items is None else dumps(items)

    def query_first(*a: object) -> str | None:
        items = _path_call(jsonpath.query, *a)
        return None if items is MISSING or not items else dumps(items[0])

    f("jsonb_path_query_array", query_array)
    f("jsonb_path_query_first", query_first)

    def rows(target: object, path: object, vars: object = None,
             silent: object = 0) -> Iterator[tuple]:
        items = _path_call(jsonpath.query, target, path, vars, silent)
        for x in items if isinstance(items, list) else []:
            yield (dumps(x),)

    rows.columns = ("jsonb_path_query",)  # type: ignore[attr-defined]
    import apsw.ext

    rows.column_access = apsw.ext.VTColumnAccess.By_Index  # type: ignore[attr-defined]
    make_virtual_module(conn, "pg_jsonb_path_query", rows)


def assign(a: object, value: object, *keys: object) -> str:
    """``j[k1][k2] = v`` (UPDATE): PostgreSQL's subscript assignment. A missing member or
    element is created (an object for a text subscript, an array for an integer one), an
    array is filled with nulls up to the index, and SQL NULL is stored as JSON null."""
    if any(k is None for k in keys):
        raise SqlError("22004", "jsonb subscript in assignment must not be null")
    root = doc(a)
    v = doc(value)
    if v is MISSING:
        v = None

    def container(key: object) -> Any:
        return [] if isinstance(key, int) and not isinstance(key, bool) else {}

    if root is MISSING:
        root = container(keys[0])

    def rec(node: Any, depth: int) -> Any:
        key = keys[depth]
        last = depth == len(keys) - 1
        if isinstance(node, dict):
            k = str(key)
            if last:
                return {**node, k: v}
            child = node[k] if k in node else container(keys[depth + 1])
            return {**node, k: rec(child, depth + 1)}
        if isinstance(node, list):
            i = _index(key, len(node), depth + 1)
            assert i is not None
            if i < 0:
                raise SqlError("22023", f"path element at position {depth + 1} is out of "
                               f"range: {key}")
            node = list(node)
            existed = i < len(node)
            node.extend([None] * (i + 1 - len(node)))
            if last:
                node[i] = v
            else:
                node[i] = rec(node[i] if existed else container(keys[depth + 1]), depth + 1)
            return node
        raise SqlError("22023", "cannot replace existing key",
                       detail="The path assumes key is a composite object, but it is a "
                       "scalar value.")

    return dumps(rec(root, 0)) if keys else dumps(v)


def _member(a: object, key: str, binary: bool) -> tuple[bool, Any, str | None]:
    """(found, value, text as written) of an object's member, for a record's column."""
    if binary:
        x = doc(a)
        if not isinstance(x, dict):
            raise SqlError("22023", "cannot call populate_composite on "
                           + ("an array" if isinstance(x, list) else "a scalar"))
        return (key in x), x.get(key), (dumps(x[key]) if key in x else None)
    kind, items = members(str(a))
    if kind != "object":
        raise SqlError("22023", f"cannot call populate_composite on "
                       f"{'an array' if kind == 'array' else 'a scalar'}")
    found = [t for k, t in items if k == key]
    if not found:
        return False, None, None
    text = found[-1]
    return True, _DECODER.decode(text), text


def field(a: object, key: str, mode: str, binary: object, limit: object = None) -> str | None:
    """A record column's text from a JSON object's member: ``s`` a scalar type's input (a
    string as its contents), ``j`` json/jsonb (the JSON text), ``a`` an array literal.
    ``limit`` is a char(n) / varchar(n) column's type name: its input refuses longer text."""
    r = _field(a, key, mode, binary)
    if limit and r is not None:
        n = int(str(limit).split("(")[1].rstrip(")"))
        _, v, _ = _member(a, key, bool(binary))
        texts = [r] if mode == "s" else [x if isinstance(x, str) else dumps(x) for x in (
            _flat(v) if isinstance(v, list) else [])]
        if any(len(t.rstrip(" ")) > n for t in texts):
            raise SqlError("22001", f"value too long for type {limit}")
    return r


def _flat(v: list) -> list:
    return [y for x in v for y in (_flat(x) if isinstance(x, list) else [x]) if y is not None]


def _field(a: object, key: str, mode: str, binary: object) -> str | None:
    if a is None:
        return None
    found, v, text = _member(a, key, bool(binary))
    if not found or v is None:
        return None
    if mode == "j":
        return text
    if isinstance(v, str):
        return v
    if mode in ("a", "aj"):
        if not isinstance(v, list):
            raise SqlError("22P02", "expected JSON array",
                           hint=f'See the value of key "{key}".')
        if mode == "aj":  # json[]: each element's JSON text as written
            _, items = members(text) if not binary else ("array", [
                (i, dumps(x)) for i, x in enumerate(v)])
            return "{" + ",".join("NULL" if t.strip(_WS) == "null" else _quoted(t)
                                 for _, t in items) + "}"
        return _array_literal(v, key)
    return text.strip(_WS) if text is not None else None


def _array_literal(v: list, key: str) -> str:
    def shape(x: Any) -> tuple:
        if not isinstance(x, list):
            return ()
        inner = {shape(e) if isinstance(e, list) else None for e in x}
        if len(inner) > 1:
            if None in inner:
                raise SqlError("22P02", "expected JSON array",
                               hint=f'See the array element [0] of key "{key}".')
            raise SqlError("22P02", "malformed JSON array",
                           detail="Multidimensional arrays must have sub-arrays with "
                           "matching dimensions.")
        sub = inner.pop() if inner else None
        return (len(x), *(sub or ()))

    def item(x: Any) -> str:
        if isinstance(x, list):
            return "{" + ",".join(item(e) for e in x) + "}"
        if x is None:
            return "NULL"
        t = x if isinstance(x, str) else dumps(x)
        return f'"{t}"' if t.upper() == "NULL" else _quoted(t)

    dims = shape(v)
    if 0 in dims:
        return "{}"
    return item(v)


def _quoted(t: str) -> str:
    return '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"' if (
        t == "" or any(c in t for c in '{},"\\ \t\n')) else t


def refuse(v: object, what: str) -> object:
    """A record column this engine does not shape: NULL passes, a value is 0A000."""
    if v is None:
        return None
    raise SqlError("0A000", f"{what} is not supported in a populated record")


def domain_value(v: object, name: str, notnull: object, check: object) -> object:
    """A domain's rules on a record column's input: NOT NULL is enforced (23502); a value
    that the domain's CHECK would have to judge is refused (0A000), not let through."""
    if v is None:
        if notnull:
            raise SqlError("23502", f"domain {name} does not allow null values")
        return None
    if check:
        raise SqlError("0A000", f"the CHECK constraint of domain {name} is not evaluated here")
    return v


def has_field(a: object, key: str) -> int | None:
    if a is None:
        return 0
    x = doc(a)
    return int(isinstance(x, dict) and key in x)


def record_json(pretty: object, names: str, kinds: str, *values: object) -> str:
    """A row as row_to_json prints it: compact, ``,\\n `` between members when pretty."""
    items = [f"{string_text(n)}:{_member_json(v, k)}"
             for n, k, v in zip(json.loads(names), json.loads(kinds), values, strict=True)]
    return "{" + (",\n " if pretty else ",").join(items) + "}"


def _member_json(v: object, kind: str) -> str:
    if v is None:
        return "null"
    if kind == "j" and isinstance(v, str):
        return v  # json as written, jsonb as it prints
    return compact(to_json(v, kind))


def pretty_array(text: object, pretty: object) -> object:
    """array_to_json(a, true): ``,\\n `` between the elements."""
    if text is None or not pretty:
        return text
    kind, items = members(str(text))
    return "[" + ",\n ".join(t for _, t in items) + "]" if kind == "array" else text


def scalar(a: object, target: str) -> object:
    """The number or boolean a jsonb value holds, for a cast to ``target``."""
    x = doc(a)
    if x is MISSING:
        return None
    want_bool = target == "boolean"
    if want_bool and isinstance(x, bool):
        return int(x)
    if not want_bool and isinstance(x, (int, Decimal)) and not isinstance(x, bool):
        return number_text(x) if isinstance(x, Decimal) else x
    what = typeof(x)
    raise SqlError("22023", f"cannot cast jsonb {what} to type {target}")


def record_text(*fields: object) -> str:
    """A record as PostgreSQL prints it: ``(a,"b c",)``, NULL as nothing."""
    out = []
    for v in fields:
        if v is None:
            out.append("")
            continue
        t = str(v)
        if t == "" or any(c in '",()\\' or c.isspace() for c in t):  # record_out's rule
            t = '"' + t.replace("\\", "\\\\").replace('"', '""') + '"'
        out.append(t)
    return "(" + ",".join(out) + ")"


def variadic(name: str, arr: object, kind: str) -> str | None:
    """json_build_object / _array(VARIADIC array): the array's elements as the arguments."""
    if arr is None:
        return None
    items = doc(arr) if isinstance(arr, str) and arr[:1] != "{" else types.parse_array_literal(
        str(arr))
    if not isinstance(items, list):
        raise SqlError("42804", "VARIADIC argument must be an array")

    def flat(xs: list) -> Iterator[object]:
        for x in xs:
            if isinstance(x, list):
                yield from flat(x)
            else:
                yield x

    args = [None if x is None else compact(to_json(x, kind)) for x in flat(items)]
    binary = name.startswith("jsonb")
    if name.endswith("object"):
        return build_object(binary, *args)
    return build_array(binary, *args)


def _delete(a: object, keys: tuple) -> str | None:
    """jsonb_delete(j, VARIADIC keys): each key removed in turn."""
    r: object = a
    for k in keys:
        r = minus(r, k)
    return None if r is None else str(r)
