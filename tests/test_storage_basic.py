"""Writing and reading a volume on a real fleet; what a volume reports; bad frames."""

from __future__ import annotations

import socket

import pytest
from storage_support import PAGE, connect_raw, eventually, open_volume, page, run

from aurora.engine.storage import wire

pytestmark = pytest.mark.integration


def test_write_read_and_versions(fleet):
    async def go():
        vol = await open_volume(fleet)
        l1 = await vol.commit({(0, 0): page("a"), (0, 1): page("b")})
        l2 = await vol.commit({(0, 0): page("c")})
        assert l2 > l1 == vol.vdl - 1 or l2 == vol.vdl
        assert await vol.read_page(0, 0) == page("c")
        assert await vol.read_page(0, 0, as_of=l1) == page("a")
        assert await vol.read_page(0, 1) == page("b")
        assert await vol.read_page(0, 2) is None
        # pages past the end of the volume grow it by protection groups (64 pages each here)
        await vol.commit({(0, 200): page("far"), (1, 5): page("other file")})
        assert set(vol.meta.pgs) == {(0, 0), (0, 3), (1, 0)}
        assert await vol.read_page(0, 200) == page("far")
        await vol.close()
    run(go())


def test_describe_reports_size_and_protection_groups(fleet):
    async def go():
        vol = await open_volume(fleet)
        await vol.commit({(0, i): page(i) for i in range(100)})  # 64 pages per PG here
        d = await vol.describe()
        assert d["size_bytes"] == 100 * PAGE
        assert [(p["file"], p["pg"]) for p in d["protection_groups"]] == [(0, 0), (0, 1)]

        async def all_current() -> bool:  # the commit returned at 4 acks; the others follow
            return [p["current_copies"] for p in (await vol.describe())["protection_groups"]] == [6, 6]

        await eventually(all_current, 10, "six current copies")
        azs = {fleet.nodes()[n].az for n in d["protection_groups"][0]["members"]}
        assert azs == {"a", "b", "c"}
        fleet.kill_node("sn-b2")
        await vol.commit({(0, 1): page("x")})
        d = await vol.describe()
        assert d["protection_groups"][0]["current_copies"] == 5
        assert d["protection_groups"][0]["write_quorum"] is True
        await vol.close()
    run(go())


def test_malformed_frames_do_not_take_a_node_down(fleet):
    node = fleet.nodes()["sn-a1"]
    for junk in (b"\xff" * 64, b"\x10\x00\x00\x00" + b"\x00" * 20, wire.encode_frame(wire.WRITE, 1, {"x": 1})[:-3] + b"zzz"):
        with connect_raw(node.socket) as s:
            s.sendall(junk)
            s.shutdown(socket.SHUT_WR)
            s.settimeout(2)
            while s.recv(4096):
                pass
    # a well-formed request of an unknown type, and one with missing fields: error replies
    with pytest.raises(wire.RemoteError):
        wire.request_sync(node.socket, 99, {})
    with pytest.raises(wire.RemoteError):
        wire.request_sync(node.socket, wire.GET_PAGE, {"volume": 1})
    reply, _ = wire.request_sync(node.socket, wire.HELLO, {})
    assert reply["id"] == "sn-a1"


def test_free_ports_stay_out_of_the_range_outgoing_connections_take() -> None:
    # A port from the kernel's ephemeral range could be taken by an outgoing connection
    # before the endpoint that was given it binds it ("Address already in use").
    from aurora.engine.storage import fleet

    start = fleet._ephemeral_start()
    ports = [fleet.free_port() for _ in range(200)]
    assert len(set(ports)) == len(ports)
    if start - fleet._LOWEST_PORT > 1000:
        assert all(fleet._LOWEST_PORT <= p < start for p in ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))  # nothing holds it
