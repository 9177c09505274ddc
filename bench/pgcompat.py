"""Replay PostgreSQL 15's own regression SQL on stock PostgreSQL and on an aurora writer.

    python bench/pgcompat.py                      # the default files, a table and a RESULT line
    python bench/pgcompat.py --files numeric,date --json /tmp/stmts.jsonl
    python bench/pgcompat.py --cache-dir ~/.cache/aurora-pgcompat   # keep the download

The regression files are PostgreSQL's: they are fetched at run time from Debian's
``postgresql-15`` source package (``apt-get source --download-only`` with a temporary sources
list, lists and cache, so the machine's apt state is untouched) into a temporary folder, or
into ``--cache-dir``. Each file runs in a fresh database of each server, after
``test_setup.sql`` (not counted), split into statements the way psql splits them. A statement
matches when both servers answer the same rows (in the same order when it has ORDER BY, else
as multisets; values as the text psql prints) and the same command tag, or both fail with the
same SQLSTATE class.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from psycopg.adapt import Loader
from psycopg.postgres import types as pg_types

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from stock_postgres import stock_postgres

from aurora.engine.instance.runner import InstanceProcess, free_port
from aurora.engine.layout import DEFAULT_REGION, Layout
from aurora.engine.storage.catalog import Catalog
from aurora.engine.storage.fleet import Fleet

FILES = (  # the everyday topics: types, the SELECT family, DML, joins, windows, views
    "boolean", "char", "varchar", "text", "int2", "int4", "int8", "float4", "float8",
    "numeric", "strings", "date", "time", "timestamp", "timestamptz", "interval", "json",
    "jsonb", "uuid", "arrays", "case", "select", "select_distinct", "select_having",
    "select_implicit", "insert", "insert_conflict", "update", "delete", "returning", "join",
    "subselect", "aggregates", "window", "with", "union", "limit", "sequence", "transactions",
    "truncate", "create_view",
)
SOURCES = (
    "deb-src http://deb.debian.org/debian bookworm main\n"
    "deb-src http://deb.debian.org/debian-security bookworm-security main\n"
)
TIMEOUT = 5.0
PASSWORD = "pgcompat-password"


# -- the regression files -------------------------------------------------------------------

def _apt(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    opts = [
        f"Dir::Etc::SourceList={work}/sources.list", f"Dir::Etc::SourceParts={work}/parts",
        f"Dir::State::Lists={work}/lists", f"Dir::Cache={work}/cache",
        "Debug::NoLocking=1", "APT::Sandbox::User=root",
    ]
    cmd = ["apt-get", "-q"] + [x for o in opts for x in ("-o", o)] + list(args)
    return subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=600)


def fetch_regress(dest: Path) -> Path:
    """``src/test/regress`` (sql/ and data/) of postgresql-15 under ``dest``, downloaded once."""
    found = sorted(dest.glob("postgresql-15*/src/test/regress/sql/test_setup.sql"))
    if found:
        return found[-1].parent.parent
    work = dest / "apt"
    for sub in ("parts", "lists/partial", "cache/archives/partial"):
        (work / sub).mkdir(parents=True, exist_ok=True)
    (work / "sources.list").write_text(SOURCES)
    r = _apt(work, "update")
    if r.returncode != 0:
        raise SystemExit(f"apt-get update failed:\n{r.stderr}")
    installed = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "postgresql-15"],
                               capture_output=True, text=True).stdout.strip()
    # The installed version first (the stock server's own tests), then whatever is there.
    for spec in ([f"postgresql-15={installed}"] if installed else []) + ["postgresql-15"]:
        r = _apt(work, "source", "--download-only", spec)
        if r.returncode == 0:
            break
    else:
        raise SystemExit(f"apt-get source failed:\n{r.stderr}")
    tarball = next(work.glob("postgresql-15_*.orig.tar.*"))
    with tarfile.open(tarball) as tar:
        members = [m for m in tar.getmembers()
                   if re.search(r"/src/test/regress/(sql|data)/[^/]+$", m.name) and m.isfile()]
        tar.extractall(dest, members=members, filter="data")
    shutil.rmtree(work, ignore_errors=True)
    return next(dest.glob("postgresql-15*/src/test/regress"))


# -- splitting the way psql does --------------------------------------------------------------

@dataclass
class Statement:
    line: int
    sql: str
    copy_data: str | None = None     # COPY ... FROM STDIN: the data block (or a file's text)


_IDENT = re.compile(r"[A-Za-z_\x80-\uffff][A-Za-z_0-9$\x80-\uffff]*")
_DOLLAR = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z_0-9\x80-\uffff]*)?\$")
_COPY_STDIN = re.compile(r"^\s*copy\b.*\bfrom\s+std(in|out)\b", re.I | re.S)
_COPY_STDOUT = re.compile(r"^\s*copy\b.*\bto\s+stdout\b", re.I | re.S)
_COPY_FILE = re.compile(r"^\s*copy\s+(.*?)\s+from\s+'([^']*)'(.*)$", re.I | re.S)


def _meta_args(rest: str, variables: dict[str, str]) -> list[str]:
    out = []
    for m in re.finditer(r"'((?:[^']|'')*)'|:'(\w+)'|:(\w+)|(\S+)", rest):
        if m.group(1) is not None:
            out.append(m.group(1).replace("''", "'"))
        elif m.group(2) or m.group(3):
            out.append(variables.get(m.group(2) or m.group(3), ""))
        else:
            out.append(m.group(4))
    return out


def split_statements(text: str, env: dict[str, str]) -> Iterator[Statement]:
    """psql's statements of ``text``: meta-commands run (\\set, \\getenv) or are skipped."""
    variables: dict[str, str] = {}
    lines = text.split("\n")
    buf: list[str] = []
    start = 0
    depth = 0
    state = None          # None, "'", "e'", '"', "/*", or a dollar tag
    comment_depth = 0
    i = 0
    while i < len(lines):
        line = lines[i]
        j = 0
        out = []
        while j < len(line):
            c = line[j]
            if state == "'" or state == "e'":
                if state == "e'" and c == "\\":
                    out.append(line[j:j + 2])
                    j += 2
                    continue
                if c == "'":
                    if line[j + 1:j + 2] == "'":
                        out.append("''")
                        j += 2
                        continue
                    state = None
                out.append(c)
                j += 1
                continue
            if state == '"':
                if c == '"':
                    state = None
                out.append(c)
                j += 1
                continue
            if state == "/*":
                if line.startswith("*/", j):
                    comment_depth -= 1
                    out.append("*/")
                    j += 2
                    if comment_depth == 0:
                        state = None
                    continue
                if line.startswith("/*", j):
                    comment_depth += 1
                    out.append("/*")
                    j += 2
                    continue
                out.append(c)
                j += 1
                continue
            if state is not None:          # inside a dollar quote
                if line.startswith(state, j):
                    out.append(state)
                    j += len(state)
                    state = None
                    continue
                out.append(c)
                j += 1
                continue
            if line.startswith("--", j):
                if buf or "".join(out).strip():
                    out.append(line[j:])
                break
            if line.startswith("/*", j):
                state, comment_depth = "/*", 1
                out.append("/*")
                j += 2
                continue
            prev = line[j - 1] if j else " "
            if c == "'":
                state = "e'" if prev in "eE" and (j < 2 or not re.match(r"\w", line[j - 2])) \
                    else "'"
                out.append(c)
                j += 1
                continue
            if c == '"':
                state = '"'
                out.append(c)
                j += 1
                continue
            if c == "$" and not re.match(r"\w", prev):
                m = _DOLLAR.match(line, j)
                if m:
                    state = m.group(0)
                    out.append(state)
                    j = m.end()
                    continue
            if c == ":":
                if line.startswith("::", j):
                    out.append("::")
                    j += 2
                    continue
                m = re.match(r":(['\"]?)(\w+)\1", line[j:])
                if m and m.group(2) in variables:
                    value = variables[m.group(2)]
                    if m.group(1) == "'":
                        value = "'" + value.replace("'", "''") + "'"
                    elif m.group(1) == '"':
                        value = '"' + value.replace('"', '""') + '"'
                    out.append(value)
                    j += m.end()
                    continue
            if c == "(":
                depth += 1
            elif c == ")":
                depth = max(0, depth - 1)
            elif c == "\\":
                # a meta-command: the rest of the line
                cmd, _, rest = line[j + 1:].partition(" ")
                pending = "\n".join([*buf, "".join(out)]).strip()
                if cmd.startswith("g") and pending:
                    yield Statement(start + 1, pending)
                    buf, out, depth = [], [], 0
                elif cmd == "set":
                    args = _meta_args(rest, variables)
                    if args:
                        variables[args[0]] = "".join(args[1:])
                elif cmd == "getenv":
                    args = _meta_args(rest, variables)
                    if len(args) == 2:
                        variables[args[0]] = env.get(args[1], "")
                elif cmd == "unset":
                    args = _meta_args(rest, variables)
                    if args:
                        variables.pop(args[0], None)
                j = len(line)
                continue
            elif c == ";" and depth == 0:
                out.append(";")
                sql = "\n".join([*buf, "".join(out)]).strip()
                buf, out = [], []
                data = None
                if _COPY_STDIN.match(sql):
                    rows = []
                    i += 1
                    while i < len(lines) and lines[i] != "\\.":
                        rows.append(lines[i] + "\n")
                        i += 1
                    data = "".join(rows)
                    yield Statement(start + 1, sql, data)
                    j = len(line)
                    start = i + 1
                    break
                yield Statement(start + 1, sql, data)
                j += 1
                rest = line[j:]
                if not rest.strip():
                    j = len(line)
                start = i
                continue
            if not buf and not "".join(out).strip() and not c.isspace():
                start = i
            out.append(c)
            j += 1
        piece = "".join(out)
        if buf or piece.strip():
            buf.append(piece)
        i += 1
    tail = "\n".join(buf).strip()
    if tail:
        yield Statement(start + 1, tail)


# -- running a statement ---------------------------------------------------------------------

class _Text(Loader):
    """Every value as the text the server sent, which is what psql prints."""

    def load(self, data: bytes | bytearray | memoryview) -> str:
        return bytes(data).decode("utf-8", "replace")


def _text_loaders(conn: psycopg.Connection) -> None:
    for t in pg_types:
        conn.adapters.register_loader(t.oid, _Text)
        if t.array_oid:
            conn.adapters.register_loader(t.array_oid, _Text)


@dataclass
class Outcome:
    ok: bool = False
    sqlstate: str | None = None
    message: str | None = None
    tag: str | None = None
    rows: list[tuple[str | None, ...]] | None = None
    timeout: bool = False

    def brief(self) -> dict[str, object]:
        d: dict[str, object] = {"ok": self.ok, "tag": self.tag}
        if not self.ok:
            d.update(sqlstate=self.sqlstate, message=self.message, timeout=self.timeout)
        if self.rows is not None:
            d["rows"] = self.rows[:20]
            d["nrows"] = len(self.rows)
        return d


def _execute(conn: psycopg.Connection, stmt: Statement, data_dir: Path) -> Outcome:
    sql, data = stmt.sql, stmt.copy_data
    m = _COPY_FILE.match(sql)
    if m and data is None:               # psql's \copy: the client reads the file
        path = Path(m.group(2))
        if not path.is_absolute():
            path = data_dir / path
        with contextlib.suppress(OSError):
            data = path.read_text()
        sql = f"COPY {m.group(1)} FROM STDIN{m.group(3)}"
    cur = conn.cursor()
    try:
        if _COPY_STDIN.match(sql):
            with cur.copy(sql) as copy:
                copy.write(data or "")
        elif _COPY_STDOUT.match(sql):
            with cur.copy(sql) as copy:
                out = b"".join(bytes(b) for b in copy).decode("utf-8", "replace")
            return Outcome(ok=True, tag=cur.statusmessage,
                           rows=[(line,) for line in out.splitlines()])
        else:
            cur.execute(sql.encode(), prepare=False)  # type: ignore[call-overload]
        rows = None
        if cur.description is not None:
            rows = [tuple(r) for r in cur.fetchall()]
            while cur.nextset():
                rows = [tuple(r) for r in cur.fetchall()] if cur.description else rows
        return Outcome(ok=True, tag=cur.statusmessage, rows=rows)
    except psycopg.Error as e:
        if conn.info.transaction_status == psycopg.pq.TransactionStatus.ACTIVE:
            conn.close()  # stuck in a protocol state (a COPY): the side reconnects
        diag = getattr(e, "diag", None)
        return Outcome(sqlstate=getattr(diag, "sqlstate", None) or getattr(e, "sqlstate", None),
                       message=(getattr(diag, "message_primary", None) or str(e))[:300])
    finally:
        with contextlib.suppress(Exception):
            cur.close()


class Side:
    """One server's connection to the database of the current file, with a watchdog."""

    def __init__(self, name: str, dsn_for: Callable[[str], str],
                 restart: Callable[[], None] | None = None) -> None:
        self.name = name
        self.dsn_for = dsn_for
        self.restart = restart
        self.conn: psycopg.Connection | None = None
        self.db = "postgres"

    def connect(self, db: str) -> None:
        self.close()
        self.db = db
        self.conn = psycopg.connect(self.dsn_for(db), autocommit=True, connect_timeout=30)
        _text_loaders(self.conn)

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None

    def run(self, stmt: Statement, data_dir: Path) -> Outcome:
        if self.conn is None or self.conn.closed:
            try:
                self.connect(self.db)
            except psycopg.Error as e:
                return Outcome(sqlstate="08006", message=str(e)[:300])
        conn = self.conn
        box: list[Outcome] = []
        worker = threading.Thread(target=lambda: box.append(_execute(conn, stmt, data_dir)),
                                  daemon=True)
        worker.start()
        worker.join(TIMEOUT)
        if not box:
            with contextlib.suppress(Exception):
                conn.cancel_safe(timeout=2)
            worker.join(5)
            if not box:
                # It does not answer a cancel: start the server again.
                if self.restart is not None:
                    self.restart()
                self.conn = None
                worker.join(5)
            return Outcome(sqlstate="57014", message="timeout", timeout=True)
        return box[0]


def _ordered(sql: str) -> bool:
    return re.search(r"\border\s+by\b", sql, re.I) is not None


def same(sql: str, a: Outcome, b: Outcome) -> bool:
    if not a.ok or not b.ok:
        return (not a.ok and not b.ok and a.sqlstate is not None and b.sqlstate is not None
                and a.sqlstate[:2] == b.sqlstate[:2])
    if a.rows is None or b.rows is None:
        return a.rows is None and b.rows is None and a.tag == b.tag
    if a.tag != b.tag:
        return False
    if _ordered(sql):
        return a.rows == b.rows
    key = repr
    return sorted(a.rows, key=key) == sorted(b.rows, key=key)


# -- the servers ------------------------------------------------------------------------------

class Aurora:
    """A writer on a six-node fleet in a temporary AURORA_HOME."""

    def __init__(self, home: Path) -> None:
        os.environ["AURORA_HOME"] = str(home)
        self.layout = Layout(home)
        self.fleet = Fleet(self.layout, DEFAULT_REGION)
        self.fleet.create()
        volume = Catalog(self.layout, DEFAULT_REGION).new_volume().name
        pw = self.layout.password_file("compat")
        pw.parent.mkdir(parents=True, exist_ok=True)
        pw.write_text(PASSWORD + "\n")
        self.writer = InstanceProcess(
            self.layout, "compat", "compat-1", "writer", volume, free_port(),
            self.layout.replication_socket(self.layout.instance_dir("compat", "compat-1")), pw,
        )
        self.writer.start(timeout=60)
        self.restarts = 0

    def dsn(self, db: str) -> str:
        return (f"host=127.0.0.1 port={self.writer.port} user=postgres dbname={db} "
                f"password={PASSWORD} sslmode=disable")

    def restart(self) -> None:
        self.restarts += 1
        with contextlib.suppress(Exception):
            self.writer.stop()
        self.writer.start(timeout=60)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.writer.stop()
        with contextlib.suppress(Exception):
            self.fleet.stop()


@dataclass
class FileResult:
    name: str
    total: int = 0
    matched: int = 0
    xx000: int = 0
    timeouts: int = 0
    records: list[dict[str, object]] = field(default_factory=list)


def run_file(name: str, regress: Path, sides: tuple[Side, Side], env: dict[str, str],
             keep_records: bool) -> FileResult:
    pg, au = sides
    db = f"regress_{name}"
    setup = list(split_statements((regress / "sql/test_setup.sql").read_text(), env))
    stmts = list(split_statements((regress / f"sql/{name}.sql").read_text(), env))
    for side in sides:
        side.connect("postgres")
        side.run(Statement(0, f"DROP DATABASE IF EXISTS {db}"), regress)
        side.run(Statement(0, f"CREATE DATABASE {db}"), regress)
        side.connect(db)
        for s in setup:
            side.run(s, regress)
    result = FileResult(name)
    for s in stmts:
        a = pg.run(s, regress)
        b = au.run(s, regress)
        ok = same(s.sql, a, b)
        result.total += 1
        result.matched += ok
        result.xx000 += b.sqlstate == "XX000"
        result.timeouts += b.timeout and not a.timeout
        if keep_records:
            result.records.append({"file": name, "line": s.line, "sql": s.sql[:2000],
                                   "match": ok, "postgres": a.brief(), "aurora": b.brief()})
    for side in sides:
        side.connect("postgres")
        side.run(Statement(0, f"DROP DATABASE IF EXISTS {db}"), regress)
        side.close()
    return result


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--files", help="comma-separated regression file names (default: %(default)s)",
                   default=",".join(FILES))
    p.add_argument("--json", type=Path, help="write one JSON line per statement to this file")
    p.add_argument("--cache-dir", type=Path, help="keep the downloaded regression files here")
    p.add_argument("--list", action="store_true", help="print the default file list and exit")
    args = p.parse_args(argv)
    if args.list:
        print(" ".join(FILES))
        return 0
    files = [f.strip() for f in args.files.split(",") if f.strip()]
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pgcompat-")))
        dest = args.cache_dir.expanduser() if args.cache_dir else tmp / "src"
        dest.mkdir(parents=True, exist_ok=True)
        regress = fetch_regress(dest)
        env = {"PG_ABS_SRCDIR": str(regress), "PG_ABS_BUILDDIR": str(tmp),
               "PG_LIBDIR": "/usr/lib/postgresql/15/lib", "PG_DLSUFFIX": ".so"}
        missing = [f for f in files if not (regress / f"sql/{f}.sql").exists()]
        if missing:
            raise SystemExit(f"no such regression file: {', '.join(missing)}")
        print(f"files ({len(files)}): {' '.join(files)}", flush=True)
        pg_dsn = stack.enter_context(stock_postgres())
        home = tmp / "aurora"
        home.mkdir()
        aurora = Aurora(home)
        stack.callback(aurora.stop)
        pg = Side("postgres", lambda db: re.sub(r"dbname=\S+", f"dbname={db}", pg_dsn))
        au = Side("aurora", aurora.dsn, aurora.restart)
        out = stack.enter_context(open(args.json, "w")) if args.json else None
        totals = collections.Counter()
        print(f"{'file':<18} {'matched':>7} {'total':>6} {'percent':>7} {'xx000':>6} "
              f"{'timeouts':>8} {'seconds':>7}", flush=True)
        for name in files:
            t0 = time.monotonic()
            r = run_file(name, regress, (pg, au), env, out is not None)
            if out is not None:
                for rec in r.records:
                    out.write(json.dumps(rec) + "\n")
                out.flush()
            totals.update(matched=r.matched, total=r.total, xx000=r.xx000, timeouts=r.timeouts)
            pct = 100.0 * r.matched / r.total if r.total else 100.0
            print(f"{name:<18} {r.matched:>7} {r.total:>6} {pct:>6.1f}% {r.xx000:>6} "
                  f"{r.timeouts:>8} {time.monotonic() - t0:>7.1f}", flush=True)
        pct = 100.0 * totals["matched"] / totals["total"] if totals["total"] else 100.0
        print(f"RESULT matched={totals['matched']} total={totals['total']} percent={pct:.1f} "
              f"xx000={totals['xx000']} timeouts={totals['timeouts']}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
