"""to_char of a number as PostgreSQL prints it (formatting.c's number pictures, C locale).

A picture is a row of tokens: digit positions (``9`` blank-padded, ``0`` zero-padded), the
decimal point (``.``, ``D``), group separators (``,``, ``G``), signs (``S`` anchored to the
number, ``MI`` / ``PL`` / ``SG`` at their place, ``PR`` angle brackets), ``L`` currency,
``V`` shift, ``TH`` ordinal suffix, ``EEEE`` scientific, ``RN`` roman numerals, ``FM`` fill
mode (no padding, no trailing zeros past the last ``0``) and literal text (``"quoted"``).
The value is first written as digits at the picture's scale (numeric rounds half away from
zero, float8 keeps 15 significant digits and float4 6, as printf writes them); a value with
more integer digits than the picture holds is printed as ``#``.
"""

from __future__ import annotations

import struct
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation

from aurora.engine.sqlapi import SqlError

# keywords, longest first; lower-case spellings are the same keyword
_KEYWORDS = ("EEEE", "FM", "MI", "PL", "SG", "PR", "RN", "TH", "th", "9", "0", ".", ",", "D",
             "G", "S", "L", "V")
_CASED = {"fm": "FM", "mi": "MI", "pl": "PL", "sg": "SG", "pr": "PR", "rn": "RN", "eeee": "EEEE",
          "d": "D", "g": "G", "s": "S", "l": "L", "v": "V"}
_ROMAN = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"), (50, "L"),
          (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))


def _parse(fmt: str) -> list[tuple[str, str]]:
    """The picture as (keyword, '') and ('', literal text) items."""
    out: list[tuple[str, str]] = []
    i, n = 0, len(fmt)
    while i < n:
        c = fmt[i]
        if c == '"':  # quoted text: a backslash escapes the next character
            i += 1
            text = []
            while i < n and fmt[i] != '"':
                if fmt[i] == "\\" and i + 1 < n:
                    i += 1
                text.append(fmt[i])
                i += 1
            out.append(("", "".join(text)))
            i += 1
            continue
        if c == "\\" and i + 1 < n and fmt[i + 1] == '"':
            out.append(("", '"'))
            i += 2
            continue
        for k in _KEYWORDS:
            word = fmt[i:i + len(k)]
            if word == k or (_CASED.get(word) == k and k not in ("TH",)):
                out.append((k if k != "th" else "th", ""))
                i += len(k)
                break
        else:
            out.append(("", c))
            i += 1
    return out


class _Picture:
    def __init__(self, items: list[tuple[str, str]]) -> None:
        self.items = items
        self.pre = self.post = self.multi = 0
        self.zero_start = self.zero_end = 0
        self.decimal = self.fill = self.bracket = self.minus = self.plus = False
        self.roman = self.eeee = False
        self.lsign = 0  # -1 before the digits, 1 after, 0 none
        pre_lsign = 0
        shift = False
        for k, _ in items:
            if k in ("9", "0"):
                if self.decimal:
                    self.post += 1
                elif shift:
                    self.multi += 1
                else:
                    self.pre += 1
                if k == "0":
                    if not self.zero_start and not self.decimal:
                        self.zero_start = self.pre
                    self.zero_end = self.pre + self.post
            elif k in (".", "D"):
                if self.decimal:
                    raise SqlError("42601", "multiple decimal points")
                self.decimal = True
            elif k == "V":
                shift = True
            elif k == "FM":
                self.fill = True
            elif k == "PR":
                self.bracket = True
            elif k == "MI":
                self.minus = True
            elif k == "PL":
                self.plus = True
            elif k == "SG":
                self.minus = self.plus = True
            elif k == "RN":
                self.roman = True
            elif k == "EEEE":
                self.eeee = True
            elif k == "S":
                if not self.decimal:
                    self.lsign, pre_lsign = -1, self.pre
                elif not self.lsign:
                    self.lsign = 1
        if self.lsign == -1 and self.pre == pre_lsign:
            self.lsign = 1


def _roman(n: int) -> str:
    out = []
    for v, s in _ROMAN:
        while n >= v:
            out.append(s)
            n -= v
    return "".join(out)


def _digits(value: object, kind: str, pic: _Picture) -> tuple[str, str]:
    """(sign, digits of the absolute value at the picture's scale) as formatting.c writes them."""
    post = pic.post
    if kind in ("float8", "float4"):
        x = float(value)  # type: ignore[arg-type]
        if kind == "float4":
            x = struct.unpack("!f", struct.pack("!f", x))[0] if abs(x) < 3.5e38 else x
        if pic.multi:
            x *= 10.0 ** pic.multi
        if x != x or x in (float("inf"), float("-inf")):
            return ("-" if x < 0 else "+"), ("NaN" if x != x else "Infinity")
        width = len(f"{abs(x):.0f}")
        limit = 15 if kind == "float8" else 6
        if width >= limit:
            post = 0
        elif width + post > limit:
            post = limit - width
        text = f"{x:.{post}f}"
    else:
        d = Decimal(str(value)) if not isinstance(value, Decimal) else value
        if not d.is_finite():
            return ("-" if d.is_signed() and d.is_infinite() else "+"), (
                "NaN" if d.is_nan() else "Infinity")
        if pic.multi:
            d = d.scaleb(pic.multi)
        # (a context as wide as the value: to_char(1e308, '9.99') overflows the default 28 digits)
        wide = Context(prec=max(28, d.adjusted() + post + 2))
        d = d.quantize(Decimal(1).scaleb(-post), rounding=ROUND_HALF_UP, context=wide)
        text = f"{d:f}"
    if text.startswith("-"):
        return "-", text[1:]
    return "+", text


def to_char(value: object, fmt: str, kind: str) -> str | None:
    """``to_char(value, fmt)``; kind is int, numeric, float8 or float4."""
    if value is None or fmt is None:
        return None
    pic = _Picture(_parse(fmt))
    if pic.roman:
        return _roman_text(value, kind, pic)
    if pic.eeee:
        return _sci_text(value, kind, pic)
    pic.pre += pic.multi
    sign, number = _digits(value, kind, pic)
    pre_len = number.find(".") if "." in number else len(number)
    out_pre_spaces = 0
    if pre_len < pic.pre:
        out_pre_spaces = pic.pre - pre_len
    elif pre_len > pic.pre:
        post = _float_post(value, kind, pic) if kind in ("float8", "float4") else pic.post
        number = "#" * pic.pre + "." + "#" * post
    return _Writer(pic, sign, number, out_pre_spaces).run()


def _float_post(value: object, kind: str, pic: _Picture) -> int:
    """The scale a float is written at (fewer digits after the point past 15 / 6 in all)."""
    x = abs(float(value))  # type: ignore[arg-type]
    if x != x or x == float("inf"):
        return pic.post
    width = len(f"{x * 10.0 ** pic.multi:.0f}")
    limit = 15 if kind == "float8" else 6
    return 0 if width >= limit else min(pic.post, limit - width)


class _Writer:
    """formatting.c's number processor: one pass over the picture."""

    def __init__(self, pic: _Picture, sign: str, number: str, out_pre_spaces: int) -> None:
        self.pic, self.sign, self.number, self.spaces = pic, sign, number, out_pre_spaces
        self.out: list[str] = []
        self.p = 0  # position in number
        self.cur = 0  # digit positions done
        self.num_in = False
        self.zero = pic.zero_start > 0
        self.zero_start = pic.zero_start - 1 if pic.zero_start else 0
        if not (pic.minus or pic.plus) and sign != "-" and pic.bracket and pic.fill:
            pic.bracket = False  # FM: no blanks in place of a positive number's brackets
        if pic.plus or pic.minus:
            self.sign_wrote = not (pic.plus and not pic.minus)
        else:
            self.sign_wrote = sign == "+" and pic.fill and not pic.lsign
        self.last = None  # FM: the last digit worth writing
        if pic.fill and pic.decimal and "." in number:
            dot = number.index(".")
            last = len(number.rstrip("0")) - 1
            self.last = max(last, dot)
            if pic.zero_end > self.spaces:
                last_zero = pic.zero_end - self.spaces
                self.last = max(self.last, last_zero)

    def _predec_space(self) -> bool:
        return (not self.zero and self.p == 0 and self.number[:1] == "0"
                and self.pic.post != 0)

    def _digit(self, k: str) -> None:
        pic, out = self.pic, self.out
        last_is_dot = self.last is not None and self.number[self.last:self.last + 1] == "."
        if not self.sign_wrote and (
            self.cur >= self.spaces or (self.zero and self.zero_start == self.cur)
        ) and (not self._predec_space() or last_is_dot):
            if pic.lsign:
                if pic.lsign == -1:
                    out.append(self.sign)
                    self.sign_wrote = True
            elif pic.bracket:
                out.append("<" if self.sign == "-" else " ")
                self.sign_wrote = True
            elif self.sign == "+":
                if not pic.fill:
                    out.append(" ")
                self.sign_wrote = True
            else:
                out.append("-")
                self.sign_wrote = True
        if self.cur < self.spaces and (self.zero_start > self.cur or not self.zero):
            if not pic.fill:
                out.append(" ")
        elif self.zero and self.cur < self.spaces and self.zero_start <= self.cur:
            out.append("0")
            self.num_in = True
        else:
            ch = self.number[self.p:self.p + 1]
            if ch == ".":
                out.append(".")
            elif self.last is not None and self.p > self.last and k != "0":
                pass
            elif self._predec_space():
                if not pic.fill:
                    out.append(" ")
                elif last_is_dot:
                    out.append("0")
            elif ch:
                out.append(ch)
                self.num_in = True
            if ch:
                self.p += 1
        self.cur += 1

    def run(self) -> str:
        pic, out, neg = self.pic, self.out, self.sign == "-"
        for k, text in pic.items:
            if not k:
                out.append(text)
            elif k in ("9", "0", ".", "D"):
                self._digit(k)
            elif k in (",", "G"):
                if self.num_in:
                    out.append(",")
                elif not pic.fill:
                    out.append(" ")
            elif k == "S":
                if pic.lsign == 1:
                    out.append(self.sign)
            elif k == "MI":
                if neg:
                    out.append("-")
                elif not pic.fill:
                    out.append(" ")
            elif k == "PL":
                if not neg:
                    out.append("+")
                elif not pic.fill:
                    out.append(" ")
            elif k == "SG":
                out.append(self.sign)
            elif k == "PR":
                if pic.bracket:
                    out.append(">" if neg else ("" if pic.fill else " "))
            elif k == "L":
                out.append(" ")
            elif k in ("TH", "th"):
                if neg or pic.decimal or self.number[:1] == "#":
                    continue
                suffix = _ordinal(self.number)
                out.append(suffix if k == "TH" else suffix.lower())
        return "".join(out)


def _ordinal(number: str) -> str:
    digits = number.split(".")[0]
    if len(digits) > 1 and digits[-2] == "1":
        return "TH"
    return {"1": "ST", "2": "ND", "3": "RD"}.get(digits[-1:], "TH")


def _roman_text(value: object, kind: str, pic: _Picture) -> str:
    try:
        if kind in ("float8", "float4"):
            n = round(float(value))  # type: ignore[arg-type]
        else:
            n = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    except (InvalidOperation, ValueError, OverflowError):
        n = 0
    if not -(2**31) <= n < 2**31 and kind not in ("float8", "float4"):
        raise SqlError("22003", "integer out of range")
    text = _roman(n) if 1 <= n <= 3999 else "#" * 15
    lower = any(k == "RN" for k, _ in pic.items) and "rn" in "".join(
        t for _, t in pic.items)
    text = text if pic.fill else text.rjust(15)
    return text.lower() if lower else text


def _sci_text(value: object, kind: str, pic: _Picture) -> str:
    post = pic.post
    if kind in ("float8", "float4"):
        x = float(value)  # type: ignore[arg-type]
        if x != x or abs(x) == float("inf"):
            return " " + "#" * pic.pre + "." + "#" * (post + 4)
        text = f"{x:+.{post}e}"
        return (" " + text[1:]) if text[0] == "+" else text
    d = Decimal(str(value))
    if not d.is_finite():
        return " " + "#" * pic.pre + "." + "#" * (post + 4)
    sign = "-" if d < 0 else " "
    d = abs(d)
    exp = d.adjusted() if d else 0
    # a mantissa rounded up to 10 stays so ('10.00e+01'), as numeric_out_sci writes it
    m = d.scaleb(-exp).quantize(Decimal(1).scaleb(-post), rounding=ROUND_HALF_UP)
    return f"{sign}{m:f}e{'-' if exp < 0 else '+'}{abs(exp):02d}"


def to_number(text: str | None, fmt: str | None) -> Decimal | None:
    """``to_number(text, fmt)``: the picture read against the text, one input character per
    digit position (a non-digit there is passed over, a leading sign taken), blanks skipped,
    the decimal point where the text has it, and a sign where S / MI / PL / PR stand."""
    if text is None or fmt is None:
        return None
    pic = _Picture(_parse(fmt))
    s, i, n = text, 0, len(text)
    digits: list[str] = []
    point: int | None = None
    negative = False

    def blanks() -> None:
        nonlocal i
        while i < n and s[i] == " ":
            i += 1

    for k, lit in pic.items:
        if k in ("9", "0"):
            blanks()
            if i < n and s[i] in "-+<" and not digits:
                negative = s[i] != "+"
                i += 1
                blanks()
            if i >= n:
                continue
            if s[i].isdigit():
                digits.append(s[i])
            elif s[i] == "." and pic.decimal and point is None:
                point = len(digits)
            elif s[i] in "-+<>":
                continue  # a sign for S / MI / PR further on
            i += 1
        elif k in (".", "D"):
            blanks()
            if i < n and s[i] == "." and point is None:
                point = len(digits)
                i += 1
        elif k in (",", "G"):
            if i < n and s[i] == ",":
                i += 1
        elif k in ("S", "MI", "PL", "SG"):
            blanks()
            if i < n and s[i] in "-+":
                negative = negative or s[i] == "-"
                i += 1
        elif k == "PR":
            if i < n and s[i] == ">":
                i += 1
        elif k == "L":
            if i < n and s[i] in "$ ":
                i += 1
        elif not k:
            for _ in lit:
                if i < n and not s[i].isdigit() and s[i] not in "-+<>.":
                    i += 1
    if not digits:
        raise SqlError("22P02", 'invalid input syntax for type numeric: " "')
    whole = "".join(digits[:point] if point is not None else digits) or "0"
    frac = "".join(digits[point:]) if point is not None else ""
    d = Decimal(f"{'-' if negative else ''}{whole}{'.' + frac if frac else ''}")
    return d
