"""PostgreSQL's bytea functions: encode / decode (hex, base64, escape), the digests (md5,
sha224 ... sha512), bit and byte access (get_bit, set_bit, get_byte, set_byte, bit_count).

A bytea value is a SQLite BLOB (Python ``bytes``); a text argument where PostgreSQL expects
bytea (an unknown literal such as ``'\\x1234'``) goes through bytea input first.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Callable

from aurora.engine.sql import types
from aurora.engine.sqlapi import SqlError


def _bytes(v: object) -> bytes:
    b = types.bytea_in(v)
    return b if isinstance(b, bytes) else str(b).encode()


def encode(data: object, fmt: object) -> str | None:
    if data is None or fmt is None:
        return None
    b = _bytes(data)
    kind = str(fmt).lower()
    if kind == "hex":
        return b.hex()
    if kind == "base64":  # lines of 76 characters, as PostgreSQL writes them
        text = base64.b64encode(b).decode()
        return "\n".join(text[i : i + 76] for i in range(0, len(text), 76))
    if kind == "escape":
        out = []
        for byte in b:
            if byte == 0 or byte >= 0x80:
                out.append(f"\\{byte:03o}")
            elif byte == 0x5C:
                out.append("\\\\")
            else:
                out.append(chr(byte))
        return "".join(out)
    raise SqlError("22023", f'unrecognized encoding: "{fmt}"')


_ESCAPED = re.compile(r"\\([0-3][0-7]{2}|\\)|\\")


def decode(text: object, fmt: object) -> bytes | None:
    if text is None or fmt is None:
        return None
    s = text.decode() if isinstance(text, bytes) else str(text)
    kind = str(fmt).lower()
    if kind == "hex":
        s = "".join(s.split())
        if len(s) % 2:
            raise SqlError("22023", "invalid hexadecimal data: odd number of digits")
        try:
            return bytes.fromhex(s)
        except ValueError:
            bad = next(c for c in s if c not in "0123456789abcdefABCDEF")
            raise SqlError("22023", f'invalid hexadecimal digit: "{bad}"') from None
    if kind == "base64":
        try:
            return base64.b64decode("".join(s.split()), validate=True)
        except (binascii.Error, ValueError):
            raise SqlError("22023", "invalid base64 end sequence") from None
    if kind == "escape":
        out = bytearray()
        pos = 0
        for m in _ESCAPED.finditer(s):
            out += s[pos : m.start()].encode()
            if m.group(1) is None:
                raise SqlError("22P02", "invalid input syntax for type bytea")
            out += b"\\" if m.group(1) == "\\" else bytes([int(m.group(1), 8)])
            pos = m.end()
        out += s[pos:].encode()
        return bytes(out)
    raise SqlError("22023", f'unrecognized encoding: "{fmt}"')


def md5(v: object) -> str | None:
    if v is None:
        return None
    return hashlib.md5(v if isinstance(v, bytes) else str(v).encode()).hexdigest()


def _digest(name: str) -> Callable[[object], bytes | None]:
    def digest(v: object) -> bytes | None:
        return None if v is None else hashlib.new(name, _bytes(v)).digest()

    return digest


def _index(b: bytes, n: object, bits: bool) -> int:
    i = int(n)  # type: ignore[call-overload]
    top = len(b) * 8 - 1 if bits else len(b) - 1
    if not 0 <= i <= top:
        raise SqlError("2202E", f"index {i} out of valid range, 0..{top}")
    return i


def get_bit(v: object, n: object) -> int | None:
    if v is None or n is None:
        return None
    b = _bytes(v)
    i = _index(b, n, bits=True)
    return (b[i // 8] >> (i % 8)) & 1


def set_bit(v: object, n: object, bit: object) -> bytes | None:
    if v is None or n is None or bit is None:
        return None
    b = bytearray(_bytes(v))
    i = _index(bytes(b), n, bits=True)
    if int(bit) not in (0, 1):  # type: ignore[call-overload]
        raise SqlError("22023", "new bit must be 0 or 1")
    if int(bit):  # type: ignore[call-overload]
        b[i // 8] |= 1 << (i % 8)
    else:
        b[i // 8] &= ~(1 << (i % 8)) & 0xFF
    return bytes(b)


def get_byte(v: object, n: object) -> int | None:
    if v is None or n is None:
        return None
    b = _bytes(v)
    return b[_index(b, n, bits=False)]


def set_byte(v: object, n: object, value: object) -> bytes | None:
    if v is None or n is None or value is None:
        return None
    b = bytearray(_bytes(v))
    b[_index(bytes(b), n, bits=False)] = int(value) & 0xFF  # type: ignore[call-overload]
    return bytes(b)


def bit_count(v: object) -> int | None:
    return None if v is None else sum(bin(x).count("1") for x in _bytes(v))


def trim(v: object, chars: object, where: str) -> bytes | None:
    """trim([LEADING | TRAILING | BOTH] chars FROM v) of bytea: any of the bytes of chars."""
    if v is None or chars is None:
        return None
    b, c = _bytes(v), _bytes(chars)
    if where in ("LEADING", "BOTH"):
        b = b.lstrip(c)
    if where in ("TRAILING", "BOTH"):
        b = b.rstrip(c)
    return b


def bit_shift(bits: object, n: object) -> str | None:
    """``bits << n`` of a bit string held as its text (``>>`` is a negative n), as varbit.c
    shifts: the length kept, the bits shifted out lost, zeros shifted in."""
    if bits is None or n is None:
        return None
    s, k = str(bits), int(n)  # type: ignore[call-overload]
    k = max(-len(s), min(k, len(s)))
    return s[k:] + "0" * k if k >= 0 else "0" * -k + s[:len(s) + k]


def bit_get(bits: object, n: object) -> int | None:
    """get_bit of a bit string held as its text: bit 0 is the leftmost."""
    if bits is None or n is None:
        return None
    s, i = str(bits), int(n)  # type: ignore[call-overload]
    if not 0 <= i < len(s):
        raise SqlError("2202E", f"bit index {i} out of valid range (0..{len(s) - 1})")
    return int(s[i])


def bit_in(text: str) -> str:
    """A bit string's input (bit_in / varbit_in): binary digits, or after a leading ``x``
    hexadecimal ones (four bits each; a leading ``b`` is binary), as the text of 0s and 1s
    bit and varbit are held as; 22P02 for another character."""
    body, hexa = text, False
    if text[:1] in ("b", "B"):
        body = text[1:]
    elif text[:1] in ("x", "X"):
        body, hexa = text[1:], True
    if not hexa:
        for c in body:
            if c not in "01":
                raise SqlError("22P02", f'"{c}" is not a valid binary digit')
        return body
    out = []
    for c in body:
        if c not in "0123456789abcdefABCDEF":
            raise SqlError("22P02", f'"{c}" is not a valid hexadecimal digit')
        out.append(f"{int(c, 16):04b}")
    return "".join(out)


def bit_cast(bits: object, n: object, varying: object) -> str | None:
    """``bits::bit(n)`` (cut to n bits, or zeros added on the right) and ``bits::varbit(n)``
    (cut; n -1: no length), as varbit.c casts explicitly, text read by bit_in; an integer
    gives its n low bits, sign-filled."""
    if bits is None:
        return None
    k = int(n)  # type: ignore[call-overload]
    if isinstance(bits, int):
        return format(bits & ((1 << k) - 1), f"0{k}b")
    s = bit_in(str(bits))
    if k < 0:
        return s
    s = s[:k]
    return s if varying else s.ljust(k, "0")


def bit_check(bits: object, n: object, varying: object) -> int:
    """A value written to a bit(n) / varbit(n) column (its CHECK): bit_in's digits, and the
    length the type takes without an explicit cast: bit(n) exactly n bits (22026), varbit(n)
    at most n (22001)."""
    if bits is None:
        return 1
    if str(bits)[:1] in ("x", "X", "b", "B"):
        # the check cannot store the digits a prefixed input stands for (PostgreSQL takes
        # 'x5' as 0101): refused rather than kept as that text
        raise SqlError("22P02", f'"{str(bits)[0]}" is not a valid binary digit')
    s = bit_in(str(bits))
    k = int(n)  # type: ignore[call-overload]
    if varying and 0 <= k < len(s):
        raise SqlError("22001", f"bit string too long for type bit varying({k})")
    if not varying and len(s) != k:
        raise SqlError("22026", f"bit string length {len(s)} does not match type bit({k})")
    return 1


FUNCTIONS: dict[str, Callable[..., object]] = {
    "pg_bytea_trim": trim,
    "encode": encode,
    "decode": decode,
    "md5": md5,
    "sha224": _digest("sha224"),
    "sha256": _digest("sha256"),
    "sha384": _digest("sha384"),
    "sha512": _digest("sha512"),
    "get_bit": get_bit,
    "set_bit": set_bit,
    "get_byte": get_byte,
    "set_byte": set_byte,
    "bit_count": bit_count,
    "pg_bit_shift": bit_shift,
    "pg_bit_get": bit_get,
    "pg_bit_cast": bit_cast,
    "pg_bit_check": bit_check,
}
