"""Only the owner of AURORA_HOME reaches a storage node.

Nodes listen on Unix sockets (0600) in 0700 folders of a 0700 home, on no TCP port; a
connection from another user is refused by the kernel, and, should a folder's mode be
loosened, closed by the node before it reads a byte (peer credentials). Either way the
stranger gets nothing and changes nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import psutil
import pytest
from storage_support import as_another_user, connect_raw, loosened, mode, open_volume, page, run

from aurora.engine.storage import wire

pytestmark = pytest.mark.integration


def test_nodes_listen_only_on_private_unix_sockets(fleet):
    home = fleet.layout.home
    assert mode(home) == 0o700
    for node in fleet.nodes().values():
        sock = Path(node.socket)
        assert stat.S_ISSOCK(os.lstat(sock).st_mode)
        assert mode(sock) == 0o600
        assert mode(sock.parent) == 0o700
        assert sock.is_relative_to(home)
        proc = psutil.Process(fleet.record(node.id).pid)
        assert proc.net_connections(kind="inet") == []  # no TCP port at all


def test_another_user_gets_nothing_and_changes_nothing(fleet):
    node = fleet.nodes()["sn-a1"]

    async def write() -> tuple[int, object]:
        vol = await open_volume(fleet)
        await vol.commit({(0, 1): page("mine")})
        await vol.close()
        return vol.id, vol.meta

    volume_id, meta = run(write())
    status = wire.request_sync(node.socket, wire.STATUS, {})[0]
    attacks = [
        wire.encode_frame(wire.DROP_SEGMENT, 1, {"volume": volume_id, "volume_deleted": True}),
        wire.encode_frame(wire.CONTROL, 2, {"partition": True}),
        wire.encode_frame(wire.HELLO, 3, {}),
    ]
    sock = Path(node.socket)
    for frame in attacks:
        # the node's folder is private: the kernel refuses the stranger
        assert as_another_user(node.socket, frame) == "PermissionError"
        with loosened([sock.parent]):  # and so is the socket
            assert as_another_user(node.socket, frame) == "PermissionError"
    with loosened([sock.parent, sock]):
        for frame in attacks:
            # reachable now, but the node checks who is calling and answers nothing
            assert as_another_user(node.socket, frame) in ("received 0 bytes", "ConnectionResetError",
                                                           "BrokenPipeError")
    # the node is up, not partitioned, and every copy and page is as it was
    after = wire.request_sync(node.socket, wire.STATUS, {})[0]
    assert after["pid"] == status["pid"] and after["partitioned"] is False
    assert [s for s in after["segments"] if s["volume"] == volume_id] == \
        [s for s in status["segments"] if s["volume"] == volume_id]

    async def read() -> bytes | None:
        vol = await open_volume(fleet, meta, writer=False)
        try:
            return await vol.read_page(0, 1)
        finally:
            await vol.close()

    assert run(read()) == page("mine")


def test_a_node_refuses_to_start_over_a_live_socket(fleet):
    from aurora.engine import localsock

    node = fleet.nodes()["sn-b1"]
    with pytest.raises(OSError, match="another process listens"):
        localsock.claim(Path(node.socket))
    with connect_raw(node.socket) as s:  # and the live node still serves
        s.sendall(wire.encode_frame(wire.HELLO, 1, {}))
        assert s.recv(65536)
