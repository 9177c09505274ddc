"""The ML service's parts without processes: the sentiment mapping, model endpoints, the
protocol's failures (a service that is gone, silent, or cancelled), the SQL surface of
aws_ml (extensions, calls in the select list, in FROM, in writes) and its batching, served by
the real service code on a socket in this process."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import apsw
import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from aurora.engine.instance import ml_functions
from aurora.engine.layout import Layout, unix_socket_path, write_toml
from aurora.engine.ml import models, registry, sentiment
from aurora.engine.ml.client import MlClient
from aurora.engine.ml.errors import MlError
from aurora.engine.ml.service import Service, _Server
from aurora.engine.sql.session import Session
from aurora.engine.sqlapi import SqlError

# --- sentiment --------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "label"), [
    ("The food was great and the staff were lovely!", "POSITIVE"),
    ("I absolutely love this phone, best purchase ever.", "POSITIVE"),
    ("Terrible service, I will never come back.", "NEGATIVE"),
    ("This is the worst, most disappointing product I have bought.", "NEGATIVE"),
    ("The package arrived on Tuesday.", "NEUTRAL"),
    ("The meeting is at 10 in room 4.", "NEUTRAL"),
    ("I love the screen but the battery life is awful.", "MIXED"),
])
def test_sentiment_labels(text, label):
    [(got, confidence)] = sentiment.detect([text], "en")
    assert got == label
    assert 0.5 <= confidence <= 1.0


def test_sentiment_mapping_edges():
    assert sentiment.label({"pos": 0.0, "neg": 0.0, "neu": 1.0, "compound": 0.0}) == ("NEUTRAL", 1.0)
    assert sentiment.label({"pos": 0.6, "neg": 0.0, "neu": 0.4, "compound": 1.0}) == ("POSITIVE", 1.0)
    assert sentiment.label({"pos": 0.0, "neg": 0.5, "neu": 0.5, "compound": -0.2})[0] == "NEGATIVE"
    assert sentiment.label({"pos": 0.3, "neg": 0.3, "neu": 0.4, "compound": 0.0}) == ("MIXED", 1.0)
    assert sentiment.detect([None, ""], "en") == [None, ("NEUTRAL", 1.0)]


def test_sentiment_languages():
    with pytest.raises(MlError) as e:
        sentiment.detect(["hola"], "es")
    assert e.value.code == "UnsupportedLanguageException"
    with pytest.raises(MlError) as e:
        sentiment.detect(["hello"], "xx")
    assert e.value.code == "ValidationException"
    with pytest.raises(MlError) as e:
        sentiment.detect(["a" * 5001], "en")
    assert e.value.code == "TextSizeLimitExceededException"


# --- model endpoints ----------------------------------------------------------------------------


def test_csv_columns_and_values():
    rows = models.parse_csv('1,2.5,x\n3,,"a,b"\n')
    assert rows == [["1", "2.5", "x"], ["3", "", "a,b"]]
    conv = models.columns_as_numbers(rows)
    assert conv[0][:2] == [1.0, 2.5] and np.isnan(conv[1][1]) and conv[1][2] == "a,b"
    assert [models.format_value(v) for v in (np.int64(3), 2.0, 0.25, np.array([1, 2]), True, "s")] == \
        ["3", "2", "0.25", "1,2", "true", "s"]
    assert ml_functions.csv_rows([(1, 2.5, None, "a,b")]) == '1,2.5,,"a,b"\n'


def trained(tmp_path: Path) -> tuple[LogisticRegression, Path]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(400, 3))
    model = LogisticRegression().fit(x, (x[:, 0] + 2 * x[:, 1] - x[:, 2] > 0).astype(int))
    path = tmp_path / "m.joblib"
    joblib.dump(model, path)
    return model, path


def test_sklearn_endpoint_checks_its_inputs(tmp_path):
    model, path = trained(tmp_path)
    m = models.load({"name": "churn", "kind": "sklearn", "model": str(path)})
    assert m.inputs == 3
    rows = [["0.5", "-1", "2"], ["1", "1", "0"]]
    assert m.predict(rows) == [str(v) for v in model.predict(np.array(rows, dtype=float))]
    with pytest.raises(MlError, match="expects 3 input"):
        m.predict([["1", "2"]])
    with pytest.raises(MlError) as e:
        m.predict([["a", "b", "c"]])
    assert e.value.code == "ModelError" and "churn" in e.value.message
    with pytest.raises(MlError, match="cannot load"):
        models.load({"name": "bad", "kind": "sklearn", "model": str(tmp_path / "missing.joblib")})


def test_handler_endpoint(tmp_path):
    (tmp_path / "scoring_mod.py").write_text(
        "def predict(rows):\n    return [sum(r) for r in rows]\n"
        "def broken(rows):\n    raise ValueError('no model today')\n"
        "def short(rows):\n    return [1]\n")
    m = models.load({"name": "sum", "kind": "handler", "handler": "scoring_mod:predict", "path": str(tmp_path)})
    assert m.predict([["1", "2"], ["3", "4.5", "1"]]) == ["3", "8.5"]
    broken = models.load({"name": "b", "kind": "handler", "handler": "scoring_mod:broken", "path": str(tmp_path)})
    with pytest.raises(MlError, match="ValueError: no model today"):
        broken.predict([["1"]])
    short = models.load({"name": "s", "kind": "handler", "handler": "scoring_mod:short", "path": str(tmp_path)})
    with pytest.raises(MlError, match="returned 1 value"):
        short.predict([["1"], ["2"]])


# --- the protocol's failures ----------------------------------------------------------------------


def test_client_when_the_service_is_gone_silent_or_cancelled(tmp_path):
    with pytest.raises(MlError) as e:
        MlClient(tmp_path / "nothing.sock").call({"op": "ping"})
    assert e.value.code == "ServiceUnavailable"

    path = tmp_path / "silent.sock"
    silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    silent.bind(unix_socket_path(path))
    silent.listen(4)
    try:
        started = time.monotonic()
        with pytest.raises(MlError, match=r"did not answer within 0\.3 s"):
            MlClient(path, timeout=0.3).call({"op": "ping"})
        assert time.monotonic() - started < 3

        class Cancelled(Exception):
            pass

        deadline = time.monotonic() + 0.2

        def check() -> None:
            if time.monotonic() > deadline:
                raise Cancelled

        with pytest.raises(Cancelled):
            MlClient(path, timeout=30).call({"op": "ping"}, check=check)
    finally:
        silent.close()


# --- SQL, served by the real service code in this process --------------------------------------


@pytest.fixture
def served(tmp_path):
    layout = Layout(tmp_path / "home")
    layout.ml_service_dir.mkdir(parents=True)
    write_toml(registry.roles_file(layout), {"demo": ["comprehend", "sagemaker"]})
    server = _Server(unix_socket_path(layout.ml_socket), Service(layout))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield layout, server.service
    finally:
        server.shutdown()
        server.server_close()


def session_on(layout: Layout, cluster: str = "demo") -> Session:
    conn = apsw.Connection(":memory:")
    s = Session(conn)
    ml_functions.register(conn, s, layout, cluster)
    return s


def rows(s: Session, query: str) -> list[tuple]:
    return s.execute(query).rows or []


def test_extension_catalog(served):
    layout, _ = served
    s = session_on(layout)
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment('x', 'en')")
    assert e.value.sqlstate == "3F000"
    with pytest.raises(SqlError) as e:
        s.execute("CREATE EXTENSION aws_ml")
    assert e.value.sqlstate == "42704" and "aws_commons" in str(e.value)
    s.execute("CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE")
    s.execute("CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE")
    with pytest.raises(SqlError) as e:
        s.execute("CREATE EXTENSION aws_ml")
    assert e.value.sqlstate == "42710"
    assert rows(s, "SELECT extname FROM pg_extension ORDER BY 1") == [("aws_commons",), ("aws_ml",), ("plpgsql",)]
    assert {r[0] for r in rows(s, "SELECT nspname FROM pg_namespace")} >= {"aws_comprehend", "aws_sagemaker",
                                                                            "aws_commons"}
    assert rows(s, "SELECT pg_get_function_result(oid) FROM pg_proc WHERE proname = 'invoke_endpoint'") == \
        [("character varying",)]
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment('x')")
    assert e.value.sqlstate == "42883"
    with pytest.raises(SqlError) as e:
        s.execute("DROP EXTENSION aws_commons")
    assert e.value.sqlstate == "2BP01"
    with pytest.raises(SqlError) as e:
        s.execute("DROP SCHEMA aws_sagemaker")
    assert e.value.sqlstate == "2BP01"
    with pytest.raises(SqlError) as e:
        s.execute("CREATE EXTENSION postgis")
    assert e.value.sqlstate == "0A000"
    s.execute("DROP EXTENSION aws_commons CASCADE")
    assert rows(s, "SELECT extname FROM pg_extension") == [("plpgsql",)]
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment('x', 'en')")
    assert e.value.sqlstate == "3F000"


def test_sentiment_in_select_list_from_and_where(served):
    layout, _ = served
    s = session_on(layout)
    s.execute("CREATE EXTENSION aws_ml CASCADE")
    s.execute("CREATE TABLE reviews (id int PRIMARY KEY, body text)")
    s.execute("INSERT INTO reviews VALUES (1, 'I love it, wonderful!'), (2, 'Awful, I hate it.'), "
              "(3, 'It is a chair.'), (4, NULL)")
    got = rows(s, "SELECT r.id, s.sentiment FROM reviews r, aws_comprehend.detect_sentiment(r.body, 'en') s "
                  "ORDER BY r.id")
    assert got == [(1, "POSITIVE"), (2, "NEGATIVE"), (3, "NEUTRAL"), (4, None)]
    assert rows(s, "SELECT id FROM reviews r, aws_comprehend.detect_sentiment(r.body, 'en') s "
                   "WHERE s.sentiment = 'NEGATIVE'") == [(2,)]
    [(record,)] = rows(s, "SELECT aws_comprehend.detect_sentiment(body, 'en') FROM reviews WHERE id = 1")
    assert record.startswith("(POSITIVE,")
    assert rows(s, "SELECT (aws_comprehend.detect_sentiment(body, 'en')).sentiment FROM reviews WHERE id = 2") == \
        [("NEGATIVE",)]
    [(conf,)] = rows(s, "SELECT (aws_comprehend.detect_sentiment(body, 'en', 2)).confidence FROM reviews "
                        "WHERE id = 3")
    assert conf == 1.0
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment(body, 'de') FROM reviews")
    assert e.value.sqlstate == "22023" and "UnsupportedLanguageException" in str(e.value)
    assert rows(s, "SELECT 1") == [(1,)]  # the session stays usable


def test_invoke_endpoint_batches_and_writes(served, tmp_path):
    layout, _ = served
    model, path = trained(tmp_path)
    registry.save_endpoint(layout, {"name": "churn", "kind": "sklearn", "model": str(path)})
    s = session_on(layout)
    s.execute("CREATE EXTENSION aws_ml CASCADE")
    s.execute("CREATE TABLE c (id int PRIMARY KEY, a float, b float, d float, p int)")
    s.execute("INSERT INTO c SELECT g, sin(g), cos(g * 3), (g % 17) / 5.0, NULL FROM generate_series(1, 3000) g")
    before = ml_functions.stats()
    got = rows(s, "SELECT id, aws_sagemaker.invoke_endpoint('churn', 500, a, b, d)::int FROM c ORDER BY id")
    after = ml_functions.stats()
    data = rows(s, "SELECT a, b, d FROM c ORDER BY id")
    assert [g[1] for g in got] == [int(v) for v in model.predict(np.array(data, dtype=float))]
    assert after["actual_request_cnt"] - before["actual_request_cnt"] == 6  # 3,000 rows in batches of 500
    assert after["cache_hit_cnt"] - before["cache_hit_cnt"] == 3000
    assert after["single_request_cnt"] == before["single_request_cnt"]
    # A write: the first run only gathers (and is undone); the rows are written once.
    tag = s.execute("UPDATE c SET p = aws_sagemaker.invoke_endpoint('churn', NULL, a, b, d)::int "
                    "WHERE id <= 1000").tag
    assert tag == "UPDATE 1000"
    assert rows(s, "SELECT count(*) FROM c WHERE p IS NOT NULL") == [(1000,)]
    assert rows(s, "SELECT count(*) FROM c WHERE p = aws_sagemaker.invoke_endpoint('churn', NULL, a, b, d)::int") \
        == [(1000,)]
    # Wrapped in a SQL function, as AWS's examples do: inlined, so still batched.
    s.execute("CREATE FUNCTION churn(a float, b float, d float) RETURNS int LANGUAGE sql "
              "AS $$ SELECT aws_sagemaker.invoke_endpoint('churn', NULL, a, b, d)::int $$")
    before = ml_functions.stats()
    assert rows(s, "SELECT id, churn(a, b, d) FROM c ORDER BY id") == got
    after = ml_functions.stats()
    assert after["actual_request_cnt"] - before["actual_request_cnt"] == 3  # batches of 1,000 by default
    for query, state in (
        ("SELECT aws_sagemaker.invoke_endpoint('nope', NULL, a, b, d) FROM c", "42704"),
        ("SELECT aws_sagemaker.invoke_endpoint('churn', NULL, a, b) FROM c", "22023"),
        ("SELECT aws_sagemaker.invoke_endpoint('churn', 0, a, b, d) FROM c", "22023"),
    ):
        with pytest.raises(SqlError) as e:
            s.execute(query)
        assert e.value.sqlstate == state, (query, e.value)
    assert rows(s, "SELECT count(*) FROM c") == [(3000,)]


def test_a_cluster_without_the_role_is_refused(served):
    layout, _ = served
    s = session_on(layout, cluster="other")
    s.execute("CREATE EXTENSION aws_ml CASCADE")
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment('x', 'en')")
    assert e.value.sqlstate == "42501" and "aurora ml attach other --feature comprehend" in str(e.value)


def test_a_statement_waiting_for_the_service_can_be_cancelled(served):
    layout, service = served
    s = session_on(layout)
    s.execute("CREATE EXTENSION aws_ml CASCADE")
    service.latency_ms = 5000
    threading.Timer(0.3, s.cancel).start()
    started = time.monotonic()
    with pytest.raises(SqlError) as e:
        s.execute("SELECT aws_comprehend.detect_sentiment('slow', 'en')")
    assert e.value.sqlstate == "57014"
    assert time.monotonic() - started < 2
    service.latency_ms = 0
    assert rows(s, "SELECT (aws_comprehend.detect_sentiment('It is a chair.', 'en')).sentiment") == [("NEUTRAL",)]


def test_numbers_take_numpy_and_anything_else_the_general_path(tmp_path):
    array = models.numeric_rows("1,2.5,3\n4,5,6e1\n")
    assert array is not None and array.shape == (2, 3) and array[1, 2] == 60.0
    for body in ('1,"2",3\n', "1,,3\n", "1,2\n3\n", "1,x,3\n", ""):
        assert models.numeric_rows(body) is None, body
    assert models.format_values(np.array([1, 0, 7])) == ["1", "0", "7"]
    assert models.format_values(np.array([0.5, 2.0])) == ["0.5", "2"]
    model, path = trained(tmp_path)
    m = models.load({"name": "churn", "kind": "sklearn", "model": str(path)})
    body = "0.5,-1,2\n1,1,0\n"
    assert m.predict_csv(body) == m.predict(models.parse_csv(body)) == \
        [str(v) for v in model.predict(np.array([[0.5, -1, 2], [1, 1, 0]]))]
    with pytest.raises(MlError, match="expects 3 input"):
        m.predict_csv("1,2\n3,4\n")
