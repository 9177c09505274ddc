"""Unit tests of the wire front end's pure parts: value codecs, COPY formats, framing, SCRAM."""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aurora.engine.pgwire import protocol as p
from aurora.engine.pgwire import types as t
from aurora.engine.pgwire.auth import ScramVerifier, make_scram_verifier
from aurora.engine.pgwire.backend import _is_blank, leading_words
from aurora.engine.pgwire.copyfmt import CopyParser, format_rows, parse_all
from aurora.engine.sqlapi import Column, CopyIn, CopyOut, SqlError


def enc(oid: int, value: object, fmt: int = 0) -> bytes:
    return t.encoder(oid, fmt)(value)


def dec(oid: int, data: bytes, fmt: int = 0) -> object:
    return t.decoder(oid, fmt)(data)


@pytest.mark.parametrize(
    ("oid", "value", "text"),
    [
        (t.BOOL, True, "t"),
        (t.BOOL, 0, "f"),
        (t.BOOL, "true", "t"),
        (t.BOOL, "off", "f"),
        (t.INT4, 42, "42"),
        (t.FLOAT8, 1.5, "1.5"),
        (t.FLOAT8, 100.0, "100"),
        (t.FLOAT8, 1e15, "1e+15"),
        (t.FLOAT8, 1e14, "100000000000000"),
        (t.FLOAT8, 1e-5, "1e-05"),
        (t.FLOAT8, 0.0001, "0.0001"),
        (t.FLOAT8, float("inf"), "Infinity"),
        (t.FLOAT8, float("nan"), "NaN"),
        (t.FLOAT8, -0.0, "-0"),
        (t.FLOAT4, 0.1, "0.1"),
        (t.FLOAT4, 1e6, "1e+06"),
        (t.NUMERIC, Decimal("1E+3"), "1000"),
        (t.NUMERIC, Decimal("-0.00120"), "-0.00120"),
        (t.BYTEA, b"\x00\xff", "\\x00ff"),
        (t.DATE, dt.date(2024, 2, 29), "2024-02-29"),
        (t.TIME, dt.time(1, 2, 3, 450000), "01:02:03.45"),
        (t.TIMESTAMP, dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05"),
        (t.TIMESTAMPTZ, dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC), "2024-01-02 03:04:05+00"),
        (t.TIMESTAMPTZ, dt.datetime(2024, 1, 2), "2024-01-02 00:00:00+00"),
        (
            t.TIMESTAMPTZ,
            dt.datetime(2024, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
            "2024-01-02 00:00:00+05:30",
        ),
        (t.INTERVAL, dt.timedelta(days=1, seconds=3723), "1 day 01:02:03"),
        (t.INTERVAL, dt.timedelta(days=3), "3 days"),
        (t.INTERVAL, dt.timedelta(seconds=-90), "-00:01:30"),
        (t.INTERVAL, dt.timedelta(0), "00:00:00"),
        (t.UUID, uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (t.JSONB, {"a": [1, None]}, '{"a": [1, null]}'),
        (t.JSON, '{"raw":1}', '{"raw":1}'),
        (1007, [1, None, 3], "{1,NULL,3}"),
        (1009, ["a b", "", "NULL", 'q"', "x\\y", "ok"], '{"a b","","NULL","q\\"","x\\\\y",ok}'),
        (1007, [[1, 2], [3, 4]], "{{1,2},{3,4}}"),
        (t.TEXT, 7, "7"),
    ],
)
def test_text_output(oid: int, value: object, text: str) -> None:
    assert enc(oid, value) == text.encode()


@pytest.mark.parametrize(
    ("oid", "value"),
    [
        (t.BOOL, True),
        (t.INT2, -7),
        (t.INT4, 2**31 - 1),
        (t.INT8, -(2**63)),
        (t.OID, 2**32 - 1),
        (t.FLOAT8, 0.1),
        (t.NUMERIC, Decimal("12345.678900")),
        (t.NUMERIC, Decimal("-0.0001")),
        (t.NUMERIC, Decimal("100000000")),
        (t.NUMERIC, Decimal("0")),
        (t.NUMERIC, Decimal("NaN")),
        (t.TEXT, "h\u00e9llo"),
        (t.BYTEA, b"\x00\x01"),
        (t.DATE, dt.date(1999, 12, 31)),
        (t.TIME, dt.time(23, 59, 59, 999999)),
        (t.TIMESTAMP, dt.datetime(1970, 1, 1, 0, 0, 1)),
        (t.TIMESTAMPTZ, dt.datetime(2030, 5, 6, 7, 8, 9, 10, tzinfo=dt.UTC)),
        (t.INTERVAL, dt.timedelta(days=-2, seconds=5)),
        (t.INTERVAL, dt.timedelta(days=1, hours=2)),
        (t.UUID, uuid.uuid4()),
        (t.JSONB, {"k": [1, 2]}),
        (1007, [1, None, 3]),
        (1009, [["a", "b"], ["c", None]]),
        (1007, []),
    ],
)
def test_binary_round_trip(oid: int, value: object) -> None:
    back = dec(oid, enc(oid, value, 1), 1)
    if isinstance(value, Decimal) and value.is_nan():
        assert isinstance(back, Decimal) and back.is_nan()
    else:
        assert back == value


def test_numeric_binary_layout_matches_postgresql() -> None:
    # numeric_send(12345.678900): 3 digits, weight 1, positive, dscale 6: 1 2345 6789
    assert t.numeric_send(Decimal("12345.678900")) == struct.pack(
        "!hhHH3H", 3, 1, 0, 6, 1, 2345, 6789
    )


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_numeric_binary_round_trip_property(value: Decimal) -> None:
    assert t.numeric_recv(t.numeric_send(value)) == value


@given(st.floats(allow_nan=False))
def test_float8_text_round_trips(value: float) -> None:
    assert float(enc(t.FLOAT8, value).decode().replace("Infinity", "inf")) == value


@pytest.mark.parametrize(
    ("oid", "text", "value"),
    [
        (t.BOOL, "yes", True),
        (t.BOOL, "off", False),
        (t.INT8, " 12 ", 12),
        (t.NUMERIC, "1.50", Decimal("1.50")),
        (t.BYTEA, "\\x6869", b"hi"),
        (t.BYTEA, "a\\\\b\\001", b"a\\b\x01"),
        (t.TIMESTAMPTZ, "2024-01-02 03:04:05+02", dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=dt.UTC)),
        (t.TIMESTAMPTZ, "2024-01-02 03:04:05", dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
        (t.INTERVAL, "1 day 02:00:00", dt.timedelta(days=1, hours=2)),
        (t.INTERVAL, "3 hours 2 mins", dt.timedelta(hours=3, minutes=2)),
        (t.INTERVAL, "-1 days +01:00", dt.timedelta(days=-1, hours=1)),
        (t.INTERVAL, "P1DT2H", dt.timedelta(days=1, hours=2)),
        (t.INTERVAL, "1 mon", dt.timedelta(days=30)),
        (1007, "{1,2,NULL}", [1, 2, None]),
        (1009, '{"a,b",c,"q\\"x",""}', ["a,b", "c", 'q"x', ""]),
        (1009, "[0:1]={x,y}", ["x", "y"]),
        (1007, "{{1,2},{3,4}}", [[1, 2], [3, 4]]),
        (t.JSONB, '{"a": 1}', {"a": 1}),
        (999_999, "passes as str", "passes as str"),
    ],
)
def test_text_input(oid: int, text: str, value: object) -> None:
    assert dec(oid, text.encode()) == value


@pytest.mark.parametrize(
    ("oid", "text", "code"),
    [(t.INT4, "abc", "22P02"), (t.BOOL, "maybe", "22P02"), (t.DATE, "2024-13-01", "22007"),
     (t.INTERVAL, "soon", "22007"), (1007, "{1,2", "22P02"), (t.UUID, "nope", "22P02")],
)  # fmt: skip
def test_text_input_errors(oid: int, text: str, code: str) -> None:
    with pytest.raises(SqlError) as info:
        dec(oid, text.encode())
    assert info.value.sqlstate == code


def test_binary_input_errors_are_22P03() -> None:
    with pytest.raises(SqlError) as info:
        dec(t.INT4, b"\x00\x01", 1)
    assert info.value.sqlstate == "22P03"


# --- COPY ------------------------------------------------------------------------------------


def test_copy_text_parsing_escapes_nulls_and_end_marker() -> None:
    copy = CopyIn("t", ["a", "b", "c"])
    data = b"1\tx\\ty\t\\N\n2\t\\\\N\tback\\\\slash\n3\t\\101\\x42\\q\t\r\n\\.\nignored\n"
    rows = parse_all(copy, [data[i : i + 3] for i in range(0, len(data), 3)])
    assert rows == [["1", "x\ty", None], ["2", "\\N", "back\\slash"], ["3", "ABq", ""]]


def test_copy_last_line_without_newline_and_crlf() -> None:
    assert parse_all(CopyIn("t", ["a", "b"]), [b"1\tx\r\n2\ty"]) == [["1", "x"], ["2", "y"]]
    csv = CopyIn("t", ["a", "b"], format="csv", delimiter=",", null="")
    assert parse_all(csv, [b'1,"a\r\nb"\r\n2,']) == [["1", "a\r\nb"], ["2", None]]


def test_copy_text_custom_delimiter_null_and_header() -> None:
    copy = CopyIn("t", ["a", "b"], delimiter="|", null="NULL", header=True)
    assert parse_all(copy, [b"a|b\n1|NULL\n2|x\\|y\n"]) == [["1", None], ["2", "x|y"]]


def test_copy_csv_quotes_nulls_multiline_and_utf8_split() -> None:
    copy = CopyIn("t", ["a", "b", "c"], format="csv", delimiter=",", null="", header=True)
    data = 'a,b,c\n1,"x, ""y""",\n2,"",\u00e9\n3,"two\nlines","\\."\n'.encode()
    chunks = [data[i : i + 1] for i in range(len(data))]  # splits the UTF-8 sequence too
    rows = parse_all(copy, chunks)
    assert rows == [["1", 'x, "y"', None], ["2", "", "\u00e9"], ["3", "two\nlines", "\\."]]


def test_copy_csv_custom_escape_and_errors() -> None:
    copy = CopyIn("t", ["a", "b"], format="csv", delimiter=";", null="N", escape="\\")
    assert parse_all(copy, [b'"a\\"b";N\n"c\\\\d";"N"\n']) == [['a"b', None], ["c\\d", "N"]]
    with pytest.raises(SqlError) as info:
        parse_all(copy, [b"1;2;3\n"])
    assert info.value.sqlstate == "22P04"
    with pytest.raises(SqlError):
        parse_all(copy, [b'"open\n'])
    with pytest.raises(SqlError) as info:
        CopyParser(CopyIn("t", ["a"], format="binary"))
    assert info.value.sqlstate == "0A000"


def test_copy_out_formats() -> None:
    cols = [Column("id", t.INT4), Column("s", t.TEXT), Column("ok", t.BOOL)]
    rows = [(1, "tab\there", True), (2, None, False), (3, 'q"x,y', None), (4, "", True)]
    text = b"".join(format_rows(CopyOut(cols, rows)))
    assert text == b'1\ttab\\there\tt\n2\t\\N\tf\n3\tq"x,y\t\\N\n4\t\tt\n'
    csv = b"".join(
        format_rows(CopyOut(cols, rows, format="csv", delimiter=",", null="", header=True))
    )
    assert csv == b'id,s,ok\n1,tab\there,t\n2,,f\n3,"q""x,y",\n4,"",t\n'
    # What COPY TO writes, COPY FROM reads back.
    back = parse_all(
        CopyIn("t", ["id", "s", "ok"], format="csv", delimiter=",", null="", header=True), [csv]
    )
    assert back == [["1", "tab\there", "t"], ["2", None, "f"], ["3", 'q"x,y', None], ["4", "", "t"]]


# --- framing, statement classification, SCRAM ------------------------------------------------


def test_frame_buffer_splits_and_refuses_oversized() -> None:
    fb = p.FrameBuffer(max_message=100)
    msg = p.frame(b"Q", b"SELECT 1\0") + p.frame(b"S")
    fb.feed(msg[:7])
    assert fb.frames() == []
    fb.feed(msg[7:])
    assert fb.frames() == [(b"Q", b"SELECT 1\0"), (b"S", b"")]
    fb.feed(b"Q" + struct.pack("!i", 200))
    with pytest.raises(p.ProtocolViolation):
        fb.frames()
    with pytest.raises(p.ProtocolViolation):
        p.Body(b"\0\x05").int16_list()


def test_message_counts_are_unsigned() -> None:
    # PostgreSQL reads the Int16 counts of Parse and Bind unsigned: up to 65,535 parameters.
    n = 60_000
    body = p.Body(struct.pack("!H", n) + struct.pack("!h", 1) * n + struct.pack("!H", n))
    assert body.int16_list() == [1] * n
    assert body.uint16() == n
    body.end()
    assert p.Body(struct.pack("!H", 40_000) + b"\0\0\0\x17" * 40_000).int32_list() == [23] * 40_000
    description = p.parameter_description([25] * n)
    assert struct.unpack_from("!H", description, 5) == (n,)


def test_leading_words_and_blank_statements() -> None:
    assert leading_words("  /* c */ -- x\n (SELECT 1)") == ("select",)
    assert leading_words("CREATE DATABASE foo") == ("create", "database")
    assert _is_blank(" ; -- nothing\n")
    assert not _is_blank("select 1")


def test_scram_verifier_format_round_trips() -> None:
    verifier = make_scram_verifier("pw", iterations=4096)
    parsed = ScramVerifier.parse(verifier)
    assert str(parsed) == verifier and parsed.iterations == 4096 and len(parsed.salt) == 16
    with pytest.raises(ValueError):
        ScramVerifier.parse("md5abcdef")


def _bind_body(portal: bytes, statement: bytes, codes: list[int], values: list[bytes | None],
               results: list[int]) -> bytes:
    out = portal + b"\0" + statement + b"\0" + struct.pack(f"!H{len(codes)}h", len(codes), *codes)
    out += struct.pack("!H", len(values))
    for v in values:
        out += struct.pack("!i", -1) if v is None else struct.pack("!i", len(v)) + v
    return out + struct.pack(f"!H{len(results)}h", len(results), *results)


def test_parse_bind_reads_every_field_and_refuses_truncations() -> None:
    body = _bind_body(b"pt", b"st", [0, 1], [b"42", None, b""], [1])
    assert p.parse_bind(body) == ("pt", "st", (0, 1), [b"42", None, b""], (1,))
    assert p.parse_bind(_bind_body(b"", b"", [], [], [])) == ("", "", (), [], ())
    for cut in range(len(body)):  # every truncation is a framing error, never a wrong read
        with pytest.raises(p.ProtocolViolation):
            p.parse_bind(body[:cut])
    with pytest.raises(p.ProtocolViolation):  # a value longer than the message
        p.parse_bind(b"\0\0\0\0\0\x01" + struct.pack("!i", 99) + b"ab\0\0")
    with pytest.raises(p.ProtocolViolation):  # a negative length other than -1 (NULL)
        p.parse_bind(b"\0\0\0\0\0\x01" + struct.pack("!i", -2) + b"\0\0")
    with pytest.raises(SqlError) as err:
        p.parse_bind(_bind_body(b"\xff", b"", [], [], []))
    assert err.value.sqlstate == "22021"


def test_parse_execute() -> None:
    assert p.parse_execute(b"portal\0" + struct.pack("!i", 10)) == ("portal", 10)
    for bad in (b"", b"portal", b"portal\0\0\0\0"):
        with pytest.raises(p.ProtocolViolation):
            p.parse_execute(bad)


def test_data_rows_layout_and_nulls() -> None:
    encoders = [t.encoder(t.INT4, 0), t.encoder(t.TEXT, 0), t.encoder(t.INT8, 1)]
    data = p.data_rows([(7, "é", 3), (None, True, None)], encoders)
    first = b"\0\x03" + b"\0\0\0\x017" + b"\0\0\0\x02" + "é".encode() + b"\0\0\0\x08" + struct.pack("!q", 3)
    second = b"\0\x03" + b"\xff\xff\xff\xff" + b"\0\0\0\x01t" + b"\xff\xff\xff\xff"
    assert data == (b"D" + struct.pack("!i", len(first) + 4) + first
                    + b"D" + struct.pack("!i", len(second) + 4) + second)
    assert p.data_rows([], encoders) == b""


@pytest.mark.parametrize("value,text", [(5, "5"), (-12, "-12"), (True, "t"), ("x", "x"),
                                        (1.5, "1.5"), (Decimal("2.50"), "2.50")])
def test_text_encoder_of_untyped_columns(value: object, text: str) -> None:
    # int and str take a short way; everything else (bool is an int) still goes by text_of
    assert t.encoder(t.TEXT, 0)(value) == text.encode()
    assert t.encoder(t.INT4, 0)(value) == t.text_of(value).encode()


def test_parse_target_of_describe_and_close() -> None:
    assert p.parse_target(b"Sname\0") == (b"S", "name")
    assert p.parse_target(b"P\0") == (b"P", "")
    for bad in (b"", b"S", b"Sname"):
        with pytest.raises(p.ProtocolViolation):
            p.parse_target(bad)
