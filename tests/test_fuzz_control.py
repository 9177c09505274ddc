"""Malformed requests on the control sockets: aurorad's (a real daemon in a temporary
AURORA_HOME) and a writer instance's, from a seeded generator of JSON lines gone wrong.

Every input goes on its own connection. A complete line must get one JSON error line back
(never a traceback, never an internal error: request parsing is not a handler's bug); a
partial line followed by a close gets that or nothing. The process stays up, a well-behaved
request works between batches, and nothing under AURORA_HOME changes. Each test runs for a
time budget and prints how many inputs it tried (``-s``). ``FUZZ_SEED`` replays a run.
"""

from __future__ import annotations

import json
import os
import random
import socket
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from instance_support import Cluster, cluster_fixture

from aurora.engine.control.api import OPERATIONS
from aurora.engine.control.client import ControlClient
from aurora.engine.layout import Layout, unix_socket_path

pytestmark = pytest.mark.timeout(180)

SEED = int(os.environ.get("FUZZ_SEED", "20261201"))
BUDGET = float(os.environ.get("FUZZ_SECONDS", "20"))
INSTANCE_BUDGET = float(os.environ.get("FUZZ_INSTANCE_SECONDS", "8"))
REPLY_DEADLINE = 5.0

cluster = cluster_fixture

# aurorad's operations and their required arguments, read from its registry of operations.
OPS = {
    name.replace("_", "-"): [p.name for p in op.params if p.required]
    for name, op in OPERATIONS.operations.items()
}
# Operations that only read: the only ones sent well-formed arguments of the wrong type.
READ_ONLY = ["ping", "daemon-status", "list", "describe", "endpoints", "url", "events", "log-path"]
ODD_VALUES: list[object] = [None, True, 0, -1, 2**70, 1.5, "", "x" * 300, "../../etc", [], [1, "a"],
                            {}, {"a": {"b": []}}, "\u0000", "\udcff".encode("utf-8", "surrogatepass")
                            .decode("utf-8", "replace")]


@dataclass
class Case:
    name: str
    payload: bytes
    complete: bool = True  # ends with a newline: a reply is owed
    abrupt: bool = False  # reset right after sending


def line(obj: object) -> bytes:
    return json.dumps(obj).encode() + b"\n"


def junk_line(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n).replace(b"\n", b" ") + b"\n"


def nested(depth: int, rng: random.Random) -> bytes:
    opener, closer = rng.choice([(b"[", b"]"), (b'{"a":', b"}")])
    return opener * depth + b"1" + closer * depth


def generate(rng: random.Random, ops: list[str], read_only: list[str],
             required: Callable[[str], list[str]]) -> Case:
    choice = rng.randrange(18)
    if choice == 0:
        return Case("not JSON", junk_line(rng, rng.randint(1, 200)))
    if choice == 1:
        return Case("invalid UTF-8", b'{"op": "pi\xffng", "args": {}}\n')
    if choice == 2:
        return Case("not an object", line(rng.choice([[], [1, 2], 5, "ping", None, True, 1.5])))
    if choice == 3:
        return Case("op missing or not a string",
                    line(rng.choice([{}, {"args": {}}, {"op": rng.choice(ODD_VALUES)}])))
    if choice == 4:
        name = rng.choice(["", "nope", "__init__", "op_ping", "PING", "ping ", "shutdown\u0000",
                           rng.randbytes(8).hex()])
        return Case("unknown op", line({"op": name, "args": {}}))
    if choice == 5:  # a bogus extra argument: refused before the handler runs, whatever it does
        return Case("extra arg", line({"op": rng.choice(ops), "args": {"zz_bogus": 1}}))
    if choice == 6:  # every required argument missing
        needy = [o for o in ops if required(o)] or ops
        return Case("missing args", line({"op": rng.choice(needy), "args": {}}))
    if choice == 7:  # wrong types for the arguments of an operation that only reads
        op = rng.choice(read_only)
        args = {n: rng.choice(ODD_VALUES) for n in required(op)}
        return Case(f"wrong types {op}", line({"op": op, "args": args}))
    if choice == 8:
        return Case("args not an object",
                    line({"op": "ping", "args": rng.choice([[], "x", 1, None, [["a", 1]]])}))
    if choice == 9:  # nested junk, deep enough to break a recursive parser
        depth = rng.choice([50, 1000, 20_000, 30_000])
        return Case(f"nested {depth}", b'{"op": "ping", "args": {"x": ' + nested(depth, rng) + b"}}\n")
    if choice == 10:  # one huge line
        size = rng.choice([70_000, 300_000, 2_000_000])
        return Case(f"huge line {size}", b'{"op": "ping", "args": {"x": "' + b"a" * size + b'"}}\n')
    if choice == 11:  # a partial line, then EOF or a reset
        whole = line({"op": "ping", "args": {}})
        return Case("partial line", whole[: rng.randrange(len(whole) - 1)], complete=False,
                    abrupt=rng.random() < 0.5)
    if choice == 12:
        return Case("empty line", rng.choice([b"\n", b"\r\n", b"   \n"]))
    if choice == 13:  # more than one line: the first is answered, the rest ignored
        return Case("two lines", line({"op": "ping", "args": {}}) + junk_line(rng, 30))
    if choice == 14:
        return Case("huge numbers", rng.choice([b'{"op": 1e999}\n', b'{"op": ' + b"9" * 5000 + b"}\n",
                                                b'{"op": "ping", "args": {"x": NaN}}\n']))
    if choice == 15:
        return Case("duplicate keys", b'{"op": "ping", "op": "nope", "args": {}, "args": []}\n')
    if choice == 16:  # a huge line with no newline at all, then EOF
        return Case("huge partial", b"[" * 200_000, complete=False)
    return Case("random bytes", rng.randbytes(rng.randint(1, 100)), complete=False)


def send(path: Path, case: Case) -> tuple[bytes, bool]:
    """The bytes that came back and whether the server closed within the deadline."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(REPLY_DEADLINE)
        s.connect(unix_socket_path(path))
        try:
            s.sendall(case.payload)
        except (BrokenPipeError, ConnectionResetError):
            return b"", True  # refused before it had read everything: fine
        if case.abrupt:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return b"", True
        s.shutdown(socket.SHUT_WR)
        data = b""
        deadline = time.monotonic() + REPLY_DEADLINE
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            except ConnectionResetError:
                return data, True
            if not chunk:
                return data, True
            data += chunk
        return data, False


def check(case: Case, data: bytes, closed: bool, error_kinds: set[type]) -> dict:
    assert closed, "no close within the deadline"
    assert b"Traceback" not in data and b'File "' not in data, data[:300]
    if not data:
        assert not case.complete or case.abrupt, "no reply to a complete line"
        return {}
    assert data.endswith(b"\n") and data.count(b"\n") == 1, data[:300]
    reply = json.loads(data)
    assert isinstance(reply, dict) and reply.get("ok") in (True, False), reply
    if reply["ok"]:
        return reply
    assert type(reply.get("error")) in error_kinds, reply
    text = json.dumps(reply["error"])
    assert "internal error" not in text, reply
    return reply


def fuzz(path: Path, budget: float, gen: Callable[[random.Random], Case],
         error_kinds: set[type], healthy: Callable[[], None]) -> int:
    rng = random.Random(SEED)
    inputs = 0
    failures: dict[str, str] = {}
    end = time.monotonic() + budget
    while time.monotonic() < end:
        for _ in range(20):
            case = gen(rng)
            try:
                data, closed = send(path, case)
                check(case, data, closed, error_kinds)
            except (AssertionError, ValueError, OSError) as exc:
                failures.setdefault(case.name, f"input {inputs} {case.payload[:100]!r}: "
                                    f"{type(exc).__name__}: {str(exc)[:300]}")
            inputs += 1
        healthy()
    assert not failures, f"seed {SEED}: " + "\n".join(f"{k}: {v}" for k, v in failures.items())
    return inputs


def home_snapshot(home: Path) -> dict[str, int]:
    """Every file under AURORA_HOME but logs, sockets and pid records, with its size."""
    return {str(f.relative_to(home)): f.stat().st_size for f in sorted(home.rglob("*"))
            if f.is_file() and f.suffix not in (".log", ".sock") and f.name != "pid"}


@pytest.fixture
def daemon(aurora_home: Layout) -> Iterator[ControlClient]:
    client = ControlClient(aurora_home)
    client.ensure_daemon()
    yield client
    try:
        client.call("shutdown", timeout=5.0)
    except Exception:
        pass  # the aurora_home fixture kills what is left


def test_fuzz_aurorad_control_socket(daemon: ControlClient) -> None:
    layout = daemon.layout
    pid = daemon.call("ping")["pid"]
    before = home_snapshot(layout.home)
    listed = daemon.call("list")
    ops = sorted(OPS)

    def healthy() -> None:
        assert daemon.call("ping")["pid"] == pid

    inputs = fuzz(layout.control_socket, BUDGET,
                  lambda rng: generate(rng, ops, READ_ONLY, lambda op: OPS[op]), {dict}, healthy)
    print(f"\naurorad control socket: {inputs} inputs in {BUDGET:.0f}s, seed {SEED}")
    assert daemon.call("list") == listed
    assert home_snapshot(layout.home) == before
    log = (layout.daemon_dir / "process.log").read_text()
    bugs = [ln for ln in log.splitlines() if "Traceback" in ln or "exception" in ln.lower()]
    assert not bugs, bugs[:5]
    assert inputs > 200


def test_fuzz_instance_control_socket(cluster: Cluster) -> None:
    writer = cluster.writer
    path = Layout.instance_control_socket(writer.dir)
    before = writer.status()
    ops = ["status"]

    def healthy() -> None:
        assert writer.alive() and writer.status().get("role") == "writer"

    def gen(rng: random.Random) -> Case:
        case = generate(rng, ops, ops, lambda op: [])
        # "promote" on the writer is a no-op, but a fuzzer has no business sending it valid
        assert b'"promote"' not in case.payload
        return case

    inputs = fuzz(path, INSTANCE_BUDGET, gen, {dict}, healthy)
    print(f"\ninstance control socket: {inputs} inputs in {INSTANCE_BUDGET:.0f}s, seed {SEED}")
    assert writer.status()["role"] == before["role"]
    log = writer.log_file.read_text()
    bugs = [ln for ln in log.splitlines() if "Traceback" in ln or "exception" in ln.lower()]
    assert not bugs, bugs[:5]


def test_malformed_requests_get_a_usage_error(daemon: ControlClient) -> None:
    # Each of these used to escape the handler (AttributeError, RecursionError, the stream's
    # ValueError): the connection closed with no reply and aurorad logged a traceback.
    for payload in (b'{"op": 5}\n', b'{"op": "ping", "args": null}\n', b"[" * 5000 + b"\n",
                    b'{"op": "ping", "args": {"x": "' + b"a" * 200_000 + b'"}}\n'):
        data, closed = send(daemon.layout.control_socket, Case("focused", payload))
        reply = check(Case("focused", payload), data, closed, {dict})
        assert reply["error"]["kind"] == "UsageError", reply
        assert reply["error"]["message"].startswith("malformed request"), reply
    assert daemon.call("ping")
