"""DescribeDBClusters through the RDS API, against the same `describe` on aurorad's control socket.

aurorad serves the RDS Query API (``aurora daemon start --api-port``); boto3 signs a request,
aurorad checks the signature, parses it by botocore's model, runs the control plane's
``describe`` (the operation the socket answers), shapes the XML and boto3 parses it. The
baseline is ``describe`` on the control socket (one JSON line each way). One cluster with one
reader; N calls each, interleaved in slices so that drift on this shared machine hits both alike,
after a warm-up (boto3 keeps one keep-alive connection).

    .venv/bin/python bench/rdsapi_bench.py [--calls 400]

Ends with ``RESULT api_p50_ms=... api_p99_ms=... socket_p50_ms=... socket_p99_ms=...
overhead_p50_ms=...`` (the goal: a round trip under 20 ms).
"""

from __future__ import annotations

import argparse
import socket
import time

import boto3
from botocore.config import Config
from clusterbench import AuroraHome, percentile, poll, result_line, run_main

from aurora.engine.control.client import ControlClient

CLUSTER = "api"
SLICES = 8


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=400, help="calls through each path")
    args = p.parse_args()
    with AuroraHome() as h:
        port = free_port()
        h.run("daemon", "start", "--api-port", str(port))
        poll(lambda: listening(port), 15, "the RDS API to listen")
        h.create(CLUSTER, 1)
        creds = h.json("api", "credentials")
        rds = boto3.client("rds", endpoint_url=creds["endpoint_url"], region_name=creds["region"],
                           aws_access_key_id=creds["access_key_id"],
                           aws_secret_access_key=creds["secret_access_key"],
                           config=Config(retries={"max_attempts": 1}))
        control = ControlClient(h.layout, autostart=False)

        def api() -> None:
            assert rds.describe_db_clusters(DBClusterIdentifier=CLUSTER)["DBClusters"][0]["Status"] == "available"

        def direct() -> None:
            assert control.call("describe", name=CLUSTER)["status"] == "available"

        poll(lambda: control.call("describe", name=CLUSTER)["status"] == "available", 60, "the cluster")
        for fn in (api, direct):
            for _ in range(20):
                fn()
        times: dict[str, list[float]] = {"api": [], "socket": []}
        per_slice = max(1, args.calls // SLICES)
        for _ in range(SLICES):
            for key, fn in (("api", api), ("socket", direct)):
                for _ in range(per_slice):
                    started = time.perf_counter()
                    fn()
                    times[key].append((time.perf_counter() - started) * 1000)
        api_p50, socket_p50 = percentile(times["api"], 50), percentile(times["socket"], 50)
        print(result_line({"api_p50_ms": api_p50, "api_p99_ms": percentile(times["api"], 99),
                           "socket_p50_ms": socket_p50, "socket_p99_ms": percentile(times["socket"], 99),
                           "overhead_p50_ms": api_p50 - socket_p50, "calls": len(times["api"])}))
    return 0


if __name__ == "__main__":
    run_main(main)
