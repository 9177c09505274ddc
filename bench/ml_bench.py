"""Machine learning from SQL: rows per second through the ML service against the model alone.

In one run, on one cluster (writer only) with both ML roles:

(a) sentiment: ``SELECT s.sentiment, s.confidence FROM reviews r,
    aws_comprehend.detect_sentiment(r.body, 'en') s`` over ``--rows`` distinct English
    reviews (generated from templates), timed from the query to the last row in the client
    (psycopg). Baseline: VADER's ``polarity_scores`` on the same texts in one Python loop in
    this process. Goal: ``sentiment_ratio`` (SQL rows/s over VADER rows/s) at least 0.5.
(b) model endpoints: ``SELECT aws_sagemaker.invoke_endpoint('churn', NULL, age, plan,
    usage)::int FROM customers`` over ``--rows`` rows, against the model's own ``predict`` on
    the same rows, one batch of the engine's batch size (1,000 rows) at a time, in this
    process. Two models, because the ratio depends on what a prediction costs: a random
    forest of 100 trees (``forest_ratio``, the churn model of the examples; goal at least
    0.5) and a logistic regression (``linear_ratio``: a prediction costs next to nothing, so
    this shows the fixed cost per row of going through SQL and the service).
Each figure is the best of ``--repeat`` runs (both sides alike). ``requests`` is how many
requests to the service one sentiment query made (from ``aurora_ml_stats()``): batching.

    .venv/bin/python bench/ml_bench.py [--rows 10000] [--repeat 3]

Ends with ``RESULT rows=... sentiment_sql_rows_s=... vader_rows_s=... sentiment_ratio=...
forest_sql_rows_s=... forest_predict_rows_s=... forest_ratio=... linear_sql_rows_s=...
linear_predict_rows_s=... linear_ratio=... requests=...``.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import joblib
import numpy as np
import psycopg
from clusterbench import AuroraHome, result_line, run_main

BATCH = 1000  # the engine's default max_rows_per_batch (engine/instance/ml_functions.py)

SUBJECTS = ["The food", "Our waiter", "This phone", "The hotel room", "The delivery", "Customer support",
            "The battery", "The movie", "This laptop", "The app", "The checkout", "The view"]
VERDICTS = ["was great", "was terrible", "arrived on Tuesday", "is absolutely wonderful", "was a huge letdown",
            "is okay I guess", "broke after a week", "made my day", "is blue", "was slow but friendly",
            "exceeded every expectation", "is the worst I have seen"]
ENDINGS = ["", " and I will come back", ", never again", " but the price is high", ", five stars",
           " — I am so disappointed", ", nothing special", " and the staff were lovely"]


def reviews(n: int) -> list[str]:
    rng = random.Random(42)
    return [f"{rng.choice(SUBJECTS)} {rng.choice(VERDICTS)}{rng.choice(ENDINGS)} (order {i})." for i in range(n)]


def customers(n: int) -> np.ndarray:
    rng = np.random.default_rng(5)
    return np.column_stack([rng.integers(18, 80, n), rng.integers(0, 3, n), np.round(rng.random(n) * 100, 3)])


def best(f, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.rows

    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    texts = reviews(n)
    x = customers(n)
    y = ((x[:, 0] < 35) & (x[:, 2] < 40) | (x[:, 1] == 2)).astype(int)
    models = {"forest": RandomForestClassifier(n_estimators=100, random_state=0).fit(x, y),
              "linear": LogisticRegression(max_iter=1000).fit(x, y)}

    with AuroraHome("aurora-ml-bench-") as home:
        home.create("mlb", 0)
        uri = home.run("url", "mlb").stdout.strip()
        home.run("ml", "attach", "mlb", "--feature", "comprehend")
        home.run("ml", "attach", "mlb", "--feature", "sagemaker")
        for name, model in models.items():
            path = home.tmp / f"{name}.joblib"
            joblib.dump(model, path)
            home.run("ml", "endpoint", "create", name, "--model", str(path))
        with psycopg.connect(uri, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION aws_ml CASCADE")
            conn.execute("CREATE TABLE reviews (id int PRIMARY KEY, body text)")
            conn.execute("CREATE TABLE customers (id int PRIMARY KEY, age int, plan int, usage float)")
            with conn.cursor() as cur:
                with cur.copy("COPY reviews FROM STDIN") as copy:
                    for i, t in enumerate(texts):
                        copy.write_row((i, t))
                with cur.copy("COPY customers FROM STDIN") as copy:
                    for i, row in enumerate(x):
                        copy.write_row((i, int(row[0]), int(row[1]), float(row[2])))

            sentiment_sql = ("SELECT s.sentiment, s.confidence FROM reviews r, "
                             "aws_comprehend.detect_sentiment(r.body, 'en') s")
            stats = "SELECT actual_request_cnt FROM aurora_ml_stats()"
            before = conn.execute(stats).fetchone()[0]
            got = conn.execute(sentiment_sql).fetchall()
            requests = conn.execute(stats).fetchone()[0] - before
            assert len(got) == n, len(got)
            sql_s = best(lambda: conn.execute(sentiment_sql).fetchall(), args.repeat)
            analyzer = SentimentIntensityAnalyzer()
            vader_s = best(lambda: [analyzer.polarity_scores(t) for t in texts], args.repeat)

            figures: dict[str, float] = {}
            for name, model in models.items():
                query = (f"SELECT aws_sagemaker.invoke_endpoint('{name}', NULL, age, plan, usage)::int "
                         "FROM customers ORDER BY id")
                got = [r[0] for r in conn.execute(query).fetchall()]
                want = [int(v) for v in model.predict(x)]
                if got != want:
                    print(f"{name}: the endpoint's answers differ from the model's", file=sys.stderr)
                    return 1
                figures[f"{name}_sql_s"] = best(lambda q=query: conn.execute(q).fetchall(), args.repeat)
                figures[f"{name}_predict_s"] = best(
                    lambda m=model: [m.predict(x[i:i + BATCH]) for i in range(0, n, BATCH)], args.repeat)

    result = {"rows": n, "sentiment_sql_rows_s": round(n / sql_s), "vader_rows_s": round(n / vader_s),
              "sentiment_ratio": round(vader_s / sql_s, 3)}
    for name in models:
        result[f"{name}_sql_rows_s"] = round(n / figures[f"{name}_sql_s"])
        result[f"{name}_predict_rows_s"] = round(n / figures[f"{name}_predict_s"])
        result[f"{name}_ratio"] = round(figures[f"{name}_predict_s"] / figures[f"{name}_sql_s"], 3)
    result["requests"] = requests
    print(result_line(result))
    return 0


if __name__ == "__main__":
    run_main(main)
