"""The one RPC (engine/rpc.py) in-process: a registry, typed arguments, errors by kind, and a
bug inside a handler reported as an internal error; and old cluster metadata still loading."""

from __future__ import annotations

import asyncio
import logging
import threading
from pathlib import Path
from typing import Any

import pytest

from aurora.engine import errors, rpc
from aurora.engine.control.api import OPERATIONS
from aurora.engine.control.clusters import ClusterSpec


class Target:
    def op_add(self, a: int, b: int = 1) -> dict[str, Any]:
        return {"sum": a + b}

    def op_names(self, names: list[str], region: str | None = None) -> list[str]:
        return [n.upper() for n in names] + ([region] if region else [])

    def op_missing(self, name: str) -> None:
        raise errors.NotFound(f"no {name}", hint="aurora list")

    def op_bug(self) -> None:
        len(5)  # type: ignore[arg-type]  # a TypeError inside the handler: a bug

    async def op_slow(self, seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds


REGISTRY = rpc.Registry([
    rpc.Operation("add", Target.op_add),
    rpc.Operation("names", Target.op_names),
    rpc.Operation("missing", Target.op_missing),
    rpc.Operation("bug", Target.op_bug),
    rpc.Operation("slow", Target.op_slow),
])


@pytest.fixture
def server(tmp_path: Path):
    path = tmp_path / "test.sock"
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop = asyncio.Event()

    async def main() -> None:
        srv = await rpc.Server(REGISTRY, Target(), "tester", logging.getLogger("tester"),
                               log_file=tmp_path / "process.log").start(path)
        started.set()
        await stop.wait()
        srv.close()
        await srv.wait_closed()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    assert started.wait(5)
    yield path
    loop.call_soon_threadsafe(stop.set)
    thread.join(5)
    loop.close()


def call(path: Path, op: str, **args: Any) -> Any:
    return rpc.request(path, op, args, timeout=5, peer="tester")


def test_results_and_typed_arguments(server: Path) -> None:
    assert call(server, "add", a=2) == {"sum": 3}
    assert call(server, "names", names=["a", "b"], region="r") == ["A", "B", "r"]
    assert call(server, "slow", seconds=0) == 0
    for args in ({"a": "2"}, {"a": True}, {}, {"a": 1, "c": 2}):
        with pytest.raises(errors.UsageError, match="bad request"):
            call(server, "add", **args)
    with pytest.raises(errors.UsageError, match="must be list"):
        call(server, "names", names=[1])
    with pytest.raises(errors.UsageError, match="unknown operation"):
        call(server, "op_add", a=1)


def test_errors_keep_their_kind_and_hint(server: Path) -> None:
    with pytest.raises(errors.NotFound) as info:
        call(server, "missing", name="x")
    assert info.value.message == "no x" and info.value.hint == "aurora list"


def test_a_bug_in_a_handler_is_an_internal_error(server: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, "tester"), pytest.raises(errors.InternalError) as info:
        call(server, "bug")
    assert info.value.message.startswith("internal error in tester: TypeError")
    assert "process.log" in (info.value.hint or "")
    assert "Traceback" in caplog.text


def test_a_missing_server_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(errors.Unavailable, match="tester is not running"):
        call(tmp_path / "nothing.sock", "add", a=1)


def test_every_aurorad_operation_is_registered_with_its_handler_and_result() -> None:
    for name, op in OPERATIONS.operations.items():
        assert op.handler.__name__ == f"op_{name}", name
        assert op.result is not None, name


def test_cluster_metadata_of_older_versions_loads() -> None:
    old = {"name": "x", "engine": "postgres", "region": "local-1", "volume": "vol-1", "writer_port": 1,
           "reader_port": 2, "master_username": "p", "database_name": "p",
           "instances": [{"id": "x-instance-1", "role": "writer", "az": "a", "port": 3,
                          "replication_port": 4, "promotion_tier": 1, "stopped": False}]}
    spec = ClusterSpec.from_toml(old)
    assert spec.writer is not None and spec.writer.port == 3
    assert "replication_port" not in spec.to_toml()["instances"][0]
