"""MySQL column types: their PostgreSQL storage type, their range, and how SHOW spells them.

A MySQL type is kept as MySQL writes it in ``SHOW CREATE TABLE`` (``int unsigned``,
``tinyint(1)``, ``varchar(20)``, ``enum('a','b')``); :func:`column_type` turns a declared
type into that spelling plus what the PostgreSQL session stores it as and the CHECK that
gives MySQL's range (named ``_my_range_<col>``, so its violation becomes 1264).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

INT_RANGES = {
    "tinyint": ((-128, 127), (0, 255)),
    "smallint": ((-32768, 32767), (0, 65535)),
    "mediumint": ((-8388608, 8388607), (0, 16777215)),
    "int": ((-2147483648, 2147483647), (0, 4294967295)),
    # bigint unsigned stores in a signed 64-bit integer: its top half is out of reach
    "bigint": ((-9223372036854775808, 9223372036854775807), (0, 9223372036854775807)),
}
_INT_PG = {
    ("tinyint", False): "smallint",
    ("tinyint", True): "smallint",
    ("smallint", False): "smallint",
    ("smallint", True): "integer",
    ("mediumint", False): "integer",
    ("mediumint", True): "integer",
    ("int", False): "integer",
    ("int", True): "bigint",
    ("bigint", False): "bigint",
    ("bigint", True): "bigint",
}
ALIASES = {
    "integer": "int",
    "int1": "tinyint",
    "int2": "smallint",
    "int3": "mediumint",
    "int4": "int",
    "int8": "bigint",
    "middleint": "mediumint",
    "dec": "decimal",
    "numeric": "decimal",
    "fixed": "decimal",
    "real": "double",
    "float8": "double",
    "float4": "float",
    "boolean": "bool",
    "character": "char",
    "nchar": "char",
    "nvarchar": "varchar",
    "long": "mediumtext",
}
TEXT_KINDS = {"tinytext": "varchar(255)", "text": "text", "mediumtext": "text", "longtext": "text"}
BLOB_KINDS = {"tinyblob", "blob", "mediumblob", "longblob", "binary", "varbinary", "geometry",
              "point", "linestring", "polygon"}
CHECK_PREFIXES = ("_my_range_", "_my_enum_", "_my_ts_", "_my_long_")
"""The names a column's type CHECK may have, by kind (see :attr:`MyType.check_prefix`)."""
STRING_KINDS = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"}


@dataclass
class MyType:
    """One column's declared type: MySQL's spelling, the PostgreSQL type, a range CHECK."""

    mysql: str  # as SHOW CREATE TABLE writes it
    pg: str
    check: str | None = None  # a CHECK expression on the quoted column, or None
    enum_check: bool = False  # the CHECK is ENUM's value list (1265) rather than a range
    is_string: bool = False
    is_integer: bool = False
    instant_check: bool = False  # the CHECK is TIMESTAMP's range (1292)
    length_check: bool = False  # the CHECK is a BINARY / VARBINARY's length (1406)

    @property
    def check_prefix(self) -> str:
        """The CHECK's name is this and the column's (the error it becomes follows it)."""
        if self.enum_check:
            return "_my_enum_"
        if self.length_check:
            return "_my_long_"
        return "_my_ts_" if self.instant_check else "_my_range_"

    @property
    def pg_base(self) -> str:
        """The PostgreSQL type without its modifier (``timestamptz`` of ``timestamptz(3)``)."""
        return self.pg.split("(")[0]


def column_type(base: str, args: list[str], unsigned: bool, col: str) -> MyType:
    """``base`` lower-cased (``varchar``), ``args`` the texts inside its parentheses."""
    base = ALIASES.get(base, base)
    if base not in ("enum", "set"):
        args = [a.strip() for a in args]
        if len(args) == 1 and re.fullmatch(r"\d+\.\d*", args[0]):
            args = [args[0].split(".")[0]]  # VARCHAR(1.5): MySQL's grammar takes it, as 1
        if len(args) > (2 if base in ("decimal", "float", "double", "double precision") else 1) \
                or not all(a.isdigit() for a in args):
            # VARCHAR(5, 2), BINARY(@v): MySQL's syntax error (a length or precision is a
            # number), which the caller reports (they reached the catalog as written)
            raise ValueError(f"{base}({', '.join(args)})")
    q = '"' + col.replace('"', '""') + '"'
    sign = " unsigned" if unsigned else ""
    if base == "bool":
        base, args = "tinyint", ["1"]
    if base in INT_RANGES:
        lo, hi = INT_RANGES[base][unsigned]
        shown = f"{base}({args[0]})" if base == "tinyint" and args == ["1"] else base
        return MyType(shown + sign, _INT_PG[(base, unsigned)], f"{q} BETWEEN {lo} AND {hi}",
                      is_integer=True)
    if base == "bit":
        n = int(args[0]) if args else 1
        return MyType(f"bit({n})", "bigint", f"{q} BETWEEN 0 AND {(1 << n) - 1}", is_integer=True,
                      length_check=True)  # more bits than n: 1406, as MySQL says
    if base == "year":
        return MyType("year", "smallint", f"{q} = 0 OR {q} BETWEEN 1901 AND 2155", is_integer=True)
    if base == "decimal":
        p = int(args[0]) if args else 10
        s = int(args[1]) if len(args) > 1 else 0
        return MyType(f"decimal({p},{s}){sign}", f"numeric({p},{s})",
                      f"{q} >= 0" if unsigned else None)
    if base == "float":
        if args and len(args) == 1 and int(args[0]) > 24:
            return MyType("double" + sign, "double precision", f"{q} >= 0" if unsigned else None)
        return MyType("float" + sign, "real", f"{q} >= 0" if unsigned else None)
    if base in ("double", "double precision"):
        return MyType("double" + sign, "double precision", f"{q} >= 0" if unsigned else None)
    if base in ("char", "varchar"):
        n = int(args[0]) if args else 1
        return MyType(f"{base}({n})", f"varchar({n})", is_string=True)
    if base in TEXT_KINDS:
        return MyType(base, TEXT_KINDS[base], is_string=True)
    if base in BLOB_KINDS:
        shown = f"{base}({args[0]})" if args and base in ("binary", "varbinary") else base
        if args and base in ("binary", "varbinary"):  # at most n bytes (strict mode: 1406)
            return MyType(shown, "bytea", f"octet_length({q}) <= {int(args[0])}", length_check=True)
        return MyType(shown, "bytea")
    if base == "date":
        return MyType("date", "date")
    if base in ("datetime", "timestamp", "time"):
        fsp = f"({args[0]})" if args and args[0] != "0" else ""
        if base == "time":  # fsp digits, rounding a value written with more, as MySQL does
            return MyType(base + fsp, f"time({args[0] if args else 0})")
        # a TIMESTAMP is an instant, read and shown in the session's time_zone: timestamptz;
        # both kinds keep fsp digits, rounding a value written with more, as MySQL does
        pg = "timestamp" if base == "datetime" else "timestamptz"
        if base == "datetime":
            return MyType(base + fsp, f"{pg}({args[0] if args else 0})")
        # TIMESTAMP holds 1970-01-01 00:00:01 to 2038-01-19 03:14:07 UTC (strict mode: 1292)
        return MyType(base + fsp, f"{pg}({args[0] if args else 0})",
                      f"{q} BETWEEN CAST('1970-01-01 00:00:01+00' AS timestamptz) AND "
                      f"CAST('2038-01-19 03:14:07.999999+00' AS timestamptz)", instant_check=True)
    if base == "json":
        return MyType("json", "jsonb")
    if base in ("enum", "set"):
        shown = f"{base}({','.join(args)})"
        if base == "set":
            return MyType(shown, "text", is_string=True)
        return MyType(shown, "text", f"{q} IN ({', '.join(args)})", enum_check=True,
                      is_string=True)
    raise ValueError(base)


def pg_oid_spelling(oid: int, typmod: int) -> str:
    """MySQL's spelling of a column this dialect did not create (made by PostgreSQL SQL)."""
    if oid == 16:
        return "tinyint(1)"
    if oid == 21:
        return "smallint"
    if oid == 23:
        return "int"
    if oid == 20:
        return "bigint"
    if oid == 700:
        return "float"
    if oid == 701:
        return "double"
    if oid == 1700:
        if typmod > 4:
            p, s = ((typmod - 4) >> 16) & 0xFFFF, (typmod - 4) & 0xFFFF
            return f"decimal({p},{s})"
        return "decimal(65,30)"
    if oid in (1043, 1042):
        return f"varchar({typmod - 4})" if typmod > 4 else "varchar(255)"
    if oid == 17:
        return "blob"
    if oid == 1082:
        return "date"
    if oid == 1114:
        return "datetime"
    if oid == 1184:
        return "timestamp"  # an instant, shown in the session's time_zone: MySQL's TIMESTAMP
    if oid == 1083:
        return "time"
    if oid in (114, 3802):
        return "json"
    return "text"


def double_text(x: float) -> str:
    """A DOUBLE as MySQL writes it as text (CONCAT, CAST AS CHAR, a CHAR column, the text
    protocol): the shortest digits that read back as the same double, in plain notation
    from 1e-15 up to below 1e15 (and for a 16-digit number with a fraction), else with an
    exponent spelt without a plus sign or leading zeros: 100, 0.00001, 1e15, 1.5e-300."""
    text = repr(x)
    if "e" not in text:  # Python's plain range, 1e-4 <= |x| < 1e16: MySQL's too but for
        if text[-2:] != ".0":  # an integer of 16 digits
            return text
        text = text[:-2]
        if len(text) - (x < 0) < 16:
            return text
    return _double_text(x)


def _double_text(x: float) -> str:
    if x != x or x in (float("inf"), float("-inf")):
        return repr(x)
    sign = "-" if x < 0 else ""
    mantissa, _, exponent = repr(abs(x)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = whole + fraction
    decpt = len(whole) + int(exponent or 0)  # digits before the decimal point
    stripped = digits.lstrip("0")
    decpt -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    n = len(digits)
    if -14 <= decpt <= 15 or n > decpt > 0:
        if decpt <= 0:
            return f"{sign}0.{'0' * -decpt}{digits}"
        if decpt < n:
            return f"{sign}{digits[:decpt]}.{digits[decpt:]}"
        return f"{sign}{digits}{'0' * (decpt - n)}"
    point = f"{digits[0]}.{digits[1:]}" if n > 1 else digits
    return f"{sign}{point}e{decpt - 1}"
