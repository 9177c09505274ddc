"""Cost of the writer endpoint: connecting through it against connecting to the writer directly.

aurorad accepts on the writer endpoint's port and hands the socket to the writer instance
(SCM_RIGHTS), so it costs something per connection and nothing afterwards. A cluster with no
reader; N connections through each (psycopg connect + ``SELECT 1`` + close, interleaved
endpoint/direct so that drift on this shared machine hits both alike), then ``SELECT 1``
queries per second on one already-open connection through each for a few seconds (in
six alternating slices). The direct connection to the writer instance's own port is the baseline.
TLS is off by default (``--sslmode disable``) so the hand-over is not hidden behind the
handshake; ``--sslmode prefer`` measures what a default client sees.

    .venv/bin/python bench/endpoint_bench.py [--connections 200] [--seconds 3] [--sslmode disable]

Ends with ``RESULT endpoint_connect_ms=... direct_connect_ms=... connect_ratio=...
endpoint_qps=... direct_qps=...`` (connect times are medians).
"""

from __future__ import annotations

import argparse
import time

import psycopg
from clusterbench import AuroraHome, percentile, result_line, run_main

CLUSTER = "ep"
SLICES = 6  # query runs alternate between the two paths this many times each


def connect_once(uri: str, sslmode: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(uri, sslmode=sslmode, connect_timeout=10) as conn:
        conn.execute("SELECT 1").fetchone()
    return time.perf_counter() - started


def queries(uri: str, sslmode: str, seconds: float) -> tuple[int, float]:
    with psycopg.connect(uri, sslmode=sslmode, autocommit=True, connect_timeout=10) as conn:
        n = 0
        started = time.perf_counter()
        stop = started + seconds
        while time.perf_counter() < stop:
            conn.execute("SELECT 1").fetchone()
            n += 1
        return n, time.perf_counter() - started


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=200, help="connections through each")
    p.add_argument("--seconds", type=float, default=3.0, help="seconds of queries on one connection, each")
    p.add_argument("--sslmode", default="disable", help="libpq sslmode for both sides")
    args = p.parse_args()
    with AuroraHome() as h:
        ep = h.create(CLUSTER, 0)
        uris = {"endpoint": ep["writer"]["uri"],
                "direct": next(i["uri"] for i in ep["instances"] if i["role"] == "writer")}
        for uri in uris.values():  # warm up both paths
            for _ in range(5):
                connect_once(uri, args.sslmode)
        connect: dict[str, list[float]] = {k: [] for k in uris}
        for _ in range(args.connections):
            for k, uri in uris.items():
                connect[k].append(connect_once(uri, args.sslmode) * 1000)
        counts = {k: [0, 0.0] for k in uris}
        for _ in range(SLICES):
            for k, uri in uris.items():
                n, took = queries(uri, args.sslmode, args.seconds / SLICES)
                counts[k][0] += n
                counts[k][1] += took
    qps = {k: n / took for k, (n, took) in counts.items()}
    print(f"sslmode={args.sslmode}, {args.connections} connections each")
    print(f"{'':9} {'connect p50 ms':>14} {'p90':>7} {'p99':>7} | {'SELECT 1 /s':>11}")
    for k in uris:
        xs = connect[k]
        print(f"{k:9} {percentile(xs, 50):>14.3f} {percentile(xs, 90):>7.3f} {percentile(xs, 99):>7.3f} | {qps[k]:>11.0f}")
    ratio = percentile(connect["endpoint"], 50) / percentile(connect["direct"], 50)
    print(f"connect ratio endpoint / direct: {ratio:.2f}; extra per connection "
          f"{percentile(connect['endpoint'], 50) - percentile(connect['direct'], 50):.3f} ms; "
          f"qps ratio {qps['endpoint'] / qps['direct']:.3f}")
    print(result_line({
        "endpoint_connect_ms": round(percentile(connect["endpoint"], 50), 3),
        "direct_connect_ms": round(percentile(connect["direct"], 50), 3),
        "connect_ratio": round(ratio, 2),
        "endpoint_qps": round(qps["endpoint"]), "direct_qps": round(qps["direct"]),
        "qps_ratio": round(qps["endpoint"] / qps["direct"], 3),
    }))
    return 0


if __name__ == "__main__":
    run_main(main)
