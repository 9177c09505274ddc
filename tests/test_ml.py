"""Machine learning from SQL through the `aurora` command and real clients: a scikit-learn
model trained here, served as an endpoint, called from SQL over 5,000 rows on the writer and a
reader with the model's own answers; sentiment with Comprehend's labels; batching in the
counters; roles; an ONNX model and a Python handler; and every failure the issue names (an
unknown endpoint, a model that raises, a wrong number of inputs, a killed or slow service, a
cancelled statement), each a SQL error after which the session goes on."""

from __future__ import annotations

import threading
import time

import joblib
import numpy as np
import psycopg
import pytest
from sklearn.ensemble import RandomForestClassifier
from test_cluster_cli import poll

pytestmark = pytest.mark.integration


def train(tmp_path):
    rng = np.random.default_rng(3)
    x = np.column_stack([rng.integers(18, 80, 2000), rng.integers(0, 3, 2000), rng.random(2000) * 100])
    y = ((x[:, 0] < 35) & (x[:, 2] < 40) | (x[:, 1] == 2)).astype(int)
    model = RandomForestClassifier(n_estimators=20, random_state=0).fit(x, y)
    path = tmp_path / "churn.joblib"
    joblib.dump(model, path)
    return model, path


def stats(conn) -> dict:
    cur = conn.execute("SELECT * FROM aurora_ml_stats()")
    return dict(zip([d.name for d in cur.description], cur.fetchone(), strict=True))


def test_models_and_sentiment_from_sql(aurora, tmp_path):
    aurora.ok("create", "ml", "--replicas", "1")
    writer = aurora.ok("url", "ml").strip()
    reader = aurora.ok("url", "ml", "--reader").strip()
    model, path = train(tmp_path)

    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION aws_ml CASCADE")
        # Without a role, as in AWS: refused.
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="aurora ml attach ml --feature comprehend"):
            conn.execute("SELECT aws_comprehend.detect_sentiment('hello', 'en')")
        assert conn.execute("SELECT 1").fetchone() == (1,)

    aurora.ok("ml", "attach", "ml", "--feature", "comprehend")
    aurora.ok("ml", "attach", "ml", "--feature", "sagemaker")
    assert aurora.json("describe", "ml")["ml_features"] == ["comprehend", "sagemaker"]
    created = aurora.json("ml", "endpoint", "create", "churn", "--model", str(path))
    assert created["kind"] == "sklearn" and created["inputs"] == 3 and created["status"] == "InService"

    with psycopg.connect(writer, autocommit=True) as conn:
        conn.execute("CREATE TABLE reviews (id int PRIMARY KEY, body text)")
        conn.execute("INSERT INTO reviews VALUES (1, 'Great product, I love it!'), "
                     "(2, 'Broken on arrival. Terrible support.'), (3, 'The box is blue.')")
        got = conn.execute("SELECT r.id, s.sentiment, s.confidence FROM reviews r, "
                           "aws_comprehend.detect_sentiment(r.body, 'en') s ORDER BY r.id").fetchall()
        assert [g[1] for g in got] == ["POSITIVE", "NEGATIVE", "NEUTRAL"]
        assert all(0.5 <= g[2] <= 1 for g in got)

        conn.execute("CREATE TABLE customers (id int PRIMARY KEY, age int, plan int, usage float)")
        rng = np.random.default_rng(11)
        data = [(i, int(rng.integers(18, 80)), int(rng.integers(0, 3)), float(rng.random() * 100))
                for i in range(5000)]
        with conn.cursor() as cur, cur.copy("COPY customers FROM STDIN") as copy:
            for row in data:
                copy.write_row(row)
        want = [int(v) for v in model.predict(np.array([r[1:] for r in data], dtype=float))]

        before = stats(conn)
        got = conn.execute("SELECT aws_sagemaker.invoke_endpoint('churn', NULL, age, plan, usage)::int "
                           "FROM customers ORDER BY id").fetchall()
        after = stats(conn)
        assert [g[0] for g in got] == want
        # 5,000 rows in a handful of requests, not one per row
        assert after["actual_request_cnt"] - before["actual_request_cnt"] <= 5
        assert after["cache_hit_cnt"] - before["cache_hit_cnt"] == 5000

        # Wrapped in the user's SQL function, as AWS's examples do
        conn.execute("CREATE FUNCTION churn(age int, plan int, usage float) RETURNS int LANGUAGE sql AS "
                     "$$ SELECT aws_sagemaker.invoke_endpoint('churn', NULL, age, plan, usage)::int $$")
        assert conn.execute("SELECT count(*) FROM customers WHERE churn(age, plan, usage) = 1").fetchone() == \
            (sum(want),)

        # Every failure is a SQL error naming the endpoint, and the session goes on
        for query, error, text in (
            ("SELECT aws_sagemaker.invoke_endpoint('nope', NULL, age) FROM customers",
             psycopg.errors.UndefinedObject, "nope"),
            ("SELECT aws_sagemaker.invoke_endpoint('churn', NULL, age, plan) FROM customers",
             psycopg.errors.InvalidParameterValue, "churn expects 3"),
            ("SELECT aws_sagemaker.invoke_endpoint('churn', NULL, 'x', 'y', 'z')",
             psycopg.errors.ExternalRoutineException, "churn"),
        ):
            with pytest.raises(error, match=text):
                conn.execute(query)
            assert conn.execute("SELECT 1").fetchone() == (1,)

    # A reader calls the service too, and answers as the writer did.
    def reader_answers():
        with psycopg.connect(reader, autocommit=True) as conn:
            rows = conn.execute("SELECT aws_sagemaker.invoke_endpoint('churn', 2000, age, plan, usage)::int "
                                "FROM customers ORDER BY id").fetchall()
            return [r[0] for r in rows] == want
    poll(reader_answers, 30, "the reader to answer with the model")

    described = aurora.json("ml", "endpoint", "describe", "churn")
    assert described["invocations"] >= 3 and described["rows"] >= 10000
    events = [e["message"] for e in aurora.json("events", "ml")]
    assert "Associated the IAM role for sagemaker with the DB cluster." in events


def test_onnx_handler_and_failures(aurora, tmp_path):
    from skl2onnx import to_onnx
    from sklearn.linear_model import LinearRegression

    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    linear = LinearRegression().fit(x, x[:, 0] * 2 + x[:, 1])
    (tmp_path / "double.onnx").write_bytes(to_onnx(linear, x[:1]).SerializeToString())
    (tmp_path / "scoring.py").write_text("def score(rows):\n    return [len(r[0]) * r[1] for r in rows]\n"
                                         "def broken(rows):\n    raise RuntimeError('model crashed')\n")

    aurora.ok("create", "mlf")
    uri = aurora.ok("url", "mlf").strip()
    aurora.ok("ml", "attach", "mlf", "--feature", "sagemaker")
    aurora.ok("ml", "attach", "mlf", "--feature", "comprehend")
    assert aurora.json("ml", "endpoint", "create", "double", "--model", str(tmp_path / "double.onnx"))["inputs"] == 2
    r = aurora.run("ml", "endpoint", "create", "score", "--handler", "scoring:score")
    assert r.returncode != 0 and "No module named 'scoring'" in r.stderr  # imported from the caller's folder
    aurora.ok("ml", "endpoint", "create", "score", "--handler", "scoring:score", cwd=tmp_path)
    aurora.ok("ml", "endpoint", "create", "broken", "--handler", "scoring:broken", cwd=tmp_path)
    bad = aurora.run("ml", "endpoint", "create", "junk", "--model", str(tmp_path / "scoring.py"))
    assert bad.returncode == 2 and "cannot tell the kind of model" in bad.stderr and "Traceback" not in bad.stderr
    assert [e["name"] for e in aurora.json("ml", "endpoint", "list")] == ["broken", "double", "score"]

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION aws_ml CASCADE")
        [(v,)] = conn.execute("SELECT aws_sagemaker.invoke_endpoint('double', NULL, 3, 4)::float").fetchall()
        assert abs(v - 10) < 1e-3
        assert conn.execute("SELECT aws_sagemaker.invoke_endpoint('score', NULL, 'abc', 2)").fetchone() == ("6",)
        with pytest.raises(psycopg.errors.ExternalRoutineException, match=r"broken.*RuntimeError: model crashed"):
            conn.execute("SELECT aws_sagemaker.invoke_endpoint('broken', NULL, 1)")
        with pytest.raises(psycopg.errors.InvalidParameterValue, match="UnsupportedLanguageException"):
            conn.execute("SELECT aws_comprehend.detect_sentiment('hola', 'es')")

        # A slow service: the statement can be cancelled while it waits, and times out.
        aurora.ok("chaos", "slow-ml", "5000")
        timer = threading.Timer(0.5, conn.cancel)
        timer.start()
        started = time.monotonic()
        with pytest.raises(psycopg.errors.QueryCanceled):
            conn.execute("SELECT aws_comprehend.detect_sentiment('slow', 'en')")
        assert time.monotonic() - started < 3
        conn.execute("SET statement_timeout = 300")
        with pytest.raises(psycopg.errors.QueryCanceled, match="statement timeout"):
            conn.execute("SELECT aws_comprehend.detect_sentiment('slow', 'en')")
        conn.execute("SET statement_timeout = 0")
        aurora.ok("chaos", "slow-ml", "0")

        # A killed service: every statement answers (the result or a clear error), none hangs,
        # and aurorad starts the service again.
        pid = aurora.json("ml", "status")["pid"]
        aurora.ok("chaos", "kill-ml")
        seen = set()

        def back() -> bool:
            try:
                conn.execute("SELECT aws_comprehend.detect_sentiment('I am back', 'en')")
                return True
            except psycopg.errors.SystemError as e:
                seen.add(str(e).split(":")[1].strip())
                return False
        poll(back, 30, "the ML service to be restarted")
        assert seen <= {"ServiceUnavailable"}
        assert aurora.json("ml", "status")["pid"] != pid

    aurora.ok("ml", "endpoint", "delete", "double", "--yes")
    with psycopg.connect(uri, autocommit=True) as conn, pytest.raises(psycopg.errors.UndefinedObject):
        conn.execute("SELECT aws_sagemaker.invoke_endpoint('double', NULL, 3, 4)")
    aurora.ok("ml", "detach", "mlf", "--feature", "comprehend")
    with psycopg.connect(uri, autocommit=True) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute("SELECT aws_comprehend.detect_sentiment('hello', 'en')")
    # Nothing may call the service any more: aurorad stops it.
    for name in ("score", "broken"):
        aurora.ok("ml", "endpoint", "delete", name, "--yes")
    aurora.ok("ml", "detach", "mlf", "--feature", "sagemaker")
    poll(lambda: not aurora.json("ml", "status")["running"], 15, "the idle ML service to be stopped")
