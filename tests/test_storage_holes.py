"""A read when every record is on 4 of 6 copies but no single copy holds them all yet.

Three commits, each reaching a different two of the six nodes late (2 s of latency while it
is written): when the three are acknowledged, every copy misses one of them, so no copy is
complete up to the newest until the late records land. A read of the newest version must
wait for that and answer, not fail. Gossip is slowed far beyond the test, so that nothing but
the late records fills the holes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from storage_support import open_volume, page, run

from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.storage import admin
from aurora.engine.storage.fleet import Fleet

pytestmark = pytest.mark.integration

LATE_S = 2.0


@pytest.fixture
def slow_gossip_fleet(aurora_home: Layout) -> Iterator[Fleet]:
    f = Fleet(aurora_home, DEFAULT_REGION, node_args=["--gossip-interval", "60", "--retention", "0"])
    try:
        f.create()
        yield f
    finally:
        f.stop()


def test_a_read_waits_for_the_copies_to_fill_their_holes(slow_gossip_fleet):
    fleet = slow_gossip_fleet
    pairs = [("sn-c1", "sn-c2"), ("sn-a1", "sn-a2"), ("sn-b1", "sn-b2")]

    def late(nodes: tuple[str, str], seconds: float) -> None:
        for node in nodes:
            admin.node_control(fleet, node, {"latency_ms": seconds * 1000})

    async def go() -> None:
        vol = await open_volume(fleet)
        await vol.commit({(0, 0): page("before")})
        started = time.monotonic()
        for i, away in enumerate(pairs):
            late(away, LATE_S)
            await vol.commit({(0, 1): page(f"v{i}")})
            late(away, 0)
        assert time.monotonic() - started < LATE_S / 2, "the commits were too slow for the scenario"
        assert await vol.read_page(0, 1) == page("v2")
        assert vol.stats.get("reads_waited", 0) >= 1
        assert time.monotonic() - started < LATE_S * 2
        await vol.close()

    run(go())
