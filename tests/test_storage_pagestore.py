"""The thread-facing PageStore over a real volume, as the SQLite VFS will use it."""

from __future__ import annotations

import threading
import time

import pytest
from storage_support import page

from aurora.engine.errors import WriteQuorumLost
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.pagestore import VolumePageStore
from aurora.engine.storage.volume import Outcome

pytestmark = pytest.mark.integration


def test_volume_page_store_from_threads(fleet):
    catalog = Catalog(fleet.layout, fleet.region)
    meta = catalog.new_volume()
    store = VolumePageStore.open(catalog, meta, writer=True)
    seen: list[tuple[int, list]] = []
    store.subscribe(lambda lsn, pages: seen.append((lsn, pages)))
    try:
        lsns = []

        def worker(w: int) -> None:
            for i in range(20):
                lsns.append(store.commit({(0, w * 100 + i): page(f"{w}-{i}")}))

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(set(lsns)) == 80 and store.read_point() == max(lsns)
        assert store.read_page(0, 305, store.read_point()) == page("3-5")
        assert len(seen) == 80
        reader = VolumePageStore.open(catalog, catalog.load_volume(meta.id), writer=False)
        try:
            assert reader.read_point() == store.read_point()
            assert reader.read_page(0, 119, reader.read_point()) == page("1-19")
            lsn = store.commit({(0, 0): page("new")})
            reader.apply_commit(lsn, [(0, 0)])
            assert reader.read_page(0, 0, reader.read_point()) == page("new")
        finally:
            reader.close()
        for n in ("sn-a1", "sn-a2", "sn-b1"):
            fleet.kill_node(n)
        before = store.read_point()
        with pytest.raises(WriteQuorumLost):
            store.commit({(0, 1): page("no quorum")})
        assert store.read_point() == before
        # The batch stays queued; once nodes return it becomes durable, and listeners are
        # told of it like of any other commit (a cache above must not miss it).
        for n in ("sn-a1", "sn-a2", "sn-b1"):
            fleet.start_node(n)
        deadline = time.monotonic() + 15
        while store.read_point() == before:
            assert time.monotonic() < deadline, "the queued batch never became durable"
            time.sleep(0.05)
        assert seen[-1] == (store.read_point(), [(0, 1)])
        assert store.read_page(0, 1, store.read_point()) == page("no quorum")
        assert store.commit({(0, 2): page("writes resume")}) > before
    finally:
        store.close()


def test_submit_from_threads_then_quorum_lost(fleet):
    """``submit`` numbers a batch on the caller's thread and the loop sends it: LSNs follow
    the callers' order, each future resolves once its batch is durable, and with the write
    quorum lost the future fails with WriteQuorumLost (the batch stays queued) while the next
    submit is refused before it is numbered."""
    catalog = Catalog(fleet.layout, fleet.region)
    store = VolumePageStore.open(catalog, catalog.new_volume(), writer=True)
    try:
        store.commit({(0, 0): page("first")})  # creates the protection group
        store.volume.quorum_timeout = 1.0  # (not for the creation: six nodes may be slow)
        order = threading.Lock()  # callers serialise their submissions, as CommitPipeline does
        submitted: list[tuple[int, object]] = []

        def worker(w: int) -> None:
            for i in range(10):
                with order:
                    submitted.append(store.submit({(0, 1 + w * 10 + i): page(f"{w}-{i}")}))

        threads = [threading.Thread(target=worker, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        lsns = [lsn for lsn, _ in submitted]
        assert lsns == list(range(lsns[0], lsns[0] + 40))  # one record each, in submit order
        for _, durable in submitted:
            assert durable.result(timeout=10) is None
        assert store.read_point() == lsns[-1]
        assert store.read_page(0, 35, store.read_point()) == page("3-4")

        for n in ("sn-a1", "sn-a2", "sn-b1"):
            fleet.kill_node(n)
        lsn, durable = store.submit({(0, 2): page("no quorum")})
        with pytest.raises(WriteQuorumLost):
            durable.result(timeout=10)
        with pytest.raises(WriteQuorumLost):
            store.submit({(0, 3): page("refused")})
        for n in ("sn-a1", "sn-a2", "sn-b1"):
            fleet.start_node(n)
        deadline = time.monotonic() + 15
        while store.read_point() < lsn:
            assert time.monotonic() < deadline, "the queued batch never became durable"
            time.sleep(0.05)
        assert store.read_page(0, 2, store.read_point()) == page("no quorum")
        lsn, durable = store.submit({(0, 3): page("writes resume")})
        assert durable.result(timeout=10) is None and lsn > store.read_point() - 1
        assert not store.volume._watched
    finally:
        store.close()


def test_outcome_wakes_every_waiter_once_settled():
    """A batch's Outcome: result() blocks each waiting thread until the loop settles it, then
    every waiter returns (or raises the error it was settled with); the first outcome stands;
    a bounded wait that ends first raises TimeoutError."""
    for error in (None, WriteQuorumLost("no quorum")):
        outcome = Outcome()
        with pytest.raises(TimeoutError):
            outcome.result(timeout=0.05)
        results: list[object] = []

        def wait(o: Outcome = outcome, results: list[object] = results) -> None:
            try:
                o.result()
                results.append("durable")
            except WriteQuorumLost as e:
                results.append(e)

        threads = [threading.Thread(target=wait) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(0.05)
        assert results == [] and not outcome.done()
        if error is None:
            outcome.set_result(None)
        else:
            outcome.set_exception(error)
        outcome.set_exception(RuntimeError("late"))  # ignored: settled already
        for t in threads:
            t.join(timeout=5)
            assert not t.is_alive()
        assert outcome.done()
        assert results == ["durable"] * 3 if error is None else results == [error] * 3
        wait()  # a waiter after the outcome gets it at once
        assert len(results) == 4
