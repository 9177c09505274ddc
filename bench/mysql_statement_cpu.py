"""CPU per sysbench transaction on the instance side of the MySQL edition, in one process.

    python bench/mysql_statement_cpu.py                  # 2,000 rows, 300 transactions, 5 rounds
    python bench/mysql_statement_cpu.py --profile rw     # cProfile of the read-write loop

Drives a real ``mywire.Backend`` (COM_STMT_PREPARE / COM_STMT_EXECUTE packets as
libmariadb sends them, binary result rows) over a real ``MySqlSession`` on the instance's
VFS (``VolumeVFS``, with a memory page store in place of the storage nodes: a query run
again goes straight to its plan in the kept read transaction, as on an instance), with
sysbench's statements:
oltp_read_write's transaction (BEGIN, 10 point selects, 4 range selects, 2 UPDATEs, DELETE,
INSERT, COMMIT) and oltp_point_select's one select in autocommit. The baseline, in the same
run, is the same SQLite statements on bare APSW: the floor that no front end goes below.
The storage nodes are not in this loop; only what the MySQL front end, the SQL layer and
the VFS add. Prints CPU µs per transaction (process_time) per round, and the ratio to
the floor, then one line: RESULT rw_us=... point_us=... rw_floor_us=... point_floor_us=...
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import struct
import sys
import tempfile
import time
from pathlib import Path

import apsw

from aurora.engine.instance.vfs import VolumeVFS
from aurora.engine.mywire import protocol as p
from aurora.engine.mywire.backend import Backend
from aurora.engine.sql import Session
from aurora.engine.sql.mysql import MySqlSession
from aurora.engine.storage.pagestore import MemoryPageStore

MYSQL_TYPE_LONG, MYSQL_TYPE_STRING = 3, 254
# The capability flags sysbench's libmariadb answers the handshake with: no
# CLIENT_DEPRECATE_EOF, so a result's column list and its rows each end with an EOF packet.
LIBMARIADB_CAPABILITIES = 0xBFA28D
STATEMENTS = {
    "begin": ("BEGIN", ()),
    "commit": ("COMMIT", ()),
    "point": ("SELECT c FROM sbtest1 WHERE id=?", ("i",)),
    "simple": ("SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?", ("i", "i")),
    "sum": ("SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?", ("i", "i")),
    "order": ("SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", ("i", "i")),
    "distinct": ("SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c", ("i", "i")),
    "index_update": ("UPDATE sbtest1 SET k=k+1 WHERE id=?", ("i",)),
    "non_index_update": ("UPDATE sbtest1 SET c=? WHERE id=?", ("s", "i")),
    "delete": ("DELETE FROM sbtest1 WHERE id=?", ("i",)),
    "insert": ("INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)", ("i", "i", "s", "s")),
}


def _value(kind: str, v: object) -> bytes:
    if kind == "i":
        return struct.pack("<i", v)
    data = str(v).encode()
    return p.lenenc_str(data)


class Client:
    """Packets in, packets out: what a libmariadb client sends, answered by a Backend."""

    def __init__(self, session: MySqlSession) -> None:
        self.inbox: list[bytes] = []
        self.sent = 0
        self.backend = Backend(session, self._receive, self._send,
                               p.SERVER_CAPABILITIES & LIBMARIADB_CAPABILITIES, connection_id=1)
        self.ids: dict[str, int] = {}
        self.typed: set[str] = set()

    def _receive(self) -> tuple[bytes, int] | None:
        return (self.inbox.pop(), 0) if self.inbox else None

    def _send(self, data: bytes) -> None:
        self.sent += len(data)
        if b"\xff" in data[4:5]:
            raise RuntimeError(f"error from the backend: {data[4:]!r}")

    def command(self, payload: bytes) -> None:
        self.inbox.append(payload)
        self.backend.run()

    def prepare(self) -> None:
        for n, (name, (sql, _kinds)) in enumerate(STATEMENTS.items(), 1):
            self.command(bytes([p.COM_STMT_PREPARE]) + sql.encode())
            self.ids[name] = n

    def execute(self, name: str, *values: object) -> None:
        kinds = STATEMENTS[name][1]
        out = bytearray([p.COM_STMT_EXECUTE]) + struct.pack("<IBI", self.ids[name], 0, 1)
        if kinds:
            out += bytes((len(kinds) + 7) // 8)
            if name in self.typed:  # libmariadb sends the types with the first execute only
                out.append(0)
            else:
                self.typed.add(name)
                out.append(1)
                for k in kinds:
                    out += struct.pack("<BB", MYSQL_TYPE_LONG if k == "i" else MYSQL_TYPE_STRING, 0)
            for k, v in zip(kinds, values, strict=True):
                out += _value(k, v)
        self.command(bytes(out))


class Floor:
    """The same statements on bare APSW: SQLite's own cost."""

    SQL = {
        "begin": "BEGIN IMMEDIATE", "commit": "COMMIT",
        "point": "SELECT c FROM sbtest1 WHERE id=?",
        "simple": "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ?",
        "sum": "SELECT SUM(k) FROM sbtest1 WHERE id BETWEEN ? AND ?",
        "order": "SELECT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
        "distinct": "SELECT DISTINCT c FROM sbtest1 WHERE id BETWEEN ? AND ? ORDER BY c",
        "index_update": "UPDATE sbtest1 SET k=k+1 WHERE id=?",
        "non_index_update": "UPDATE sbtest1 SET c=? WHERE id=?",
        "delete": "DELETE FROM sbtest1 WHERE id=?",
        "insert": "INSERT INTO sbtest1 (id, k, c, pad) VALUES (?, ?, ?, ?)",
    }  # fmt: skip

    def __init__(self, conn: apsw.Connection) -> None:
        self.cur = conn.cursor()

    def execute(self, name: str, *values: object) -> None:
        self.cur.execute(self.SQL[name], values).fetchall()


def open_instance():
    """Sessions as the instance opens them: on the instance's VFS (a memory page store in
    place of the storage nodes), whose kept read transaction lets a query run again go
    straight to its plan."""
    files: dict[str, int] = {"mysql": 1}
    vfs = VolumeVFS(MemoryPageStore(), files)

    def create(name: str) -> None:
        files[name] = max(files.values()) + 1

    def open_session(name: str) -> Session:
        conn = vfs.connect(name)
        return Session(conn, user="admin", database=name, create_database=create,
                       drop_database=files.pop, list_databases=lambda: sorted(files),
                       data_version=vfs.read_lsn, read_snapshot=vfs.read_snapshot(conn))

    return open_session, files, vfs


def setup(folder: Path, rows: int) -> tuple[MySqlSession, apsw.Connection, VolumeVFS]:
    open_session, files, vfs = open_instance()
    s = MySqlSession(open_session, user="admin", database=None, connection_id=1,
                     instance_id="bench-1", read_only=False, list_databases=lambda: sorted(files))
    s.execute("CREATE DATABASE sbtest")
    s.execute("USE sbtest")
    s.execute("CREATE TABLE sbtest1(id INTEGER NOT NULL AUTO_INCREMENT, k INTEGER DEFAULT '0' "
              "NOT NULL, c CHAR(120) DEFAULT '' NOT NULL, pad CHAR(60) DEFAULT '' NOT NULL, "
              "PRIMARY KEY (id)) /*! ENGINE = innodb */")
    rnd = random.Random(1)
    for start in range(1, rows + 1, 500):
        values = ", ".join(
            f"({i}, {rnd.randint(1, rows)}, '{_c(rnd)}', '{_c(rnd)[:59]}')"
            for i in range(start, min(start + 500, rows + 1))
        )
        s.execute(f"INSERT INTO sbtest1(id, k, c, pad) VALUES {values}")
    s.execute("CREATE INDEX k_1 ON sbtest1(k)")
    floor = apsw.Connection(str(folder / "floor.db"))
    floor.execute("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF")
    floor.execute("CREATE TABLE sbtest1 (id INTEGER PRIMARY KEY, k INTEGER NOT NULL DEFAULT 0, "
                  "c TEXT NOT NULL DEFAULT '', pad TEXT NOT NULL DEFAULT '')")
    floor.executemany("INSERT INTO sbtest1 VALUES (?, ?, ?, ?)",
                      s.execute("SELECT id, k, c, pad FROM sbtest1").rows)
    floor.execute("CREATE INDEX k_1 ON sbtest1(k)")
    return s, floor, vfs


def _c(rnd: random.Random) -> str:
    return "-".join(f"{rnd.randrange(10**11):011d}" for _ in range(10))


def read_write(client, rnd: random.Random, rows: int) -> None:
    ex = client.execute
    ex("begin")
    for _ in range(10):
        ex("point", rnd.randint(1, rows))
    for name in ("simple", "sum", "order", "distinct"):
        a = rnd.randint(1, rows - 100)
        ex(name, a, a + 99)
    ex("index_update", rnd.randint(1, rows))
    ex("non_index_update", _c(rnd), rnd.randint(1, rows))
    i = rnd.randint(1, rows)
    ex("delete", i)
    ex("insert", i, rnd.randint(1, rows), _c(rnd), _c(rnd)[:59])
    ex("commit")


def point_select(client, rnd: random.Random, rows: int) -> None:
    client.execute("point", rnd.randint(1, rows))


def cpu_us(fn, client, n: int, rows: int, seed: int) -> float:
    rnd = random.Random(seed)
    t0 = time.process_time()
    for _ in range(n):
        fn(client, rnd, rows)
    return (time.process_time() - t0) / n * 1e6


def _memory_folder() -> str | None:
    """tmpfs when there is one: the benchmark is about CPU, not the disk."""
    return "/dev/shm" if Path("/dev/shm").is_dir() else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--transactions", type=int, default=300)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--profile", choices=("rw", "point"))
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="mysql-cpu-", dir=_memory_folder()) as tmp:
        session, conn, vfs = setup(Path(tmp), args.rows)
        try:
            run(session, conn, args)
        finally:
            session.close()
            vfs.close()
    return 0


def run(session: MySqlSession, conn: apsw.Connection, args: argparse.Namespace) -> None:
    client = Client(session)
    client.prepare()
    floor = Floor(conn)
    for fn in (read_write, point_select):  # warm every cache
        cpu_us(fn, client, 20, args.rows, 0)
        cpu_us(fn, floor, 20, args.rows, 0)
    if args.profile:
        fn = read_write if args.profile == "rw" else point_select
        prof = cProfile.Profile()
        prof.enable()
        cpu_us(fn, client, args.transactions, args.rows, 1)
        prof.disable()
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(40)
        return
    got: dict[str, list[float]] = {"rw": [], "point": [], "rw_floor": [], "point_floor": []}
    n_point = args.transactions * 10
    for r in range(args.rounds):  # interleaved: A B A B
        got["rw"].append(cpu_us(read_write, client, args.transactions, args.rows, r))
        got["rw_floor"].append(cpu_us(read_write, floor, args.transactions, args.rows, r))
        got["point"].append(cpu_us(point_select, client, n_point, args.rows, r))
        got["point_floor"].append(cpu_us(point_select, floor, n_point, args.rows, r))
    for key in ("rw", "point"):
        v, f = got[key], got[key + "_floor"]
        print(f"{key:6} aurora {min(v):8.1f}-{max(v):8.1f} µs   bare SQLite {min(f):7.1f}-"
              f"{max(f):7.1f} µs   ratio {statistics.median(v) / statistics.median(f):5.1f}x")
    print("RESULT " + " ".join(f"{k}_us={statistics.median(v):.1f}" for k, v in got.items()))


if __name__ == "__main__":
    sys.exit(main())
