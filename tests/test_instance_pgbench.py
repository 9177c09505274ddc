"""pgbench against a writer on a real six-node volume: initialisation, then TPC-B with four
clients in each query mode, with no failed transaction and the balances consistent."""

from __future__ import annotations

import re

import pytest
from instance_support import Cluster, cluster_fixture  # noqa: F401  (the fixture)

pytestmark = pytest.mark.integration

SUMS = ("SELECT (SELECT sum(abalance) FROM pgbench_accounts), "
        "(SELECT sum(tbalance) FROM pgbench_tellers), "
        "(SELECT sum(bbalance) FROM pgbench_branches), "
        "(SELECT coalesce(sum(delta), 0) FROM pgbench_history)")


def sums(c: Cluster) -> list[int]:
    return [int(x or 0) for x in c.run("psql", "-At", "-c", SUMS).stdout.strip().split("|")]


def test_pgbench_init_and_tpcb_in_every_mode(cluster: Cluster) -> None:
    init = cluster.run("pgbench", "-i", "-s", "2", "-q")
    assert "done in" in init.stderr, init.stderr
    counts = cluster.run("psql", "-At", "-c",
                         "SELECT (SELECT count(*) FROM pgbench_accounts), "
                         "(SELECT count(*) FROM pgbench_tellers), "
                         "(SELECT count(*) FROM pgbench_branches)").stdout.strip()
    assert counts == "200000|20|2"
    assert sums(cluster) == [0, 0, 0, 0]
    deltas = 0
    for mode in ("simple", "extended", "prepared"):
        # Each run truncates pgbench_history first; the balances carry over between runs.
        run = cluster.run("pgbench", "-c", "4", "-j", "2", "-T", "3", "-M", mode)
        out = run.stdout
        processed = int(re.search(r"number of transactions actually processed: (\d+)", out)[1])
        failed = int(re.search(r"number of failed transactions: (\d+)", out)[1])
        assert processed > 50, out
        assert failed == 0, out
        a, t, b, history = sums(cluster)
        deltas += history
        assert a == t == b == deltas, (mode, a, t, b, deltas)
        rows = int(cluster.run("psql", "-At", "-c",
                               "SELECT count(*) FROM pgbench_history").stdout)
        assert rows == processed, (mode, rows, processed)
