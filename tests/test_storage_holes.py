"""A read when every record is on 4 of 6 copies but no single copy holds them all yet.

Three commits, each acknowledged by a different four of the six nodes (the other two are
partitioned away while it is written): every copy then misses one of the three records, so no
copy is complete up to the newest one until gossip fills the holes. A read of the newest
version must wait for that and answer, not fail.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest
from storage_support import open_volume, page, run

from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.storage import admin
from aurora.engine.storage.fleet import Fleet

pytestmark = pytest.mark.integration

GOSSIP_S = 2.0


@pytest.fixture
def slow_gossip_fleet(aurora_home: Layout) -> Iterator[Fleet]:
    f = Fleet(aurora_home, DEFAULT_REGION, node_args=["--gossip-interval", str(GOSSIP_S), "--retention", "0"])
    try:
        f.create()
        yield f
    finally:
        f.stop()


def test_a_read_waits_for_gossip_to_fill_the_holes(slow_gossip_fleet):
    fleet = slow_gossip_fleet
    pairs = [("sn-c1", "sn-c2"), ("sn-a1", "sn-a2"), ("sn-b1", "sn-b2")]

    def partition(nodes: tuple[str, str], on: bool) -> None:
        for node in nodes:
            admin.node_control(fleet, node, {"partition": on})

    async def go() -> None:
        vol = await open_volume(fleet, quorum_timeout=1.0)
        await vol.commit({(0, 0): page("before")})
        await asyncio.sleep(GOSSIP_S * 1.5)  # everyone holds the first record
        lsns = []
        for i, away in enumerate(pairs):
            partition(away, True)
            lsns.append(await vol.commit({(0, 1): page(f"v{i}")}))
            partition(away, False)
        started = time.monotonic()
        assert await vol.read_page(0, 1) == page("v2")
        waited = time.monotonic() - started
        assert vol.stats.get("reads_waited", 0) >= 1, "the copies were complete already: nothing was tested"
        assert waited < GOSSIP_S * 3
        await vol.close()

    run(go())
