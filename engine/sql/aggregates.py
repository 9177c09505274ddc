"""Aggregates SQLite lacks, registered on the connection as PostgreSQL computes them.

The regression family (``regr_*``, ``covar_*``, ``corr``) keeps float.c's Youngs-Cramer sums
(float8_regr_accum), so the last digits agree. Ordered-set and hypothetical-set aggregates
(``percentile_cont(p) WITHIN GROUP (ORDER BY x)``, ``mode()``, ``rank(v) WITHIN GROUP ...``)
reach SQLite as ``pg_os_<name>(dirs, keys..., direct args...)``: the values are gathered and sorted
once at the end (the name carries the kind: with no rows, no call shows the arguments). The bit aggregates and ``every`` are here too.
"""

from __future__ import annotations

import collections
import json
import math
from collections.abc import Callable

import apsw

from aurora.engine.sql import interval, types
from aurora.engine.sqlapi import SqlError


class _Regr:
    """float8_regr_accum's state: N, Sx, Sxx, Sy, Syy, Sxy over rows where both are set."""

    def __init__(self, final: Callable[[_Regr], object]) -> None:
        self.final_fn = final
        self.n = 0.0
        self.sx = self.sxx = self.sy = self.syy = self.sxy = 0.0

    def step(self, y: object, x: object) -> None:
        if y is None or x is None:
            return
        fy, fx = float(y), float(x)  # type: ignore[arg-type]
        sx0, sy0 = self.sx, self.sy
        self.n += 1.0
        self.sx += fx
        self.sy += fy
        if self.n > 1.0:
            tx, ty = fx * self.n - self.sx, fy * self.n - self.sy
            scale = 1.0 / (self.n * (self.n - 1.0))
            self.sxx += tx * tx * scale
            self.syy += ty * ty * scale
            self.sxy += tx * ty * scale
            if math.isinf(self.sx) or math.isinf(self.sxx):
                if not math.isinf(sx0) and not math.isinf(fx):
                    raise SqlError("22003", "value out of range: overflow")
                self.sxx = math.nan
            if math.isinf(self.sy) or math.isinf(self.syy):
                if not math.isinf(sy0) and not math.isinf(fy):
                    raise SqlError("22003", "value out of range: overflow")
                self.syy = math.nan
            if math.isinf(self.sxy):
                if not (math.isinf(sx0) or math.isinf(fx) or math.isinf(sy0) or math.isinf(fy)):
                    raise SqlError("22003", "value out of range: overflow")
                self.sxy = math.nan
        else:
            if not math.isfinite(fx):
                self.sxx = self.sxy = math.nan
            if not math.isfinite(fy):
                self.syy = self.sxy = math.nan

    def final(self) -> object:
        v = self.final_fn(self)
        return "NaN" if isinstance(v, float) and math.isnan(v) else v  # SQLite has no NaN


def _nonempty(f: Callable[[_Regr], object]) -> Callable[[_Regr], object]:
    return lambda r: None if r.n < 1.0 else f(r)


def _with_sxx(f: Callable[[_Regr], object]) -> Callable[[_Regr], object]:
    return lambda r: None if r.n < 1.0 or r.sxx == 0 else f(r)


_REGRESSION: dict[str, Callable[[_Regr], object]] = {
    "regr_count": lambda r: int(r.n),
    "regr_sxx": _nonempty(lambda r: r.sxx),
    "regr_syy": _nonempty(lambda r: r.syy),
    "regr_sxy": _nonempty(lambda r: r.sxy),
    "regr_avgx": _nonempty(lambda r: r.sx / r.n),
    "regr_avgy": _nonempty(lambda r: r.sy / r.n),
    "covar_pop": _nonempty(lambda r: r.sxy / r.n),
    "covar_samp": lambda r: None if r.n < 2.0 else r.sxy / (r.n - 1.0),
    "corr": lambda r: (None if r.n < 1.0 or r.sxx == 0 or r.syy == 0
                       else r.sxy / math.sqrt(r.sxx * r.syy)),
    "regr_r2": _with_sxx(lambda r: 1.0 if r.syy == 0 else (r.sxy * r.sxy) / (r.sxx * r.syy)),
    "regr_slope": _with_sxx(lambda r: r.sxy / r.sxx),
    "regr_intercept": _with_sxx(lambda r: (r.sy - r.sx * r.sxy / r.sxx) / r.n),
}


class _Bits:
    """bit_and / bit_or / bit_xor over integers; NULLs ignored, NULL for no rows."""

    def __init__(self, op: Callable[[int, int], int]) -> None:
        self.op = op
        self.acc: int | None = None

    def step(self, v: object) -> None:
        if v is None:
            return
        if not isinstance(v, int):
            raise SqlError("0A000", "bit aggregates over bit strings are not supported")
        self.acc = v if self.acc is None else self.op(self.acc, v)

    def final(self) -> object:
        return self.acc


class _Every:
    """every(b): true when no row is false; NULLs ignored."""

    def __init__(self) -> None:
        self.acc: int | None = None

    def step(self, v: object) -> None:
        if v is not None:
            self.acc = int(bool(v)) if self.acc is None else self.acc & int(bool(v))

    def final(self) -> object:
        return self.acc


class _FloatSum:
    """sum / avg of float8 (float8pl, float8_accum's Sx): IEEE's NaN and infinities (a NaN is
    stored as its text), 22003 when finite values overflow. A moving frame adds its values
    up again, as PostgreSQL does (float8 has no inverse transition)."""

    def __init__(self, average: bool) -> None:
        self.average = average
        self.values: collections.deque[float] = collections.deque()
        self.total = 0.0

    def _add(self, x: float) -> None:
        total = self.total + x
        if math.isinf(total) and not math.isinf(self.total) and not math.isinf(x):
            raise SqlError("22003", "value out of range: overflow")
        self.total = total

    def step(self, v: object) -> None:
        if v is not None:
            x = float(v)  # type: ignore[arg-type]
            self._add(x)
            self.values.append(x)

    def inverse(self, v: object) -> None:
        if v is not None:
            self.values.popleft()
            self.total = 0.0
            for x in self.values:
                self._add(x)

    def value(self) -> object:
        if not self.values:
            return None
        r = self.total / len(self.values) if self.average else self.total
        return "NaN" if r != r else r

    final = value


class _IntervalSum:
    """sum / avg of intervals (interval_pl field by field; avg is interval_div by the count)."""

    def __init__(self, average: bool) -> None:
        self.average = average
        self.fields = [0, 0, 0]
        self.count = 0

    def step(self, v: object) -> None:
        if v is not None:
            for i, x in enumerate(interval.parse(str(v))):
                self.fields[i] += x
            self.count += 1

    def final(self) -> object:
        if not self.count:
            return None
        total = interval._checked(*self.fields)
        return interval.divide(total, self.count) if self.average else total


class _IntervalExtreme:
    """min / max of intervals, by their span with a month of 30 days (interval_cmp)."""

    def __init__(self, larger: bool) -> None:
        self.larger = larger
        self.best: object = None
        self.key: object = None

    def step(self, v: object) -> None:
        if v is None:
            return
        k = interval.sort_key(v)
        if self.best is None or (k > self.key if self.larger else k < self.key):  # type: ignore[operator]
            self.best, self.key = v, k

    def final(self) -> object:
        return self.best


def _key(v: object) -> tuple:
    """Sort order: NULLs last, numbers by value before text (a column holds one kind)."""
    if v is None:
        return (2, 0)
    if isinstance(v, (int, float)):
        return (0, v)
    return (1, v)


class _OrderedSet:
    """``pg_os_<kind>(dirs, keys..., args...)``: percentile_cont / percentile_disc / mode over
    one sort key and the hypothetical-set rank / dense_rank / percent_rank / cume_dist over as
    many keys as direct arguments; ``dirs`` holds a 0 (ASC) or 1 (DESC) per key."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.dirs = "0"
        self.rows: list[tuple] = []
        self.args: tuple = ()

    def step(self, dirs: str, *rest: object) -> None:
        k = len(dirs)
        if not self.rows:
            self.dirs, self.args = dirs, rest[k:]
        self.rows.append(rest[:k])

    def _cmp(self, a: tuple, b: tuple) -> int:
        for d, x, y in zip(self.dirs, a, b, strict=False):
            kx, ky = _key(x), _key(y)
            if kx != ky:
                return (-1 if kx < ky else 1) * (-1 if d == "1" else 1)
        return 0

    def final(self) -> object:
        kind = self.kind
        if kind in ("rank", "dense_rank", "percent_rank", "cume_dist"):
            return self._hypothetical()
        vals = sorted((r[0] for r in self.rows if r[0] is not None), key=_key,
                      reverse=self.dirs == "1")
        if kind == "mode":
            return _mode(vals)
        p = self.args[0] if self.args else None
        pick = _cont if kind == "percentile_cont" else _disc
        if isinstance(p, str) and p.startswith("["):
            return json.dumps(_each(json.loads(p), lambda q: pick(vals, q)))
        return pick(vals, p)

    def _hypothetical(self) -> object:
        h = tuple(_like(v, [r[i] for r in self.rows]) for i, v in enumerate(self.args))
        n = len(self.rows)
        before = [r for r in self.rows if self._cmp(r, h) < 0]
        rank = 1 + len(before)
        if self.kind == "rank":
            return rank
        if self.kind == "dense_rank":
            return 1 + len({tuple(_key(x) for x in r) for r in before})
        if self.kind == "percent_rank":
            return (rank - 1) / n if n else 0.0
        peers = sum(1 for r in self.rows if self._cmp(r, h) <= 0)
        return (peers + 1) / (n + 1)


def _like(h: object, column: list) -> object:
    """A hypothetical value compared as the sorted column's type."""
    known = next((v for v in column if v is not None), None)
    if h is None or known is None:
        return h
    if isinstance(known, (int, float)) and isinstance(h, str):
        try:
            return float(h) if "." in h or "e" in h.lower() else int(h)
        except ValueError:
            raise SqlError("22P02", f'invalid input syntax for type integer: "{h}"') from None
    if isinstance(h, (int, float)) != isinstance(known, (int, float)):
        raise SqlError("42804", "WITHIN GROUP types do not match the direct argument")
    return h


def _each(p: object, f: Callable[[object], object]) -> object:
    return [_each(q, f) for q in p] if isinstance(p, list) else f(p)


def _fraction(p: object) -> float | None:
    if p is None:
        return None
    q = float(p)  # type: ignore[arg-type]
    if not 0.0 <= q <= 1.0 or math.isnan(q):
        raise SqlError("22003", f"percentile value {q:g} is not between 0 and 1")
    return q


def _disc(vals: list, p: object) -> object:
    q = _fraction(p)
    if q is None or not vals:
        return None
    row = math.ceil(q * len(vals))
    return vals[max(row, 1) - 1]


def _cont(vals: list, p: object) -> object:
    q = _fraction(p)
    if q is None or not vals:
        return None
    pos = q * (len(vals) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    first = float(vals[lo])
    if lo == hi:
        return first
    return first + (float(vals[hi]) - first) * (pos - lo)


def _mode(vals: list) -> object:
    best, best_n, cur, cur_n = None, 0, None, 0
    for v in vals:
        if cur_n and v == cur:
            cur_n += 1
        else:
            cur, cur_n = v, 1
        if cur_n > best_n:
            best, best_n = cur, cur_n
    return best


def _state(array: object, size: int, fn: str) -> list[float] | None:
    """A transition state float8[] (stored as JSON) of ``size`` elements."""
    if array is None:
        return None
    values = json.loads(array) if isinstance(array, str) else array
    if not isinstance(values, list) or len(values) != size:
        raise SqlError("22023", f"{fn}: expected {size}-element float8 array")
    return [float(v) for v in values]


def _regr_of(state: list[float]) -> _Regr:
    r = _Regr(lambda _: None)
    r.n, r.sx, r.sxx, r.sy, r.syy, r.sxy = (state + [0.0] * 6)[:6]
    return r


def _float8_accum(array: object, x: object) -> object:
    """float8_accum(N, Sx, Sxx; x): one Youngs-Cramer step, as var_pop's transition."""
    state = _state(array, 3, "float8_accum")
    if state is None or x is None:
        return None
    r = _regr_of(state)
    r.step(x, x)
    return json.dumps([r.n, r.sx, r.sxx])


def _float8_regr_accum(array: object, y: object, x: object) -> object:
    state = _state(array, 6, "float8_regr_accum")
    if state is None or y is None or x is None:
        return None
    r = _regr_of(state)
    r.step(y, x)
    return json.dumps([r.n, r.sx, r.sxx, r.sy, r.syy, r.sxy])


def _combined(a: list[float], b: list[float]) -> list[float]:
    """float8_combine / float8_regr_combine: two partial states as one (float.c's formulas)."""
    n1, n2 = a[0], b[0]
    if n1 == 0.0:
        return b
    if n2 == 0.0:
        return a
    n = n1 + n2
    out = [n, a[1] + b[1]]
    tx = a[1] / n1 - b[1] / n2
    out.append(a[2] + b[2] + n1 * n2 * tx * tx / n)
    if len(a) == 6:
        ty = a[3] / n1 - b[3] / n2
        out += [a[3] + b[3], a[4] + b[4] + n1 * n2 * ty * ty / n,
                a[5] + b[5] + n1 * n2 * tx * ty / n]
    for mine, theirs, total in zip(a[2:], b[2:], out[2:], strict=False):
        if math.isinf(total) and not math.isinf(mine) and not math.isinf(theirs):
            raise SqlError("22003", "value out of range: overflow")
    return out


def _float8_combine(a: object, b: object, size: int = 3) -> object:
    name = "float8_combine" if size == 3 else "float8_regr_combine"
    x, y = _state(a, size, name), _state(b, size, name)
    if x is None or y is None:
        return None
    return json.dumps(_combined(x, y))


class _StringAggDistinct:
    """string_agg over JSON [value, separator] pairs that SQLite made distinct and ordered."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def step(self, pair: object) -> None:
        value, sep = json.loads(pair)  # type: ignore[arg-type]
        if value is None:
            return
        if self.parts and sep is not None:
            self.parts.append(str(sep))
        self.parts.append(str(value))

    def final(self) -> object:
        return "".join(self.parts) if self.parts else None


def _json_join(values: object, separator: object) -> object:
    """The non-NULL members of a JSON array (``json_group_array``) as text joined by
    ``separator``; NULL when there are none (string_agg of no value)."""
    parts = [str(v) for v in json.loads(values) if v is not None]  # type: ignore[arg-type]
    if not parts:
        return None
    return ("" if separator is None else str(separator)).join(parts)


class _ByteaAgg:
    """string_agg(bytea, bytea): the values joined by the separator each later row brings."""

    def __init__(self) -> None:
        self.out: bytes | None = None

    def step(self, value: object, sep: object) -> None:
        if value is None:
            return
        if self.out is None:
            self.out = _bytes(value)
        else:
            self.out += (_bytes(sep) if sep is not None else b"") + _bytes(value)

    def final(self) -> object:
        return self.out


def _bytes(v: object) -> bytes:
    """A bytea argument: bytes, or the text of a quoted literal (bytea's input)."""
    if isinstance(v, str):
        return types.bytea_in(v)  # type: ignore[return-value]
    return bytes(v)  # type: ignore[call-overload]


def _strict_bool(op: Callable[[bool, bool], bool]) -> Callable[[object, object], object]:
    return lambda a, b: None if a is None or b is None else int(op(bool(a), bool(b)))


def register(conn: apsw.Connection) -> None:
    conn.create_aggregate_function("pg_bytea_agg", _ByteaAgg, 2)
    # bool_and / bool_or's transition functions, strict as in PostgreSQL
    conn.create_scalar_function("booland_statefunc", _strict_bool(lambda a, b: a and b), 2,
                                deterministic=True)
    conn.create_scalar_function("boolor_statefunc", _strict_bool(lambda a, b: a or b), 2,
                                deterministic=True)
    conn.create_aggregate_function("pg_string_agg_distinct", _StringAggDistinct, 1)
    conn.create_scalar_function("pg_json_join", _json_join, 2, deterministic=True)
    conn.create_scalar_function("float8_accum", _float8_accum, 2, deterministic=True)
    conn.create_scalar_function("float8_regr_accum", _float8_regr_accum, 3, deterministic=True)
    conn.create_scalar_function("float8_combine", _float8_combine, 2, deterministic=True)
    conn.create_scalar_function(
        "float8_regr_combine", lambda a, b: _float8_combine(a, b, 6), 2, deterministic=True)
    for name, final in _REGRESSION.items():
        conn.create_aggregate_function(name, lambda f=final: _Regr(f), 2)
    conn.create_aggregate_function("bitwise_and_agg", lambda: _Bits(lambda a, b: a & b), 1)
    conn.create_aggregate_function("bitwise_or_agg", lambda: _Bits(lambda a, b: a | b), 1)
    conn.create_aggregate_function("bitwise_xor_agg", lambda: _Bits(lambda a, b: a ^ b), 1)
    conn.create_aggregate_function("every", _Every, 1)
    conn.create_window_function("pg_float_sum", lambda: _FloatSum(False), 1)
    conn.create_window_function("pg_float_avg", lambda: _FloatSum(True), 1)
    conn.create_aggregate_function("pg_interval_sum", lambda: _IntervalSum(False), 1)
    conn.create_aggregate_function("pg_interval_avg", lambda: _IntervalSum(True), 1)
    conn.create_aggregate_function("pg_interval_min", lambda: _IntervalExtreme(False), 1)
    conn.create_aggregate_function("pg_interval_max", lambda: _IntervalExtreme(True), 1)
    for kind in ("percentile_cont", "percentile_disc", "mode", "rank", "dense_rank",
                 "percent_rank", "cume_dist"):
        conn.create_aggregate_function(f"pg_os_{kind}", lambda k=kind: _OrderedSet(k), -1)
