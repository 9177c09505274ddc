"""Slow and full storage nodes: hedged reads and a disk that runs out of space."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time

import pytest
from storage_support import eventually, open_volume, page, run

from aurora.engine import process
from aurora.engine.storage import wire

pytestmark = pytest.mark.integration


def test_a_frozen_node_costs_a_read_only_the_hedge_delay(fleet):
    async def go():
        vol = await open_volume(fleet, az="a", hedge_after=0.02)
        await vol.commit({(0, 3): page("hedged")})

        async def all_current() -> bool:  # the commit returned at 4 acks; the others follow
            return [p["current_copies"] for p in (await vol.describe())["protection_groups"]] == [6]

        # Only then is sn-a1 (same AZ, complete copy) the node the read asks first.
        await eventually(all_current, 10, "six current copies")
        frozen = fleet.record("sn-a1")
        process.kill(frozen, signal.SIGSTOP)
        try:
            t = time.monotonic()
            assert await vol.read_page(0, 3) == page("hedged")
            assert time.monotonic() - t < 0.5
            assert vol.stats["hedged_reads"] >= 1
            # writes go on too: five copies answer, four are needed
            await vol.commit({(0, 4): page("while frozen")})
        finally:
            process.kill(frozen, signal.SIGCONT)
        await vol.close()

    run(go())


def test_a_full_disk_on_one_node_loses_nothing(fleet, tmp_path):
    if shutil.which("mount") is None:
        pytest.fail("mount(8) is needed to give a node a small file system")
    folder = fleet.layout.node_dir(fleet.region, "sn-c2")
    fleet.stop_node("sn-c2")
    saved = tmp_path / "saved"
    shutil.copytree(folder, saved)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a small tmpfs for the test (run as root): {mounted.stderr.strip()}")
    try:
        for item in saved.iterdir():
            shutil.copy2(item, folder / item.name) if item.is_file() else shutil.copytree(item, folder / item.name)
        fleet.start_node("sn-c2")

        async def go():
            vol = await open_volume(fleet)
            acked = {}
            for i in range(400):  # ~1.6 MiB of pages: more than sn-c2's disk holds
                acked[(0, i)] = page(f"full-{i}")
                await vol.commit({(0, i): acked[(0, i)]})
            node = fleet.nodes()["sn-c2"]
            reply, _ = wire.request_sync(node.socket, wire.STATUS, {})  # still serving
            assert reply["id"] == "sn-c2"
            seg = next(s for s in reply["segments"] if s["volume"] == vol.id)
            assert seg["scl"] < vol.vdl  # it could not keep everything
            for key, body in acked.items():
                assert await vol.read_page(*key) == body
            await vol.close()

        run(go())
        log = (folder / "process.log").read_text()
        assert "No space left on device" in log or "cannot write its log" in log
    finally:
        fleet.stop_node("sn-c2")
        subprocess.run(["umount", "-l", str(folder)], check=False)
