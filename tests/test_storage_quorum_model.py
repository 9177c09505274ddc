"""The writer's durability bookkeeping (SCL/PGCL/VCL/VDL) against a brute-force model."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from aurora.engine.storage.quorum import WRITE_QUORUM, DurabilityTracker

NODES = [f"n{i}" for i in range(6)]
PGS = [(0, 0), (0, 1), (1, 0)]


@st.composite
def scenarios(draw):
    """Batches (each a list of PGs, one per record) and a shuffled stream of acks."""
    batches = draw(st.lists(st.lists(st.sampled_from(PGS), min_size=1, max_size=5), min_size=1, max_size=8))
    acks = []
    lsn = 0
    layout = []
    for pgs in batches:
        first = lsn + 1
        parts: dict = {}
        for pg in pgs:
            lsn += 1
            parts.setdefault(pg, []).append(lsn)
        layout.append((first, lsn, parts))
        for pg in parts:
            for node in draw(st.lists(st.sampled_from(NODES), max_size=8)):
                acks.append((lsn, pg, node))
    order = draw(st.permutations(acks))
    return layout, order


def model(layout, acked):
    """Definitions, computed from scratch."""
    durable_part = {
        (cpl, pg): len({n for (c, p, n) in acked if (c, p) == (cpl, pg)}) >= WRITE_QUORUM
        for _f, cpl, parts in layout for pg in parts
    }
    lsn_durable = {}
    lsn_pg = {}
    for _first, cpl, parts in layout:
        for pg, lsns in parts.items():
            for x in lsns:
                lsn_durable[x] = durable_part[(cpl, pg)]
                lsn_pg[x] = pg
    vcl = 0
    while lsn_durable.get(vcl + 1):
        vcl += 1
    vdl = max([0] + [cpl for _f, cpl, _p in layout if cpl <= vcl])
    pgcl = {}
    for pg in PGS:
        mine = sorted(x for x, p in lsn_pg.items() if p == pg)
        best = None
        for x in mine:
            if all(lsn_durable[y] for y in mine if y <= x):
                best = x
        pgcl[pg] = best
    return vcl, vdl, pgcl


@settings(max_examples=300, deadline=None)
@given(scenarios())
def test_tracker_matches_model(scenario):
    layout, order = scenario
    t = DurabilityTracker(0)
    for first, cpl, parts in layout:
        t.add_batch(first, cpl, parts)
    seen = []
    for cpl, pg, node in order:
        t.ack(cpl, pg, node)
        seen.append((cpl, pg, node))
        vcl, vdl, pgcl = model(layout, seen)
        assert (t.vcl, t.vdl) == (vcl, vdl)
        for pg_ in PGS:
            assert t.pgcl(pg_) == pgcl[pg_]
        for _f, c, _p in layout:
            assert t.is_durable(c) == (c <= vdl)


def test_vdl_waits_for_every_pg_of_a_batch():
    t = DurabilityTracker(10)
    t.add_batch(11, 13, {(0, 0): [11, 13], (0, 1): [12]})
    for n in NODES[:4]:
        t.ack(13, (0, 0), n)
    assert t.vcl == 11 and t.vdl == 10 and t.pgcl((0, 0)) == 13
    for n in NODES[:3]:
        t.ack(13, (0, 1), n)
    assert t.vdl == 10
    assert t.ack(13, (0, 1), NODES[3]) is True
    assert (t.vcl, t.vdl) == (13, 13)
