"""PostgreSQL arrays as this engine stores them: the storage form, literal input and output,
and the array functions that need an array's shape (dimensions, bounds, NULL elements).

An array is stored as JSON text of nested lists, one level per dimension, its elements in
their own storage form (numbers, text, null), so that ``json_each`` unnests it. An array whose
lower bounds are not all 1 (``'[0:2]={1,2,3}'``) is stored as its PostgreSQL literal with the
bounds (``[0:2]={1,2,3}``), which :func:`load` reads back; JSON text never holds ``[n:m]``.
A ``{...}`` literal that reached storage without a cast (older rows) is read the same way.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

from aurora.engine.sqlapi import SqlError

Items = list[Any]

_BOUNDS = re.compile(r"\s*((?:\[\s*[+-]?\d+\s*(?::\s*[+-]?\d+\s*)?\]\s*)+)=")
_ONE_BOUND = re.compile(r"\[\s*([+-]?\d+)\s*(?::\s*([+-]?\d+)\s*)?\]")
_QUOTE = re.compile(r'[{}",\\\s]')
MAXDIM = 6
MAX_ELEMENTS = 134217727  # PostgreSQL's MaxArraySize
OMITTED = ""  # a slice bound left out (a[:2]); NULL is a bound given as NULL


def _malformed(s: str, detail: str) -> SqlError:
    return SqlError("22P02", f'malformed array literal: "{s}"\nDETAIL:  {detail}')


def parse_literal(s: str, elem_in: Callable[[str], object] | None = None) -> tuple[Items, list[int]]:
    """A PostgreSQL array literal (``{{1,2},{3,NULL}}``, ``[0:1]={a,"b c"}``) to its nested
    items and lower bounds; each non-NULL element goes through ``elem_in`` (text if None)."""
    conv = elem_in or (lambda x: x)
    text = s
    pos = 0
    lbounds: list[int] | None = None
    explicit: list[tuple[int, int]] = []
    m = _BOUNDS.match(text)
    if m:
        for b in _ONE_BOUND.finditer(m.group(1)):
            lo, hi = (int(b.group(1)), int(b.group(2))) if b.group(2) else (1, int(b.group(1)))
            if hi < lo:
                raise SqlError("2202E", "upper bound cannot be less than lower bound")
            explicit.append((lo, hi))
        lbounds = [lo for lo, _ in explicit]
        pos = m.end()
    elif text.lstrip().startswith("["):
        raise _malformed(s, '"[" must introduce explicitly-specified array dimensions.')
    n = len(text)

    def skip() -> None:
        nonlocal pos
        while pos < n and text[pos].isspace():
            pos += 1

    def level(depth: int) -> Items:
        nonlocal pos
        if depth > MAXDIM:
            raise SqlError("54000", f"number of array dimensions ({depth}) exceeds the maximum "
                           f"allowed ({MAXDIM})")
        pos += 1  # the "{"
        out: Items = []
        skip()
        if pos < n and text[pos] == "}":
            pos += 1
            return out
        while True:
            skip()
            if pos >= n:
                raise _malformed(s, "Unexpected end of input.")
            c = text[pos]
            if c == "{":
                out.append(level(depth + 1))
            elif c == '"':
                pos += 1
                buf = []
                while pos < n and text[pos] != '"':
                    if text[pos] == "\\":
                        pos += 1
                    buf.append(text[pos : pos + 1])
                    pos += 1
                if pos >= n:
                    raise _malformed(s, "Unexpected end of input.")
                pos += 1
                out.append(conv("".join(buf)))
            else:
                buf = []
                quoted_end = 0  # spaces after a backslash escape are data
                while pos < n and text[pos] not in ",}{\"":
                    if text[pos] == "\\" and pos + 1 < n:
                        pos += 1
                        buf.append(text[pos])
                        quoted_end = len(buf)
                    else:
                        buf.append(text[pos])
                    pos += 1
                raw = "".join(buf)
                raw = raw[:quoted_end] + raw[quoted_end:].rstrip() if quoted_end else raw.strip()
                if pos < n and text[pos] in '{"':
                    raise _malformed(s, f'Unexpected "{text[pos]}" character.')
                if not raw:
                    raise _malformed(s, f'Unexpected "{text[pos : pos + 1] or "}"}" character.')
                out.append(None if raw.upper() == "NULL" and not quoted_end else conv(raw))
            skip()
            if pos >= n:
                raise _malformed(s, "Unexpected end of input.")
            c = text[pos]
            pos += 1
            if c == "}":
                return out
            if c != ",":
                raise _malformed(s, f'Unexpected "{c}" character.')

    skip()
    if pos >= n or text[pos] != "{":
        raise _malformed(s, 'Array value must start with "{" or dimension information.')
    items = level(1)
    skip()
    if pos < n:
        raise _malformed(s, "Junk after closing right brace.")
    shape = _shape(items, s)
    if lbounds is not None:
        if [hi - lo + 1 for lo, hi in explicit] != shape and items:
            raise _malformed(s, "Specified array dimensions do not match array contents.")
        if all(lo == 1 for lo in lbounds):
            lbounds = None
    return items, lbounds or [1] * len(shape)


def _shape(items: Items, source: str) -> list[int]:
    """The lengths of each dimension; sub-arrays of one level must match (22P02)."""
    shape = dims(items)
    if not items:
        return shape

    def check(x: Any, depth: int) -> None:
        if depth < len(shape):
            if not isinstance(x, list) or len(x) != shape[depth]:
                raise _malformed(source, "Multidimensional arrays must have sub-arrays with "
                                 "matching dimensions.")
            for y in x:
                check(y, depth + 1)
        elif isinstance(x, list):
            raise _malformed(source, "Multidimensional arrays must have sub-arrays with "
                             "matching dimensions.")

    check(items, 0)
    return shape


def dims(items: Items) -> list[int]:
    """The length of each dimension, read along the first elements (``[]`` for ``{}``)."""
    out: list[int] = []
    x: Any = items
    while isinstance(x, list) and x:
        out.append(len(x))
        x = x[0]
    return out


def is_bounded(v: str) -> bool:
    """Whether a text is an array literal with explicit bounds (``[0:2]={...}``)."""
    return _BOUNDS.match(v) is not None


def load(v: object) -> tuple[Items, list[int]] | None:
    """A stored array (JSON text, bounds literal, or a ``{...}`` literal) to its items and
    lower bounds; None for NULL or for a value that is not an array."""
    if v is None:
        return None
    if isinstance(v, bytes):
        v = v.decode()
    if not isinstance(v, str):
        return [v], [1]  # a scalar where an array was expected: a one-element array
    t = v.lstrip()
    if t.startswith("[") and not _BOUNDS.match(t):
        try:
            items = json.loads(t)
        except ValueError:
            return None
        return (items, [1] * len(dims(items))) if isinstance(items, list) else None
    if t.startswith(("{", "[")):
        try:
            return parse_literal(t)
        except SqlError:
            return None
    return None


def store(items: Items, lbounds: list[int] | None = None) -> str:
    """The storage form of an array: JSON text, or its literal when a lower bound is not 1."""
    if not items or not lbounds or all(lo == 1 for lo in lbounds):
        return json.dumps(items, separators=(",", ":"), ensure_ascii=False)
    shape = dims(items)
    decoration = "".join(f"[{lo}:{lo + n - 1}]" for lo, n in zip(lbounds, shape, strict=False))
    return decoration + "=" + literal(items, str)


def literal(items: Items, elem_text: Callable[[Any], str]) -> str:
    """PostgreSQL's text of an array's items (no bounds): NULL, quoting where needed."""
    out = []
    for v in items:
        if v is None:
            out.append("NULL")
        elif isinstance(v, list):
            out.append(literal(v, elem_text))
        else:
            s = elem_text(v)
            if s == "" or s.upper() == "NULL" or _QUOTE.search(s):
                s = '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
            out.append(s)
    return "{" + ",".join(out) + "}"


def output(v: object, elem: Callable[[Any], Any] | None) -> object:
    """A stored array as the wire front end takes it: nested lists of decoded elements, or the
    literal text when its lower bounds are not all 1 (the front end sends text as is)."""
    arr = load(v)
    if arr is None:
        return v
    items, lbounds = arr
    if elem is not None:
        items = map_items(items, elem)
    if items and any(lo != 1 for lo in lbounds):
        shape = dims(items)
        decoration = "".join(f"[{lo}:{lo + n - 1}]" for lo, n in zip(lbounds, shape, strict=False))
        return decoration + "=" + literal(items, _elem_text)
    return items


def _elem_text(v: Any) -> str:
    if isinstance(v, bool):
        return "t" if v else "f"
    return str(v)


def map_items(items: Items, f: Callable[[Any], Any]) -> Items:
    return [map_items(x, f) if isinstance(x, list) else (None if x is None else f(x)) for x in items]


def leaves(items: Items) -> list[Any]:
    """The elements of a (multi-dimensional) array in storage order."""
    out: list[Any] = []
    for x in items:
        if isinstance(x, list):
            out.extend(leaves(x))
        else:
            out.append(x)
    return out


def reshape(flat: list[Any], shape: list[int]) -> Items:
    if len(shape) <= 1:
        return list(flat)
    step = len(flat) // shape[0] if shape[0] else 0
    return [reshape(flat[i * step : (i + 1) * step], shape[1:]) for i in range(shape[0])]


# --- comparison ---------------------------------------------------------------------------


def _elem_cmp(a: Any, b: Any) -> int:
    if a is None or b is None:  # NULL elements sort after every other value, equal to NULL
        return (a is None) - (b is None)
    if isinstance(a, list) or isinstance(b, list):
        return _items_cmp(a if isinstance(a, list) else [a], b if isinstance(b, list) else [b])
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return (a > b) - (a < b)
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return (x > y) - (x < y)
    sa, sb = str(a), str(b)
    return (sa > sb) - (sa < sb)


def _number(v: Any) -> Any:
    if isinstance(v, (int, float)):
        return v
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(v).strip())
    except (InvalidOperation, ValueError):
        return None


def _items_cmp(a: Items, b: Items) -> int:
    fa, fb = leaves(a), leaves(b)
    for x, y in zip(fa, fb, strict=False):
        c = _elem_cmp(x, y)
        if c:
            return c
    if len(fa) != len(fb):
        return (len(fa) > len(fb)) - (len(fa) < len(fb))
    da, db = dims(a), dims(b)
    if len(da) != len(db):
        return (len(da) > len(db)) - (len(da) < len(db))
    return (da > db) - (da < db)


def compare(a: object, b: object) -> int | None:
    """btree order of two arrays (array_cmp): element by element, NULLs last, then by the
    number of elements, of dimensions, the lengths and the lower bounds; None for NULL."""
    x, y = load(a), load(b)
    if x is None or y is None:
        return None
    c = _items_cmp(x[0], y[0])
    if c:
        return c
    return (x[1] > y[1]) - (x[1] < y[1])


# --- functions ------------------------------------------------------------------------------


def _arg(v: object, name: str = "array") -> tuple[Items, list[int]] | None:
    return load(v)


def ndims(v: object) -> int | None:
    arr = load(v)
    return None if arr is None or not arr[0] else len(dims(arr[0]))


def array_dims(v: object) -> str | None:
    arr = load(v)
    if arr is None or not arr[0]:
        return None
    items, lbounds = arr
    return "".join(f"[{lo}:{lo + n - 1}]" for lo, n in zip(lbounds, dims(items), strict=False))


def _dim(v: object, d: object) -> tuple[int, int] | None:
    """(lower bound, length) of dimension ``d`` (1-based), None when it has none."""
    arr = load(v)
    if arr is None or d is None:
        return None
    shape = dims(arr[0])
    k = int(d)  # type: ignore[call-overload]
    if not 1 <= k <= len(shape):
        return None
    return arr[1][k - 1], shape[k - 1]


def length(v: object, d: object = 1) -> int | None:
    got = _dim(v, d)
    return None if got is None else got[1]


def lower(v: object, d: object = 1) -> int | None:
    got = _dim(v, d)
    return None if got is None else got[0]


def upper(v: object, d: object = 1) -> int | None:
    got = _dim(v, d)
    return None if got is None else got[0] + got[1] - 1


def cardinality(v: object) -> int | None:
    arr = load(v)
    return None if arr is None else len(leaves(arr[0]))


def fill(value: object, dimensions: object, *lbounds: object) -> str | None:
    """array_fill(value, dims[, lower bounds])."""
    d = load(dimensions)
    lb = load(lbounds[0]) if lbounds else ([1] * len(d[0]), [1]) if d else None
    if d is None or lb is None:
        raise SqlError("22004", "dimension array or low bound array cannot be null")
    shape = d[0]
    lows = lb[0]
    if any(isinstance(x, list) for x in shape) or any(isinstance(x, list) for x in lows):
        raise SqlError("2202E", "wrong number of array subscripts")
    if len(shape) != len(lows):
        raise SqlError("2202E", "wrong number of array subscripts")
    if any(x is None for x in shape) or any(x is None for x in lows):
        raise SqlError("22004", "dimension values cannot be null")
    if len(shape) > MAXDIM:
        raise SqlError("54000", f"number of array dimensions ({len(shape)}) exceeds the maximum "
                       f"allowed ({MAXDIM})")
    shape = [int(x) for x in shape]
    if not shape or any(x <= 0 for x in shape):
        return "[]"
    total = 1
    for x in shape:
        total *= x
    if total > 134217727:
        raise SqlError("54000", f"array size exceeds the maximum allowed ({134217727})")
    items = reshape([value] * total, shape)
    return store(items, [int(x) for x in lows])


def replace(v: object, old: object, new: object) -> str | None:
    arr = load(v)
    if arr is None:
        return None
    items, lbounds = arr
    flat = [new if (x is None and old is None) or (x is not None and old is not None
                                                     and _elem_cmp(x, old) == 0) else x
            for x in leaves(items)]
    return store(reshape(flat, dims(items)), lbounds)


def remove(v: object, old: object) -> str | None:
    arr = load(v)
    if arr is None:
        return None
    items, lbounds = arr
    if len(dims(items)) > 1:
        raise SqlError("0A000", "removing elements from multidimensional arrays is not supported")
    kept = [x for x in items if not ((x is None and old is None)
                                     or (x is not None and old is not None
                                         and _elem_cmp(x, old) == 0))]
    return store(kept, lbounds if kept else None)


def trim(v: object, n: object) -> str | None:
    arr = load(v)
    if arr is None or n is None:
        return None
    items = arr[0]
    k = int(n)  # type: ignore[call-overload]
    if k < 0 or k > len(items):
        raise SqlError("2202E", "number of elements to trim must be between 0 and "
                       f"{len(items)}")
    return store(items[: len(items) - k])  # a slice: its lower bound is 1 again


def _one_dimension(v: object) -> tuple[list, list[int]] | None:
    """array_append's and array_prepend's operand: NULL is an empty array; several
    dimensions are 22000."""
    arr = load(v) if v is not None else ([], [1])
    if arr is not None and len(dims(arr[0])) > 1:
        raise SqlError("22000", "argument must be empty or one-dimensional array")
    return arr


def append(v: object, x: object) -> str | None:
    arr = _one_dimension(v)
    return None if arr is None else store([*arr[0], x], arr[1])


def prepend(x: object, v: object) -> str | None:
    arr = _one_dimension(v)  # the input's lower bound, as array_prepend keeps it
    return None if arr is None else store([x, *arr[0]], arr[1])


def concat(a: object, b: object) -> str | None:
    """array_cat / ``array || array``: same dimensions end to end, or one an element of the
    other's outer dimension."""
    x, y = load(a), load(b)
    if x is None or y is None:
        if x is None and y is None:
            return None
        got = x or y
        assert got is not None
        return store(*got)
    (xi, xl), (yi, yl) = x, y
    if not xi:
        return store(yi, yl)
    if not yi:
        return store(xi, xl)
    dx, dy = dims(xi), dims(yi)
    if len(dx) == len(dy):
        if dx[1:] != dy[1:]:
            raise SqlError("2202E", "cannot concatenate incompatible arrays")
        return store(xi + yi, xl)
    if len(dx) == len(dy) + 1 and dx[1:] == dy:
        return store([*xi, yi], xl)
    if len(dy) == len(dx) + 1 and dy[1:] == dx:
        return store([xi, *yi], yl)
    raise SqlError("2202E", "cannot concatenate incompatible arrays")


def get(v: object, *subscripts: object) -> object:
    """``arr[i][j]...`` with PostgreSQL's (1-based, bounds-aware) subscripts: the element, or
    NULL out of range or with the wrong number of subscripts."""
    if len(subscripts) > MAXDIM:
        raise SqlError("54000", f"number of array dimensions ({len(subscripts)}) exceeds the "
                       f"maximum allowed ({MAXDIM})")
    arr = load(v)
    if arr is None or any(s is None for s in subscripts):
        return None
    items, lbounds = arr
    if len(subscripts) != len(dims(items)):
        return None
    x: Any = items
    for s, lo in zip(subscripts, lbounds, strict=False):
        i = int(s) - lo  # type: ignore[call-overload]
        if not isinstance(x, list) or not 0 <= i < len(x):
            return None
        x = x[i]
    return x


def slice_(v: object, *bounds: object) -> str | None:
    """``arr[a:b][c:d]...``: pairs of (lower, upper) per dimension, None for an omitted
    bound. The result has lower bounds 1; an empty range gives ``{}``."""
    arr = load(v)
    if arr is None or any(b is None for b in bounds):
        return None
    items, lbounds = arr
    shape = dims(items)
    pairs = [(None if bounds[i] == OMITTED else bounds[i],
              None if bounds[i + 1] == OMITTED else bounds[i + 1])
             for i in range(0, len(bounds), 2)]
    if not items or len(pairs) > len(shape):
        return "[]"
    ranges = []
    for d, (lo_s, hi_s) in enumerate(pairs):
        lo = lbounds[d] if lo_s is None else int(lo_s)  # type: ignore[call-overload]
        hi = lbounds[d] + shape[d] - 1 if hi_s is None else int(hi_s)  # type: ignore[call-overload]
        lo, hi = max(lo, lbounds[d]), min(hi, lbounds[d] + shape[d] - 1)
        if lo > hi:
            return "[]"
        ranges.append((lo - lbounds[d], hi - lbounds[d] + 1))
    for d in range(len(pairs), len(shape)):
        ranges.append((0, shape[d]))

    def cut(x: Items, d: int) -> Items:
        a, b = ranges[d]
        part = x[a:b]
        return [cut(y, d + 1) for y in part] if d + 1 < len(ranges) else part

    return store(cut(items, 0))


def _one_dimensional(items: Items) -> None:
    if len(dims(items)) > 1:
        raise SqlError("0A000", "searching for elements in multidimensional arrays is not "
                       "supported")


def _same(x: Any, v: Any) -> bool:
    """IS NOT DISTINCT FROM, as array_position compares."""
    return (x is None and v is None) or (x is not None and v is not None and _elem_cmp(x, v) == 0)


def position(v: object, x: object, start: object = None) -> int | None:
    arr = load(v)
    if arr is None:
        return None
    items, lbounds = arr
    _one_dimensional(items)
    lo = lbounds[0] if lbounds else 1
    first = 0 if start is None else max(int(start) - lo, 0)  # type: ignore[call-overload]
    for i in range(first, len(items)):
        if _same(items[i], x):
            return i + lo
    return None


def positions(v: object, x: object) -> str | None:
    arr = load(v)
    if arr is None:
        return None
    items, lbounds = arr
    _one_dimensional(items)
    lo = lbounds[0] if lbounds else 1
    return store([i + lo for i, y in enumerate(items) if _same(y, x)])


def agg_check(v: object) -> object:
    """array_agg over arrays: each input a non-empty array of one shape (22004 / 2202E)."""
    got = load(v)
    if got is None:
        return v
    items = got[0]
    if any(x is None for x in items):
        raise SqlError("22004", "cannot accumulate null arrays")
    if any(x == [] for x in items):
        raise SqlError("2202E", "cannot accumulate empty arrays")
    if len({json.dumps(dims(x)) if isinstance(x, list) else "" for x in items}) > 1:
        raise SqlError("2202E", "cannot accumulate arrays of different dimensionality")
    return v


# --- assignment: UPDATE t SET a[i] = x, a[lo:hi] = y ----------------------------------------


def _subscripts(subs: tuple[object, ...]) -> list[int | None]:
    """Assignment subscripts: an omitted bound is None, a NULL one is 22004."""
    if any(s is None for s in subs):
        raise _null_subscript()
    return [None if s == OMITTED else int(s) for s in subs]  # type: ignore[call-overload]


def _too_large() -> SqlError:
    return SqlError("54000", f"array size exceeds the maximum allowed ({MAX_ELEMENTS})")


def _null_subscript() -> SqlError:
    return SqlError("22004", "array subscript in assignment must not be null")


def _spliced(items: Items, cur_lo: int, lo: int, src: list[Any]) -> tuple[Items, int]:
    """A one-dimensional array with ``src`` written from subscript ``lo``, grown with NULLs
    on either side as PostgreSQL grows it; the result's items and lower bound."""
    hi = lo + len(src) - 1
    if not items:
        return list(src), lo
    cur_hi = cur_lo + len(items) - 1
    new_lo, new_hi = min(cur_lo, lo), max(cur_hi, hi)
    if new_hi - new_lo + 1 > MAX_ELEMENTS:
        raise _too_large()
    out: list[Any] = [None] * (new_hi - new_lo + 1)
    out[cur_lo - new_lo : cur_lo - new_lo + len(items)] = items
    out[lo - new_lo : lo - new_lo + len(src)] = src
    return out, new_lo


def assign(v: object, value: object, *subs: object) -> str:
    """``arr[i][j] = value``: a NULL array is an empty one; a one-dimensional array grows."""
    idx = _subscripts(subs)
    if any(i is None for i in idx):
        raise _null_subscript()
    ints = [int(i) for i in idx]  # type: ignore[arg-type]
    items, lbounds = load(v) or ([], [])
    if not items:
        nested: Any = value
        for _ in ints:
            nested = [nested]
        return store(nested, ints)
    shape = dims(items)
    if len(ints) != len(shape):
        raise SqlError("2202E", "wrong number of array subscripts")
    if len(shape) == 1:
        grown, lo = _spliced(items, lbounds[0], ints[0], [value])
        return store(grown, [lo])
    items = json.loads(json.dumps(items))
    x = items
    for d, (i, lo) in enumerate(zip(ints, lbounds, strict=True)):
        if not 0 <= i - lo < shape[d]:
            raise SqlError("2202E", "array subscript out of range")
        if d == len(shape) - 1:
            x[i - lo] = value
        else:
            x = x[i - lo]
    return store(items, lbounds)


def assign_slice(v: object, src: object, *bounds: object) -> object:
    """``arr[lo:hi][...] = src``: the source's elements in order fill the slice (2202E when
    it has too few); a one-dimensional array grows, an empty one takes the slice's shape."""
    if src is None:
        return v  # PostgreSQL leaves the array as it was
    b = _subscripts(bounds)
    pairs = [(b[i], b[i + 1]) for i in range(0, len(b), 2)]
    got = load(src)
    flat = leaves(got[0]) if got else []
    items, lbounds = load(v) or ([], [])
    if not items:
        if any(lo is None or hi is None for lo, hi in pairs):
            raise SqlError("2202E", "array slice subscript must provide both boundaries")
        shape = [hi - lo + 1 for lo, hi in pairs]  # type: ignore[operator]
        if any(n <= 0 for n in shape):
            raise SqlError("2202E", "upper bound cannot be less than lower bound")
        count = 1
        for n in shape:
            count *= n
        if count > MAX_ELEMENTS:
            raise _too_large()
        if len(flat) < count:
            raise SqlError("2202E", "source array too small")
        return store(reshape(flat[:count], shape), [lo for lo, _ in pairs])  # type: ignore[misc]
    shape = dims(items)
    if len(pairs) > len(shape):
        raise SqlError("2202E", "wrong number of array subscripts")
    pairs += [(None, None)] * (len(shape) - len(pairs))
    ranges = []
    for d, (lo, hi) in enumerate(pairs):
        lo = lbounds[d] if lo is None else lo
        hi = lbounds[d] + shape[d] - 1 if hi is None else hi
        if hi < lo:
            raise SqlError("2202E", "upper bound cannot be less than lower bound")
        ranges.append((lo, hi))
    if len(shape) == 1:
        lo, hi = ranges[0]
        if len(flat) < hi - lo + 1:
            raise SqlError("2202E", "source array too small")
        grown, new_lo = _spliced(items, lbounds[0], lo, flat[: hi - lo + 1])
        return store(grown, [new_lo])
    for d, (lo, hi) in enumerate(ranges):
        if lo < lbounds[d] or hi > lbounds[d] + shape[d] - 1:
            raise SqlError("2202E", "array subscript out of range")
    cells = list(itertools.product(*(range(lo, hi + 1) for lo, hi in ranges)))
    if len(flat) < len(cells):
        raise SqlError("2202E", "source array too small")
    items = json.loads(json.dumps(items))
    for cell, value in zip(cells, flat, strict=False):
        x = items
        for d, i in enumerate(cell):
            if d == len(cell) - 1:
                x[i - lbounds[d]] = value
            else:
                x = x[i - lbounds[d]]
    return store(items, lbounds)


# --- containment: @>, <@, && -----------------------------------------------------------


def _elements(v: object) -> list[Any] | None:
    got = load(v)
    return None if got is None else leaves(got[0])


def _found(a: object, b: object, every: bool) -> int | None:
    """Whether every (or some) element of b equals one of a; a NULL element equals nothing."""
    x, y = _elements(a), _elements(b)
    if x is None or y is None:
        return None
    present = [e for e in x if e is not None]
    hits = (e is not None and any(_elem_cmp(e, f) == 0 for f in present) for e in y)
    return int(all(hits) if every else any(hits))


def contains(a: object, b: object) -> int | None:
    """``a @> b``: every element of b equals one of a."""
    return _found(a, b, True)


def overlaps(a: object, b: object) -> int | None:
    """``a && b``: some non-NULL element in both."""
    return _found(a, b, False)


class Extreme:
    """min / max over arrays in PostgreSQL's array order (the aggregate pg_array_min/_max)."""

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.best: object = None

    def step(self, v: object) -> None:
        if v is not None and (self.best is None or compare(v, self.best) == self.sign):
            self.best = v

    def final(self) -> object:
        return self.best
