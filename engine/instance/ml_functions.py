"""Aurora machine learning's SQL functions on an instance, answered by the ML service in batches.

``aws_comprehend.detect_sentiment(text, language [, max_rows_per_batch])`` and
``aws_sagemaker.invoke_endpoint(endpoint, max_rows_per_batch, VARIADIC inputs)`` (translated
by engine/sql/extensions.py into the ``aws_ml_*`` functions registered here) call the ML
service (engine/ml/service.py) as Aurora calls Comprehend and SageMaker.

Batching: SQLite calls a function once per row, and a round trip per row would cost more
than the inference. So a statement that calls these functions runs twice (Session's
``_run_external``): a first run in which every call only records its arguments and answers a
placeholder (a write is rolled back), and each batch of ``max_rows_per_batch`` (NULL: 1,000)
distinct arguments goes to the service as soon as it is full, up to PARALLEL at once; the real
run reads each batch's answers when it first needs them. A call the first run did not make
(its row was filtered on a placeholder, say) is sent on its own: the answers are always the
service's, the batching only saves round trips.

The counters (``SELECT * FROM aurora_ml_stats()``) are those Aurora MySQL shows as
``Aurora_ml_*`` status variables, for this instance since it started: calls made by SQL,
requests sent to the service and rows in them, calls answered from a batch, calls sent one at
a time.
"""

from __future__ import annotations

import collections
import contextlib
import csv
import io
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import apsw
import apsw.ext

from aurora.engine.layout import Layout
from aurora.engine.ml import registry
from aurora.engine.ml.client import UNAVAILABLE, MlClient
from aurora.engine.ml.errors import MlError
from aurora.engine.sqlapi import SqlError

DEFAULT_BATCH = 1000
PARALLEL = 3  # requests of one statement in flight at once
MAX_BATCH = 10000
PLACEHOLDER_SENTIMENT = ("NEUTRAL", 0.0)
PLACEHOLDER_VALUE = 0  # a number: it casts to every type an endpoint's answer is cast to, cheaply
TIMEOUT_S = float(os.environ.get("AURORA_ML_TIMEOUT_S", "30"))

COUNTERS = ("logical_request_cnt", "logical_response_cnt", "actual_request_cnt", "actual_response_cnt",
            "actual_rows_cnt", "cache_hit_cnt", "single_request_cnt", "error_cnt")
_counts = dict.fromkeys(COUNTERS, 0)
_counts_lock = threading.Lock()


def count(**deltas: int) -> None:
    with _counts_lock:
        for k, v in deltas.items():
            _counts[k] += v


def stats() -> dict[str, int]:
    with _counts_lock:
        return dict(_counts)


SQLSTATE = {
    "AccessDeniedException": "42501",
    UNAVAILABLE: "58000",
    "ModelError": "38000",
    "InternalFailure": "XX000",
}


def sql_error(function: str, e: MlError) -> SqlError:
    if e.code == "ValidationError" and "not found" in e.message:
        state = "42704"
    else:
        state = SQLSTATE.get(e.code, "22023")
    return SqlError(state, f"{function}: {e.code}: {e.message}")


def _batch_size(value: Any) -> int:
    if value is None:
        return DEFAULT_BATCH
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_BATCH:
        raise SqlError("22023", f"max_rows_per_batch must be an integer from 1 to {MAX_BATCH}, or NULL")
    return value


def _csv_cell(v: Any) -> Any:
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else ""
    if isinstance(v, (int, Decimal)):
        return str(v)
    if isinstance(v, bytes):
        return v.hex()
    return v


def csv_rows(rows: list[tuple[Any, ...]]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for r in rows:
        w.writerow([_csv_cell(v) for v in r])
    return buf.getvalue()


class MlCalls:
    """One session's calls to the ML service (a session runs one statement at a time)."""

    def __init__(self, check_cancel: Callable[[], None], time_left: Callable[[], float | None],
                 client: MlClient, cluster: str, roles: registry.Cached) -> None:
        self.check_cancel = check_cancel
        self.time_left = time_left
        self.clients = [client]
        self.cluster = cluster
        self.roles = roles
        self.gathering = False
        self.wanted: dict[tuple[Any, ...], dict[tuple[Any, ...], None]] = {}
        self.answers: dict[tuple[tuple[Any, ...], tuple[Any, ...]], Any] = {}
        self.counts: dict[str, int] | None = None  # a statement's counters, added up at its end
        self.pending: dict[tuple[Any, ...], list[tuple[Any, ...]]] = {}  # a batch being filled, per group
        self.failure: BaseException | None = None  # raised by a batch sent during the first run
        self.flight: _InFlight | None = None

    # --- the statement ---------------------------------------------------------------------
    @contextlib.contextmanager
    def statement(self, gather: Callable[[], None]) -> Iterator[None]:
        """Run ``gather`` (the statement's first run), send what it noted in batches (the first
        ones already while it runs), then let the real run read the answers as they come."""
        self.wanted.clear()
        self.answers.clear()
        self.pending = {}
        self.counts = dict.fromkeys(COUNTERS, 0)
        self.failure = None
        limit = self._timeout()
        flight = self.flight = _InFlight(self, time.monotonic() + limit, limit)
        try:
            self.gathering = True
            try:
                gather()
            finally:
                self.gathering = False
            if self.failure is not None:
                raise self.failure
            for group, chunk in self.pending.items():
                if chunk:
                    flight.launch(group, chunk)
            yield  # the real run reads each batch's answers when it first needs them
            flight.finish()
        except BaseException:
            flight.abandon()
            raise
        finally:
            counts, self.counts = self.counts, None
            count(**counts)
            self.wanted.clear()
            self.answers.clear()
            self.pending = {}
            self.flight = None

    def _count(self, **deltas: int) -> None:
        if self.counts is None:
            count(**deltas)
            return
        for k, v in deltas.items():
            self.counts[k] += v

    def _request(self, group: tuple[Any, ...], chunk: list[tuple[Any, ...]]) -> tuple[str, dict[str, Any]]:
        """The SQL function's name and the service request for one batch; AccessDenied when
        the cluster has no role for the service (the service checks too; checking here
        answers without it, which may not run yet)."""
        if group[0] == "sentiment":
            function, feature = "aws_comprehend.detect_sentiment", "comprehend"
            request = {"op": "sentiment", "cluster": self.cluster, "language": group[1],
                       "texts": [a[0] for a in chunk]}
        else:
            function, feature = "aws_sagemaker.invoke_endpoint", "sagemaker"
            request = {"op": "invoke", "cluster": self.cluster, "endpoint": group[1], "body": csv_rows(chunk)}
        try:
            registry.check_role(self.roles.get(), self.cluster, feature)
        except MlError as e:
            self._count(error_cnt=1)
            raise sql_error(function, e) from None
        return function, request

    def _timeout(self) -> float:
        left = self.time_left()
        return TIMEOUT_S if left is None else min(TIMEOUT_S, left)

    def _failed(self, function: str, e: MlError) -> SqlError:
        self._count(actual_request_cnt=1, error_cnt=1)
        return sql_error(function, e)

    def _answer(self, function: str, rows: int, result: Any) -> list[Any]:
        self._count(actual_request_cnt=1, actual_response_cnt=1, actual_rows_cnt=rows)
        if not isinstance(result, list) or len(result) != rows:
            raise SqlError("XX000", f"{function}: the ML service answered {len(result or [])} "
                                    f"value(s) for {rows} row(s)")
        return result

    def _ask(self, group: tuple[Any, ...], chunk: list[tuple[Any, ...]]) -> list[Any]:
        function, request = self._request(group, chunk)
        try:
            result = self.clients[0].call(request, check=self.check_cancel, timeout=self._timeout())
        except MlError as e:
            raise self._failed(function, e) from None
        return self._answer(function, len(chunk), result)

    def _call(self, group: tuple[Any, ...], args: tuple[Any, ...], placeholder: Any) -> Any:
        if self.gathering:
            seen = self.wanted.setdefault(group, {})
            if args not in seen and self.failure is None:
                seen[args] = None
                chunk = self.pending.setdefault(group, [])
                chunk.append(args)
                if len(chunk) >= group[-1]:  # a full batch goes now, while the first run goes on
                    self.pending[group] = []
                    assert self.flight is not None
                    try:
                        self.flight.launch(group, chunk)
                    except BaseException as e:  # raised after the first run (SQLite would swallow it)
                        self.failure = e
            return placeholder
        key = (group, args)
        if key not in self.answers and self.flight is not None:
            self.flight.settle_until(key)
        if key in self.answers:
            self._count(logical_request_cnt=1, logical_response_cnt=1, cache_hit_cnt=1)
            return self.answers[key]
        self._count(logical_request_cnt=1, logical_response_cnt=1, single_request_cnt=1)
        answer = self._ask(group, [args])[0]
        self.answers[key] = answer
        return answer

    # --- the functions ---------------------------------------------------------------------
    def sentiment(self, text: Any, language: Any, batch: Any) -> tuple[str, float] | None:
        if text is None or language is None:
            return None
        group = ("sentiment", str(language), _batch_size(batch))
        answer = self._call(group, (str(text),), PLACEHOLDER_SENTIMENT)
        return None if answer is None else (answer[0], float(answer[1]))

    def invoke(self, endpoint: Any, batch: Any, *inputs: Any) -> Any:
        if endpoint is None:
            raise SqlError("22004", "aws_sagemaker.invoke_endpoint: endpoint_name must not be NULL")
        if not inputs:
            raise SqlError("42883", "aws_sagemaker.invoke_endpoint needs at least one model input")
        group = ("invoke", str(endpoint), _batch_size(batch))
        return self._call(group, tuple(inputs), PLACEHOLDER_VALUE)


class _InFlight:
    """A statement's batches on their way to the service: up to PARALLEL requests at once,
    each on its own connection, so that the service works on some while the instance goes on
    with its first run and encodes the next. Answers are read in the order sent."""

    def __init__(self, calls: MlCalls, deadline: float, limit: float) -> None:
        self.calls = calls
        self.deadline = deadline
        self.limit = limit
        self.queue: collections.deque[tuple[tuple[Any, ...], list[tuple[Any, ...]], str, MlClient]] = \
            collections.deque()

    def launch(self, group: tuple[Any, ...], chunk: list[tuple[Any, ...]]) -> None:
        function, request = self.calls._request(group, chunk)
        client = self._free_client()
        try:
            client.send(request)
        except MlError as e:
            raise self.calls._failed(function, e) from None
        self.queue.append((group, chunk, function, client))

    def _free_client(self) -> MlClient:
        busy = {id(entry[3]) for entry in self.queue}
        for client in self.calls.clients:
            if id(client) not in busy:
                return client
        if len(self.calls.clients) < PARALLEL:
            client = MlClient(self.calls.clients[0].path)
            self.calls.clients.append(client)
            return client
        return self._settle_oldest()

    def _settle_oldest(self) -> MlClient:
        group, chunk, function, client = self.queue.popleft()
        try:
            result = client.receive(self.deadline, self.calls.check_cancel, self.limit)
        except MlError as e:
            raise self.calls._failed(function, e) from None
        for args, answer in zip(chunk, self.calls._answer(function, len(chunk), result), strict=True):
            self.calls.answers[(group, args)] = answer
        return client

    def settle_until(self, key: tuple[tuple[Any, ...], tuple[Any, ...]]) -> None:
        """Read answers, in the order sent, until ``key``'s is known or none is on its way."""
        answers = self.calls.answers
        while self.queue and key not in answers:
            self._settle_oldest()

    def finish(self) -> None:
        while self.queue:
            self._settle_oldest()

    def abandon(self) -> None:
        """After a failure: answers still on their way would be read by the next statement."""
        if self.queue:
            self.queue.clear()
            for client in self.calls.clients:
                client.close()


_roles_cache: dict[Path, registry.Cached] = {}


def _roles(layout: Layout) -> registry.Cached:
    """The roles file, read again only when it changes; one copy for the instance's sessions."""
    path = registry.roles_file(layout)
    cached = _roles_cache.get(path)
    if cached is None:
        cached = _roles_cache[path] = registry.Cached(path, lambda: registry.load_roles(layout))
    return cached


def register(conn: apsw.Connection, session: Any, layout: Layout, cluster: str) -> MlCalls:
    """Register the ML functions on ``conn`` and make ``session`` run their statements in
    batches; also ``aurora_ml_stats()``."""
    calls = MlCalls(session.check_cancel, session.time_left, MlClient(layout.ml_socket), cluster, _roles(layout))
    session.external = calls

    def record(text: Any, language: Any, batch: Any = None) -> str | None:
        answer = calls.sentiment(text, language, batch)
        return None if answer is None else f"({answer[0]},{answer[1]:g})"

    def field(i: int) -> Callable[..., Any]:
        def pick(text: Any, language: Any, batch: Any = None) -> Any:
            answer = calls.sentiment(text, language, batch)
            return None if answer is None else answer[i]
        return pick

    conn.create_scalar_function("aws_ml_detect_sentiment", record, 3, deterministic=False)
    conn.create_scalar_function("aws_ml_detect_sentiment_sentiment", field(0), 3, deterministic=False)
    conn.create_scalar_function("aws_ml_detect_sentiment_confidence", field(1), 3, deterministic=False)
    conn.create_scalar_function("aws_ml_invoke_endpoint", calls.invoke, -1, deterministic=False)

    conn.create_module("aws_ml_detect_sentiment_rows", _SentimentRows(calls), use_bestindex_object=True,
                       eponymous=True, eponymous_only=True)

    def aurora_ml_stats() -> Iterator[tuple[int, ...]]:
        now = stats()
        yield tuple(now[c] for c in COUNTERS)

    aurora_ml_stats.columns = COUNTERS  # type: ignore[attr-defined]
    aurora_ml_stats.column_access = apsw.ext.VTColumnAccess.By_Index  # type: ignore[attr-defined]
    apsw.ext.make_virtual_module(conn, "aurora_ml_stats", aurora_ml_stats)
    return calls


# --- detect_sentiment in FROM: a table-valued function -----------------------------------------
# apsw.ext's generic table-valued functions accept a plan that does not give them their
# arguments, at a high row estimate; in a lateral join (FROM reviews r, detect_sentiment(r.body,
# 'en') s) SQLite may still pick it. This one makes such a plan cost more than any other, so
# the function always runs inside the loop over the rows that give it its arguments.

_ARGS = 3  # input_text, language_code, max_rows_per_batch: hidden columns 2, 3, 4


class _SentimentRows:
    def __init__(self, calls: MlCalls) -> None:
        self.calls = calls

    def Connect(self, connection: apsw.Connection, modulename: str, databasename: str,
                tablename: str, *args: Any) -> tuple[str, _SentimentTable]:
        return ("CREATE TABLE x(sentiment TEXT, confidence REAL, input_text HIDDEN, "
                "language_code HIDDEN, max_rows_per_batch HIDDEN)", _SentimentTable(self.calls))

    Create = Connect


class _SentimentTable:
    def __init__(self, calls: MlCalls) -> None:
        self.calls = calls

    def BestIndexObject(self, o: apsw.IndexInfo) -> bool:
        given: list[str] = []
        for c in range(o.nConstraint):
            col = o.get_aConstraint_iColumn(c) - 2
            if (0 <= col < _ARGS and str(col) not in given and o.get_aConstraint_usable(c)
                    and o.get_aConstraint_op(c) == apsw.SQLITE_INDEX_CONSTRAINT_EQ):
                given.append(str(col))
                o.set_aConstraintUsage_argvIndex(c, len(given))
                o.set_aConstraintUsage_omit(c, True)
        o.idxStr = ",".join(given)
        complete = len(given) == _ARGS
        o.estimatedRows = 1 if complete else 2**31
        o.estimatedCost = 1.0 if complete else 1e18
        return True

    def Open(self) -> _SentimentCursor:
        return _SentimentCursor(self.calls)

    def Disconnect(self) -> None:
        pass

    Destroy = Disconnect


class _SentimentCursor:
    def __init__(self, calls: MlCalls) -> None:
        self.calls = calls
        self.row: tuple[Any, Any] | None = None

    def Filter(self, indexnum: int, indexname: str, constraintargs: tuple[Any, ...]) -> None:
        args: list[Any] = [None] * _ARGS
        for col, value in zip(indexname.split(",") if indexname else [], constraintargs, strict=False):
            args[int(col)] = value
        answer = self.calls.sentiment(*args)
        self.row = (None, None) if answer is None else answer

    def Eof(self) -> bool:
        return self.row is None

    def Rowid(self) -> int:
        return 1

    def Column(self, n: int) -> Any:
        assert self.row is not None
        return self.row[n] if n < 2 else None

    def Next(self) -> None:
        self.row = None

    def Close(self) -> None:
        pass
