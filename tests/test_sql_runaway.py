"""Statements that could run without end: PostgreSQL's refusals (22023, 54000) for the ones it
refuses, and cancel / statement_timeout stopping every kind of long work within a second,
with the session usable afterwards. In-process, on a real APSW database."""

from __future__ import annotations

import itertools
import os
import threading
import time

import pytest

from aurora.engine.sql import Session
from aurora.engine.sql import session as session_module
from aurora.engine.sqlapi import SqlError


def error(s: Session, sql: str) -> tuple[str, str]:
    with pytest.raises(SqlError) as e:
        s.execute(sql)
    return e.value.sqlstate, e.value.message


# --- generate_series: PostgreSQL's checks ---------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "select * from generate_series(0::numeric, 'inf'::numeric, 10::numeric)",
            "stop value cannot be infinity",
        ),
        (
            "select * from generate_series('-inf'::numeric, 10::numeric)",
            "start value cannot be infinity",
        ),
        (
            "select * from generate_series(-100::numeric, 100::numeric, 'nan'::numeric)",
            "step size cannot be NaN",
        ),
        (
            "select * from generate_series('nan'::numeric, 100::numeric)",
            "start value cannot be NaN",
        ),
        ("select * from generate_series(1::numeric, 'nan'::numeric)", "stop value cannot be NaN"),
        (
            "select * from generate_series(1::numeric, 10::numeric, 'inf'::numeric)",
            "step size cannot be infinity",
        ),
        (
            "select * from generate_series(1::numeric, 10::numeric, 0::numeric)",
            "step size cannot equal zero",
        ),
        ("select * from generate_series(10, 1, 0)", "step size cannot equal zero"),
        ("select * from generate_series(1, 10, 0)", "step size cannot equal zero"),
        (
            "select * from generate_series('2024-01-01'::timestamp, '2024-02-01'::timestamp, "
            "'0 days'::interval)",
            "step size cannot equal zero",
        ),
    ],
)
def test_generate_series_refuses_what_postgresql_refuses(s, sql, message):
    assert error(s, sql) == ("22023", message)
    assert s.execute("select 1").rows == [(1,)]


def test_generate_series_of_each_type_ends(s):
    rows = lambda sql: [r[0] for r in s.execute(sql).rows]  # noqa: E731
    assert rows("select * from generate_series(5, 1, -2)") == [5, 3, 1]
    assert rows("select * from generate_series(9223372036854775806, 9223372036854775807)") == [
        9223372036854775806,
        9223372036854775807,
    ]
    # exact decimal steps: 0.1 + 0.1 + 0.1 is 0.3, so the stop value is reached
    assert [str(v) for v in rows("select * from generate_series(0.1, 0.3, 0.1)")] == [
        "0.1",
        "0.2",
        "0.3",
    ]
    assert (
        len(
            rows(
                "select * from generate_series('2024-01-01'::timestamp, "
                "'2024-01-03'::timestamp, '1 day'::interval)"
            )
        )
        == 3
    )
    assert (
        len(
            rows(
                "select * from generate_series('2024-01-03'::timestamp, "
                "'2024-01-01'::timestamp, '-12 hours'::interval)"
            )
        )
        == 5
    )
    assert rows("select * from generate_series(1, null)") == []


# --- values too large ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "sql",
    [
        "select repeat('ab', 1000000000)",
        "select repeat('x', 2147483647)",
        "select lpad('x', 2147483647)",
        "select rpad('x', 1000000000, 'yz')",
    ],
)
def test_values_past_postgresqls_limit_are_refused(s, sql):
    assert error(s, sql) == ("54000", "requested length too large")
    assert s.execute("select 1").rows == [(1,)]


def test_pad_functions_follow_postgresql(s):
    assert s.execute(
        "select lpad('hi', 5, 'xy'), rpad('hi', 5, 'xy'), lpad('hello', 2), "
        "rpad('hi', -1), repeat('ab', 3), repeat('ab', -1)"
    ).rows == [("xyxhi", "hixyx", "he", "", "ababab", "")]


# --- cancel and statement_timeout -----------------------------------------------------------

RUNAWAYS = {
    "int-series": "select count(*) from generate_series(1, 1000000000)",
    "numeric-series": "select count(*) from generate_series(1::numeric, 1000000000::numeric)",
    "timestamp-series": "select count(*) from generate_series('2000-01-01'::timestamp, "
    "'9000-01-01'::timestamp, '1 second'::interval)",
    "recursive-cte": "with recursive r(i) as (select 1 union all select i + 1 from r) "
    "select count(*) from r",
    "cross-join": "select count(*) from generate_series(1, 100000) a, generate_series(1, 100000) b",
    "sort": "select max(x) from (select a * b as x from generate_series(1, 3000) a, "
    "generate_series(1, 3000) b order by random())",
    "sleep": "select pg_sleep(3600)",
}


def _stop_lag(
    s: Session, sql: str, stop: threading.Event | None, after: float
) -> tuple[str, float]:
    """Run ``sql``; ``after`` seconds in, cancel it (or let statement_timeout fire): the
    57014 message and how long after that moment the statement returned."""
    if stop is not None:
        timer = threading.Timer(after, s.cancel)
        timer.start()
    start = time.monotonic()
    try:
        state, message = error(s, sql)
    finally:
        if stop is not None:
            timer.cancel()
    assert state == "57014"
    return message, time.monotonic() - start - after


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_cancel_stops_every_kind_of_runaway_within_a_second(s, kind):
    message, lag = _stop_lag(s, RUNAWAYS[kind], threading.Event(), 0.3)
    assert message == "canceling statement due to user request"
    assert lag < 1.0, f"{kind}: cancel took {lag:.2f}s"
    assert s.execute("select 2").rows == [(2,)]


@pytest.mark.parametrize("kind", list(RUNAWAYS))
def test_statement_timeout_stops_every_kind_of_runaway_within_a_second(s, kind):
    s.execute("set statement_timeout = 300")
    message, lag = _stop_lag(s, RUNAWAYS[kind], None, 0.3)
    assert message == "canceling statement due to statement timeout"
    assert lag < 1.0, f"{kind}: statement_timeout took {lag:.2f}s past its deadline"
    s.execute("set statement_timeout = 0")
    assert s.execute("select 3").rows == [(3,)]


def test_cancel_inside_a_block_leaves_it_aborted_then_usable(s):
    s.execute("create table t (i int)")
    s.execute("begin")
    s.execute("insert into t values (1)")
    _stop_lag(s, RUNAWAYS["sleep"], threading.Event(), 0.2)
    assert s.transaction_status == "E"
    assert error(s, "select 1")[0] == "25P02"
    s.execute("rollback")
    assert s.execute("select count(*) from t").rows == [(0,)]


def test_statement_timeout_covers_fetch_from_a_cursor(s):
    s.execute("begin")
    s.execute("declare c cursor for select * from generate_series(1::numeric, 1000000000::numeric)")
    s.execute("set statement_timeout = 300")
    message, lag = _stop_lag(s, "fetch all from c", None, 0.3)
    assert message == "canceling statement due to statement timeout" and lag < 1.0
    s.execute("rollback")
    s.execute("set statement_timeout = 0")
    assert s.execute("select 4").rows == [(4,)]


# --- memory -----------------------------------------------------------------------------------

MEMORY_RUNAWAYS = {
    "recursive-cte": "with recursive r(i) as (select 1 union all select i + 1 from r) select i from r",
    "series": "select * from generate_series(1, 1000000000)",
    "cross-join": "select a, b from generate_series(1, 100000) a, generate_series(1, 100000) b",
}


@pytest.mark.parametrize("kind", list(MEMORY_RUNAWAYS))
def test_a_statement_that_outgrows_its_memory_is_53200_and_the_session_goes_on(s, monkeypatch, kind):
    # Such a statement grew the instance until the kernel's OOM killer ended it, and every
    # session with it.
    monkeypatch.setattr(session_module, "STATEMENT_MEMORY", 64 * 1024 * 1024)
    with pytest.raises(SqlError) as e:
        s.execute(MEMORY_RUNAWAYS[kind])
    assert (e.value.sqlstate, e.value.message) == ("53200", "out of memory")
    assert e.value.detail == "The statement grew the instance's memory by more than 64 MiB."
    assert "AURORA_STATEMENT_MEMORY_MIB" in e.value.hint
    assert s.execute("select count(*) from generate_series(1, 300000)").rows == [(300000,)]
    s.execute("begin")
    with pytest.raises(SqlError) as e:
        s.execute(MEMORY_RUNAWAYS[kind])
    assert e.value.sqlstate == "53200" and s.transaction_status == "E"
    s.execute("rollback")
    assert len(s.execute("select * from generate_series(1, 200000)").rows) == 200000


def test_statement_memory_is_a_quarter_of_the_machine_or_what_the_variable_says(monkeypatch):
    quarter = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
    monkeypatch.delenv("AURORA_STATEMENT_MEMORY_MIB", raising=False)
    assert session_module._statement_memory() == quarter
    monkeypatch.setenv("AURORA_STATEMENT_MEMORY_MIB", "100")
    assert session_module._statement_memory() == 100 * 1024 * 1024
    monkeypatch.setenv("AURORA_STATEMENT_MEMORY_MIB", "0")  # no limit
    assert session_module._statement_memory() == 0
    monkeypatch.setenv("AURORA_STATEMENT_MEMORY_MIB", "lots")
    assert session_module._statement_memory() == quarter


# --- regular expressions ----------------------------------------------------------------------

BACKTRACKING = "select repeat('a', 3000) ~ '(a*)*(b|c)'"  # about 12 s to fail to match


def test_a_backtracking_regex_stops_at_statement_timeout_without_holding_the_gil(s):
    s.execute("set statement_timeout = 600")
    ticks: list[float] = []
    done = threading.Event()

    def tick() -> None:  # another thread of the instance (the event loop answering pings)
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    started = time.monotonic()
    try:
        state, message = error(s, BACKTRACKING)
    finally:
        done.set()
        ticker.join()
    assert (state, message) == ("57014", "canceling statement due to statement timeout")
    assert time.monotonic() - started < 1.5
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) > 20 and max(gaps) < 0.3, max(gaps)  # the other thread kept running
    s.execute("set statement_timeout = 0")
    assert s.execute("select 'abc' ~ 'b', 'ABC' ~* 'b'").rows == [(True, True)]


def test_an_invalid_regex_is_2201b(s):
    assert error(s, "select 'x' ~ '['")[0] == "2201B"


def test_a_backtracking_regex_stops_on_cancel(s):
    timer = threading.Timer(0.5, s.cancel)
    timer.start()
    started = time.monotonic()
    try:
        state, message = error(s, BACKTRACKING)
    finally:
        timer.cancel()
    assert (state, message) == ("57014", "canceling statement due to user request")
    assert time.monotonic() - started < 1.5
    assert s.execute("select 'abc' ~ 'c$'").rows == [(True,)]
