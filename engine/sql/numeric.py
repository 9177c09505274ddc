"""Exact PostgreSQL ``numeric``: input, arithmetic, aggregates and ordering as numeric.c does.

Two SQLite forms of a value. The *stored* form (columns, equality): the INTEGER or REAL when
that is exactly the decimal (a REAL means the decimal its ``repr`` spells), else the text.
The *scaled* form (what an expression yields): the same, but text whenever an INTEGER or
REAL would not spell the display scale too ('4.50', '0.30'), so the scale PostgreSQL shows
travels with the value. Functions take either form and, where storage dropped a column's
declared scale, a scale hint (-1: none). Decimal arithmetic runs in one context wide enough
to be exact; division, square root and power round half away from zero at the scale
numeric.c picks. Values stay within PostgreSQL's limits (131072 digits before the point,
16383 after) or raise 22003, so no call runs away.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable
from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_UP,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)
from typing import TYPE_CHECKING

from aurora.engine.sqlapi import SqlError

if TYPE_CHECKING:
    import apsw

MAX_INT_DIGITS = 131072  # NUMERIC_WEIGHT_MAX + 1 base-10000 digits
MAX_DSCALE = 16383  # NUMERIC_DSCALE_MAX
MIN_SIG_DIGITS = 16  # NUMERIC_MIN_SIG_DIGITS
MAX_DISPLAY_SCALE = 1000  # NUMERIC_MAX_DISPLAY_SCALE

# Wide enough that +, -, * and remainder of in-range values are exact (libmpdec allocates by
# the operands, not by prec, so ordinary values cost nothing extra).
_CTX = Context(
    prec=2 * (MAX_INT_DIGITS + MAX_DSCALE) + 16,
    rounding=ROUND_HALF_UP,
    Emax=10**7,
    Emin=-(10**7),
    traps=[InvalidOperation, DivisionByZero, Overflow],
)
_ONE = Decimal(1)
_ZERO = Decimal(0)
NAN = Decimal("NaN")
INF = Decimal("Infinity")
NINF = Decimal("-Infinity")
_INT64 = 2**63

_INPUT = re.compile(r"\s*([+-]?(?:\d+\.?\d*|\.\d+))(?:[eE]([+-]?\d+))?\s*", re.ASCII)
_SPECIAL = {
    "nan": NAN,
    "infinity": INF,
    "+infinity": INF,
    "inf": INF,
    "+inf": INF,
    "-infinity": NINF,
    "-inf": NINF,
}


def _overflow() -> SqlError:
    return SqlError("22003", "value overflows numeric format")


@functools.lru_cache(maxsize=256)
def _quantum(scale: int) -> Decimal:
    """10 ** -scale, the quantize argument for a scale."""
    return Decimal((0, (1,), -scale))


def scale_of(d: Decimal) -> int:
    """The display scale of a finite decimal (digits after the point)."""
    e = d.as_tuple().exponent
    return -e if isinstance(e, int) and e < 0 else 0


def check(d: Decimal) -> Decimal:
    """``d`` if it is within PostgreSQL's numeric limits, else 22003."""
    if d.is_finite():
        if d and d.adjusted() >= MAX_INT_DIGITS:
            raise _overflow()
        if scale_of(d) > MAX_DSCALE:
            raise _overflow()
    return d


def parse(text: str) -> Decimal:
    """numeric_in: PostgreSQL's input syntax (no underscores, no unicode digits) and limits."""
    m = _INPUT.fullmatch(text)
    if m is None:
        special = _SPECIAL.get(text.strip().lower())
        if special is None:
            raise SqlError("22P02", f'invalid input syntax for type numeric: "{text}"')
        return special
    d = Decimal(m.group(1))
    if m.group(2) is not None:
        e = int(m.group(2)) if len(m.group(2)) < 12 else 10**12
        if abs(e) > 2 * MAX_INT_DIGITS:  # far past the limits: no need to build it
            raise _overflow()
        d = d.scaleb(e, context=_CTX)
    return _normal(check(d))


def _normal(d: Decimal) -> Decimal:
    """No positive exponent (scale 0 instead) and no negative zero, as numeric.c keeps it."""
    t = d.as_tuple()
    if isinstance(t.exponent, int) and t.exponent > 0:
        d = d.quantize(_ONE, context=_CTX)
    if t.sign and not d:
        d = d.copy_abs()
    return d


def value(v: object) -> Decimal | None:
    """The decimal a SQLite value of either form stands for (None for NULL)."""
    t = type(v)
    if t is int:
        return Decimal(v)  # type: ignore[arg-type]
    if t is float:
        r = repr(v)
        d = Decimal(r)
        return _normal(d) if "e+" in r or r[0] == "-" else d
    if v is None:
        return None
    if t is str:
        return parse(v)  # type: ignore[arg-type]
    if isinstance(v, (bytes, bytearray, memoryview)):
        return parse(bytes(v).decode("utf-8", "replace"))
    if isinstance(v, Decimal):
        return check(_normal(v))
    raise SqlError("22P02", f'invalid input syntax for type numeric: "{v}"')


def _guarded(fn: Callable[..., object]) -> Callable[..., object]:
    """A decimal signal no bound foresaw is still a SQLSTATE, never an internal error."""

    @functools.wraps(fn)
    def call(*args: object) -> object:
        try:
            return fn(*args)
        except ArithmeticError:
            raise _overflow() from None
        except (TypeError, ValueError):
            raise SqlError("22P02", "invalid input syntax for type numeric") from None

    return call


def _special_text(d: Decimal) -> str:
    return "NaN" if d.is_nan() else ("Infinity" if d > 0 else "-Infinity")


def stored(d: Decimal) -> int | float | str:
    """The stored form: INTEGER or REAL when exactly the value, else the plain text."""
    if not d.is_finite():
        return _special_text(d)
    if not d:
        return 0
    integral = d == d.to_integral_value()
    e = d.as_tuple().exponent
    if integral and isinstance(e, int) and e >= 0 and d.adjusted() < 19:
        i = int(d)
        if -_INT64 <= i < _INT64:
            return i
    f = float(d)
    if math.isfinite(f) and Decimal(repr(f)) == d:
        return f  # 1.0 stays REAL: an unconstrained column then still shows 1.0
    if integral and d.adjusted() < 19 and -_INT64 <= int(d) < _INT64:
        return int(d)
    # One text per value, so that equal values stay equal (and unique) in storage.
    return format(d.normalize(_CTX), "f")


def scaled(d: Decimal) -> int | float | str:
    """The scaled form: the stored form when that spells the display scale too, else text."""
    if not d.is_finite():
        return _special_text(d)
    t = d.as_tuple()
    if t.sign and not d:
        d = d.copy_abs()
    if isinstance(t.exponent, int) and t.exponent >= 0:
        if d.adjusted() < 19:
            i = int(d)
            if -_INT64 <= i < _INT64:
                return i
        return format(d, "f")
    text = format(d, "f")
    if len(text) < 24:
        f = float(text)
        if repr(f) == text:
            return f
    return text


def _arg(v: object, hint: int) -> Decimal | None:
    """An operand, with the scale a column declared (storage dropped it) put back."""
    d = value(v)
    if d is not None and hint is not None and hint > 0 and d.is_finite() and scale_of(d) < hint:
        d = d.quantize(_quantum(hint), context=_CTX)
    return d


def _rounded(d: Decimal, scale: int, rounding: str = ROUND_HALF_UP) -> Decimal:
    """``d`` rounded (half away from zero by default) to ``scale`` digits, which may be < 0."""
    if scale >= 0:
        return d.quantize(_quantum(scale), rounding=rounding, context=_CTX)
    r = d.quantize(Decimal((0, (1,), -scale)), rounding=rounding, context=_CTX)
    return r.quantize(_ONE, context=_CTX)


# --- typmod ---------------------------------------------------------------------------------


def apply_typmod(d: Decimal, precision: int | None, scale: int | None) -> Decimal:
    """numeric(p,s): round to s, then 22003 when the integer digits exceed p - s."""
    if precision is None or precision < 0:
        return d
    s = scale or 0
    if d.is_nan():
        return d
    if d.is_infinite():
        raise SqlError(
            "22003",
            "numeric field overflow",
            detail=f"A field with precision {precision}, scale {s} cannot hold an infinite value.",
        )
    r = _rounded(d, s)
    maxdigits = precision - s
    if r and r.adjusted() >= maxdigits:
        limit = f"10^{maxdigits}" if maxdigits else "1"
        raise SqlError(
            "22003",
            "numeric field overflow",
            detail=f"A field with precision {precision}, scale {s} must round to an absolute "
            f"value less than {limit}.",
        )
    return r


def store(v: object, precision: int | None = None, scale: int | None = None) -> object:
    """A value written to a numeric column, in the stored form (``pg_numeric``)."""
    d = value(v)
    if d is None:
        return None
    return stored(apply_typmod(d, precision, scale))


def cast(v: object, precision: int | None = None, scale: int | None = None) -> object:
    """``x::numeric`` / ``x::numeric(p,s)``, in the scaled form (``pg_num_cast``)."""
    d = value(v)
    if d is None:
        return None
    return scaled(apply_typmod(d, precision, scale))


def float_cast(v: object, precision: int | None = None, scale: int | None = None,
               digits: int = 15) -> object:
    """``float8::numeric``: float8_numeric keeps DBL_DIG (15) significant digits (float4's
    keeps FLT_DIG, 6)."""
    if type(v) is float:
        v = format(v, f".{digits}g")
    return cast(v, precision, scale)


# --- arithmetic -----------------------------------------------------------------------------


def _add_special(x: Decimal, y: Decimal) -> Decimal:
    if x.is_nan() or y.is_nan():
        return NAN
    if x.is_infinite() and y.is_infinite():
        return x if x == y else NAN
    return x if x.is_infinite() else y


def add(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if not (x.is_finite() and y.is_finite()):
        return scaled(_add_special(x, y))
    return scaled(check(_CTX.add(x, y)))


def sub(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if not (x.is_finite() and y.is_finite()):
        return scaled(_add_special(x, y.copy_negate()))
    return scaled(check(_CTX.subtract(x, y)))


def mul(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if not (x.is_finite() and y.is_finite()):
        if x.is_nan() or y.is_nan() or not x or not y:
            return scaled(NAN)
        return scaled(INF if (x < 0) == (y < 0) else NINF)
    r = _CTX.multiply(x, y)
    if scale_of(r) > MAX_DSCALE:  # numeric_mul rounds an over-long product, it does not fail
        r = _rounded(r, MAX_DSCALE)
    return scaled(check(r))


def _weight_first(d: Decimal) -> tuple[int, int]:
    """The base-10000 weight and first base-10000 digit of |d| as numeric.c stores it."""
    if not d:
        return 0, 0
    w = d.adjusted() // 4
    return w, int(d.copy_abs().scaleb(-4 * w, context=_CTX))


def div_scale(x: Decimal, y: Decimal) -> int:
    """select_div_scale: at least 16 significant digits, never less than either input's scale."""
    w1, f1 = _weight_first(x)
    w2, f2 = _weight_first(y)
    qweight = w1 - w2 - (1 if f1 <= f2 else 0)
    rscale = max(MIN_SIG_DIGITS - qweight * 4, scale_of(x), scale_of(y), 0)
    return min(rscale, MAX_DISPLAY_SCALE)


def _coef(d: Decimal) -> tuple[int, int]:
    """(c, e) with d == c * 10**e, c an int."""
    sign, digits, e = d.as_tuple()
    assert isinstance(e, int)
    # Trailing zeros go into the exponent: 10^131071 is (1, 131071), not a 131072-digit int,
    # whose conversion costs a second.
    n = len(digits)
    while n > 1 and digits[n - 1] == 0:
        n -= 1
    if n < len(digits):
        e += len(digits) - n
        d = Decimal((sign, digits[:n], 0))
        return int(d), e
    return int(d.scaleb(-e, context=_CTX)), e


def divide(x: Decimal, y: Decimal, rscale: int) -> Decimal:
    """x / y rounded half away from zero to rscale digits, exactly (integer arithmetic)."""
    cx, ex = _coef(x)
    cy, ey = _coef(y)
    k = ex - ey + rscale
    num, den = abs(cx), abs(cy)
    if k >= 0:
        num *= 10**k
    else:
        den *= 10**-k
    q, r = divmod(num, den)
    if 2 * r >= den:
        q += 1
    if (cx < 0) != (cy < 0):
        q = -q
    return Decimal(q).scaleb(-rscale, context=_CTX)


def _div0() -> SqlError:
    return SqlError("22012", "division by zero")


def div(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if not (x.is_finite() and y.is_finite()):
        if x.is_nan() or y.is_nan():
            return scaled(NAN)
        if x.is_infinite():
            if not y:
                raise _div0()
            if y.is_infinite():
                return scaled(NAN)
            return scaled(INF if (x < 0) == (y < 0) else NINF)
        return 0  # finite / infinite
    if not y:
        raise _div0()
    return scaled(check(divide(x, y, div_scale(x, y))))


def mod(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if not (x.is_finite() and y.is_finite()):
        if x.is_nan() or y.is_nan():
            return scaled(NAN)
        if x.is_infinite():
            if not y:
                raise _div0()
            return scaled(NAN)
        return scaled(x)  # finite % infinite
    if not y:
        raise _div0()
    return scaled(check(_CTX.remainder(x, y)))


def neg(a: object, sa: int = -1) -> object:
    x = _arg(a, sa)
    return None if x is None else scaled(x.copy_negate())


def compare(a: object, b: object) -> int | None:
    """-1, 0 or 1 (NULL with a NULL): NaN equals NaN and sorts above everything."""
    x, y = value(a), value(b)
    if x is None or y is None:
        return None
    return _cmp(x, y)


def _cmp(x: Decimal, y: Decimal) -> int:
    if x.is_nan() or y.is_nan():
        return (1 if x.is_nan() else 0) - (1 if y.is_nan() else 0)
    return (x > y) - (x < y)


def sort_key(v: object) -> str | None:
    """Text whose binary order is the numeric order (NaN last), for ORDER BY."""
    d = value(v)
    if d is None:
        return None
    if not d.is_finite():
        return "5" if d.is_nan() else ("4" if d > 0 else "0")
    if not d:
        return "2"
    digits = "".join(map(str, d.as_tuple().digits)).rstrip("0")
    e = d.adjusted()
    if d > 0:
        return f"3{e + 500000:07d}{digits}"
    return f"1{500000 - e:07d}{digits.translate(_COMPLEMENT)}~"


_COMPLEMENT = str.maketrans("0123456789", "9876543210")


# --- functions ------------------------------------------------------------------------------


def _clamp_scale(n: object) -> int:
    """round / trunc's scale within numeric.c's bounds: a digit past the largest weight
    (NUMERIC_WEIGHT_MAX, 4 digits each, and one more to round up into) down to the dscale."""
    return max(-131073, min(MAX_DSCALE, int(n)))  # type: ignore[call-overload]


def round_(v: object, n: object = 0, hint: int = -1) -> object:
    x = _arg(v, hint)
    if x is None or n is None:
        return None
    if not x.is_finite():
        return scaled(x)
    return scaled(check(_rounded(x, _clamp_scale(n))))


def trunc(v: object, n: object = 0, hint: int = -1) -> object:
    x = _arg(v, hint)
    if x is None or n is None:
        return None
    if not x.is_finite():
        return scaled(x)
    return scaled(check(_rounded(x, _clamp_scale(n), ROUND_DOWN)))


def to_integer(v: object) -> object:
    """numeric to an integer type: rounded half away from zero (the range is pg_int's)."""
    x = value(v)
    if x is None:
        return None
    if not x.is_finite():
        what = "NaN" if x.is_nan() else "infinity"
        raise SqlError("0A000", f"cannot convert {what} to integer")
    return scaled(_rounded(x, 0))


def ceil(v: object) -> object:
    x = value(v)
    if x is None or not x.is_finite():
        return None if x is None else scaled(x)
    return scaled(x.to_integral_value(rounding=ROUND_CEILING))


def sign(v: object) -> object:
    """sign(numeric): -1, 0 or 1 as numeric (an infinity's sign, NaN's NaN)."""
    x = value(v)
    if x is None or x.is_nan():
        return None if x is None else scaled(x)
    return scaled(Decimal(0) if not x else Decimal(1).copy_sign(x))


def floor(v: object) -> object:
    x = value(v)
    if x is None or not x.is_finite():
        return None if x is None else scaled(x)
    return scaled(x.to_integral_value(rounding=ROUND_FLOOR))


def abs_(v: object, hint: int = -1) -> object:
    x = _arg(v, hint)
    return None if x is None else scaled(x.copy_abs())


def sqrt(v: object, hint: int = -1) -> object:
    x = _arg(v, hint)
    if x is None:
        return None
    if x.is_nan():
        return scaled(x)
    if x < 0:
        raise SqlError("2201F", "cannot take square root of a negative number")
    if x.is_infinite():
        return scaled(x)
    sweight = (_weight_first(x)[0] + 1) * 4 // 2 - 1
    rscale = min(max(MIN_SIG_DIGITS - sweight, scale_of(x), 0), MAX_DISPLAY_SCALE)
    # floor(sqrt(x) * 10^(rscale+1)) exactly, then the last digit rounds half up.
    c, e = _coef(x)
    k = 2 * (rscale + 1) + e
    n = c * 10**k if k >= 0 else c // 10**-k
    q = (math.isqrt(n) + 5) // 10
    return scaled(Decimal(q).scaleb(-rscale, context=_CTX))


def _ln_dweight(x: Decimal) -> int:
    """numeric.c's estimate of the decimal weight of ln(x) (x > 0)."""
    if Decimal("0.9") <= x <= Decimal("1.1"):
        d = x - 1
        return d.adjusted() if d else 0
    return int(math.log10(abs(float(x.ln(Context(prec=20))))))


def _precise(rscale: int, weight: int) -> Context:
    return Context(prec=max(rscale + max(weight, 0) + 20, 40), Emax=_CTX.Emax, Emin=_CTX.Emin)


def _log_domain(x: Decimal) -> None:
    if x < 0:
        raise SqlError("2201E", "cannot take logarithm of a negative number")
    if x == 0:
        raise SqlError("2201E", "cannot take logarithm of zero")


def ln(v: object, hint: int = -1) -> object:
    """numeric ln(x), at numeric.c's scale: 16 significant digits, at least x's scale."""
    x = _arg(v, hint)
    if x is None:
        return None
    if x.is_nan():
        return scaled(x)
    _log_domain(x)
    if x.is_infinite():
        return scaled(x)
    rscale = min(max(MIN_SIG_DIGITS - _ln_dweight(x), scale_of(x), 0), MAX_DISPLAY_SCALE)
    r = x.ln(_precise(rscale, 6))
    return scaled(r.quantize(_quantum(rscale), rounding=ROUND_HALF_UP, context=_CTX))


def log(base: object, num: object, hb: int = -1, hn: int = -1) -> object:
    """numeric log(base, x) (log(x) is base 10), at numeric.c's scale."""
    b, x = _arg(base, hb), _arg(num, hn)
    if b is None or x is None:
        return None
    if b.is_nan() or x.is_nan():
        return scaled(NAN)
    _log_domain(b)
    _log_domain(x)
    if b.is_infinite():
        return scaled(NAN if x.is_infinite() else Decimal(0))
    if x.is_infinite():
        return scaled(x)
    if b == 1:
        raise SqlError("22012", "division by zero")
    dweight = _ln_dweight(x) - _ln_dweight(b)
    rscale = min(max(MIN_SIG_DIGITS - dweight, scale_of(b), scale_of(x), 0), MAX_DISPLAY_SCALE)
    ctx = _precise(rscale, abs(dweight) + 6)
    r = ctx.divide(x.ln(ctx), b.ln(ctx))  # not at the default context's 28 digits
    return scaled(r.quantize(_quantum(rscale), rounding=ROUND_HALF_UP, context=_CTX))


def exp(v: object, hint: int = -1) -> object:
    """numeric exp(x), at numeric.c's scale: 16 significant digits, at least x's scale."""
    x = _arg(v, hint)
    if x is None:
        return None
    if x.is_nan():
        return scaled(x)
    if x.is_infinite():
        return scaled(x if x > 0 else Decimal(0))
    est = max(min(float(x) * 0.434294481903252, 2000.0), -2000.0)
    if est > 131071:
        raise SqlError("22003", "value overflows numeric format")
    rscale = min(max(MIN_SIG_DIGITS - int(est), scale_of(x), 0), MAX_DISPLAY_SCALE)
    try:
        r = x.exp(_precise(rscale, int(est) + 1))
    except ArithmeticError:
        raise SqlError("22003", "value overflows numeric format") from None
    if r.adjusted() >= 131072:
        raise SqlError("22003", "value overflows numeric format")
    return scaled(r.quantize(_quantum(rscale), rounding=ROUND_HALF_UP, context=_CTX))


def power(a: object, b: object, sa: int = -1, sb: int = -1) -> object:
    x, y = _arg(a, sa), _arg(b, sb)
    if x is None or y is None:
        return None
    if x.is_nan():
        return scaled(_ONE if (not y.is_nan() and not y) else NAN)
    if y.is_nan():
        return scaled(_ONE if x == 1 else NAN)
    integral = y.is_finite() and y == y.to_integral_value()
    if not x and y < 0:
        raise SqlError("2201F", "zero raised to a negative power is undefined")
    if x < 0 and not integral and y.is_finite():
        raise SqlError(
            "2201F", "a negative number raised to a non-integer power yields a complex result"
        )
    if not (x.is_finite() and y.is_finite()):
        r = math.pow(float(x), float(y))  # POSIX pow() for the infinite cases, as numeric.c
        return scaled(Decimal(r) if math.isfinite(r) else (INF if r > 0 else NINF))
    small = integral and abs(y) < 2**31  # power_var_int: at least 16 digits after the point
    if not x:
        rscale = min(
            max(MIN_SIG_DIGITS, scale_of(x), 0 if small else scale_of(y)), MAX_DISPLAY_SCALE
        )
        return scaled((_ONE if not y else _ZERO).quantize(_quantum(rscale)))
    # Decimal weight of the result, estimated in floating point as numeric.c does.
    log10 = x.adjusted() + math.log10(float(x.copy_abs().scaleb(-x.adjusted(), context=_CTX)))
    weight = float(y) * log10
    if weight > MAX_INT_DIGITS:
        raise _overflow()
    if small:
        rscale = max(MIN_SIG_DIGITS, scale_of(x))
    else:  # at least 16 significant digits
        rscale = max(MIN_SIG_DIGITS - int(weight), scale_of(x), scale_of(y), 0)
    rscale = min(rscale, MAX_DISPLAY_SCALE)
    if weight < -(rscale + 2):
        return scaled(_ZERO.quantize(_quantum(rscale)))
    ctx = Context(prec=max(int(weight), 0) + rscale + 20, rounding=ROUND_HALF_UP)
    r = ctx.power(x, int(y) if integral else y)
    return scaled(check(_rounded(r, rscale)))


# --- aggregates -----------------------------------------------------------------------------


class _Sum:
    """sum(numeric) as a window function: exact, scale the largest seen (kept per scale so a
    frame can drop values), NaN and infinities counted apart."""

    def __init__(self) -> None:
        self.total = _ZERO
        self.n = 0
        self.scales: dict[int, int] = {}
        self.nan = self.pinf = self.ninf = 0

    def _add(self, v: object, hint: object, sign: int) -> None:
        d = _arg(v, -1 if hint is None else int(hint))  # type: ignore[call-overload]
        if d is None:
            return
        self.n += sign
        if not d.is_finite():
            if d.is_nan():
                self.nan += sign
            elif d > 0:
                self.pinf += sign
            else:
                self.ninf += sign
            return
        s = scale_of(d)
        self.scales[s] = self.scales.get(s, 0) + sign
        if not self.scales[s]:
            del self.scales[s]
        self.total = _CTX.add(self.total, d) if sign > 0 else _CTX.subtract(self.total, d)

    @_guarded
    def step(self, v: object, hint: object = -1) -> None:
        self._add(v, hint, 1)

    @_guarded
    def inverse(self, v: object, hint: object = -1) -> None:
        self._add(v, hint, -1)

    def result(self) -> Decimal | None:
        if self.n == 0:
            return None
        if self.nan or (self.pinf and self.ninf):
            return NAN
        if self.pinf or self.ninf:
            return INF if self.pinf else NINF
        return check(self.total.quantize(_quantum(max(self.scales, default=0)), context=_CTX))

    @_guarded
    def value(self) -> object:
        r = self.result()
        return None if r is None else scaled(r)

    final = value


class _Avg(_Sum):
    """avg(numeric), avg(integer): the exact sum divided by the count as numeric_div does."""

    @_guarded
    def value(self) -> object:
        r = self.result()
        if r is None:
            return None
        if not r.is_finite():
            return scaled(r)
        n = Decimal(self.n)
        return scaled(check(divide(r, n, div_scale(r, n))))

    final = value


class _Variance:
    """var_pop / var_samp / stddev_pop / stddev_samp of numeric or integer values, with
    numeric.c's arithmetic: (N*sum(x*x) - sum(x)^2) / (N*N or N*(N-1)) at select_div_scale,
    then the square root at that scale."""

    def __init__(self) -> None:
        self.kind = "var_samp"
        self.n = 0
        self.sx = _ZERO
        self.sxx = _ZERO
        self.special = 0

    def _add(self, kind: str, v: object, hint: object, sign: int) -> None:
        self.kind = kind
        d = _arg(v, -1 if hint is None else int(hint))  # type: ignore[call-overload]
        if d is None:
            return
        self.n += sign
        if not d.is_finite():
            self.special += sign
            return
        sq = _CTX.multiply(d, d)
        self.sx = _CTX.add(self.sx, d) if sign > 0 else _CTX.subtract(self.sx, d)
        self.sxx = _CTX.add(self.sxx, sq) if sign > 0 else _CTX.subtract(self.sxx, sq)

    @_guarded
    def step(self, kind: str, v: object, hint: object = -1) -> None:
        self._add(kind, v, hint, 1)

    @_guarded
    def inverse(self, kind: str, v: object, hint: object = -1) -> None:
        self._add(kind, v, hint, -1)

    @_guarded
    def value(self) -> object:
        sample = self.kind.endswith("samp")
        if self.n == 0 or (sample and self.n == 1):
            return None
        if self.special:
            return scaled(NAN)
        n = Decimal(self.n)
        num = _CTX.subtract(_CTX.multiply(n, self.sxx), _CTX.multiply(self.sx, self.sx))
        if num <= 0:
            return 0
        den = n * (n - 1) if sample else n * n
        rscale = div_scale(num, den)
        r = divide(num, den, rscale)
        if self.kind.startswith("stddev"):
            c, e = _coef(r)
            k = 2 * (rscale + 1) + e
            q = math.isqrt(c * 10**k if k >= 0 else c // 10**-k)
            r = Decimal((q + 5) // 10).scaleb(-rscale, context=_CTX)
        return scaled(check(r))

    final = value


class _FloatVariance:
    """The same over float8, with float.c's Youngs-Cramer sums, so the last digits agree."""

    def __init__(self) -> None:
        self.kind = "var_samp"
        self.n = 0
        self.sx = 0.0
        self.sxx = 0.0

    def step(self, kind: str, v: object) -> None:
        self.kind = kind
        if v is None:
            return
        x = float(v)  # type: ignore[arg-type]
        self.n += 1
        before = self.sx
        self.sx += x
        if self.n > 1:
            tmp = x * self.n - self.sx
            self.sxx += tmp * tmp / (self.n * (self.n - 1))
            if math.isinf(self.sx) or math.isinf(self.sxx):
                if not math.isinf(before) and not math.isinf(x):
                    raise SqlError("22003", "value out of range: overflow")
                self.sxx = math.nan
        elif not math.isfinite(x):
            self.sxx = math.nan

    def final(self) -> object:
        sample = self.kind.endswith("samp")
        if self.n == 0 or (sample and self.n == 1):
            return None
        var = self.sxx / (self.n - 1 if sample else self.n)
        r = math.sqrt(var) if self.kind.startswith("stddev") else var
        return "NaN" if r != r else r  # SQLite would make a NaN NULL


class _Extreme:
    """min / max over numeric values compared by value; the winner is returned as it came."""

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.best: Decimal | None = None
        self.raw: object = None

    @_guarded
    def step(self, v: object) -> None:
        d = value(v)
        if d is None:
            return
        if self.best is None or _cmp(d, self.best) == self.sign:
            self.best, self.raw = d, v

    def final(self) -> object:
        return self.raw


def greatest(*args: object) -> object:
    """greatest(): NULLs ignored, the largest value as it came."""
    top = _Extreme(1)
    for v in args:
        top.step(v)
    return top.final()


def least(*args: object) -> object:
    """least(): NULLs ignored, the smallest value as it came."""
    bottom = _Extreme(-1)
    for v in args:
        bottom.step(v)
    return bottom.final()


def register(conn: apsw.Connection) -> None:
    """The ``pg_num_*`` functions the translator emits, and ``pg_numeric`` for writes."""
    import apsw

    flags = apsw.SQLITE_DETERMINISTIC

    def f(name: str, fn: Callable[..., object], nargs: int = -1) -> None:
        conn.create_scalar_function(name, _guarded(fn), nargs, deterministic=True)

    f("pg_numeric", store)
    f("pg_num_cast", cast)
    f("pg_num_float_cast", float_cast)
    f("pg_num_float4_cast", lambda v, p=None, s=None: float_cast(v, p, s, 6))
    f("numeric_inc", lambda v: add(v, 1), 1)  # numeric's internal x + 1
    f("pg_num_add", add)
    f("pg_num_sub", sub)
    f("pg_num_mul", mul)
    f("pg_num_div", div)
    f("pg_num_mod", mod)
    f("pg_num_pow", power)
    f("pg_num_neg", neg)
    f("pg_num_cmp", compare, 2)
    f("pg_num_key", sort_key, 1)
    f("pg_num_greatest", greatest)
    f("pg_num_least", least)
    f("pg_num_round", round_)
    f("pg_num_trunc", trunc)
    f("pg_num_int", to_integer, 1)
    f("pg_num_ceil", ceil, 1)
    f("pg_num_sign", sign, 1)
    f("pg_num_floor", floor, 1)
    f("pg_num_abs", abs_)
    f("pg_num_sqrt", sqrt)
    f("pg_num_ln", ln)
    f("pg_num_exp", exp)
    f("pg_num_log", log)
    f("pg_num_scaled", lambda v, hint=-1: None if v is None else scaled(_arg(v, hint)))  # type: ignore[arg-type]
    conn.create_window_function("pg_num_sum", _Sum, -1, flags=flags)
    conn.create_window_function("pg_num_avg", _Avg, -1, flags=flags)
    conn.create_window_function("pg_num_var", _Variance, -1, flags=flags)
    conn.create_aggregate_function("pg_float_var", _FloatVariance, 2, flags=flags)
    conn.create_aggregate_function("pg_num_min", lambda: _Extreme(-1), 1, flags=flags)
    conn.create_aggregate_function("pg_num_max", lambda: _Extreme(1), 1, flags=flags)
