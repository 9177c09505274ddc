"""Server-side cursors and very wide statements from real clients against a real instance.

psycopg 3 named cursors (DECLARE / FETCH / MOVE, Describe of the cursor's portal), SQLAlchemy
``stream_results`` / ``yield_per``, and pandas ``to_sql(method="multi")`` binding 60,000
parameters in one statement (more than SQLite binds; counts above 32,767 on the wire).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import psycopg
import pytest
import sqlalchemy as sa
from instance_support import Cluster, cluster_fixture  # noqa: F401  (the fixture)
from sqlalchemy import orm

pytestmark = pytest.mark.integration


def test_psycopg_named_cursors(cluster: Cluster) -> None:
    with psycopg.connect(cluster.dsn()) as conn:
        conn.execute("CREATE TABLE events (id int PRIMARY KEY, at timestamptz, note text)")
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO events VALUES (%s, %s, %s)",
                [
                    (i, dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(minutes=i), f"n{i}")
                    for i in range(1, 1001)
                ],
            )
        conn.commit()
        # Inside a transaction, itersize rows per FETCH; parameters bound server-side.
        with conn.cursor(name="evs") as cur:
            cur.itersize = 64
            cur.execute("SELECT id, at, note FROM events WHERE id > %s ORDER BY id", (10,))
            assert [d.name for d in cur.description] == ["id", "at", "note"]
            assert conn.execute("SELECT name, is_holdable FROM pg_cursors").fetchall() == [
                ("evs", False)
            ]
            rows = list(cur)
        assert len(rows) == 990 and rows[0] == (
            11,
            dt.datetime(2024, 1, 1, 0, 11, tzinfo=dt.UTC),
            "n11",
        )
        # Scrollable, and binary results through the extended protocol.
        with conn.cursor(name="scr", scrollable=True, binary=True) as cur:
            cur.execute("SELECT id FROM events ORDER BY id")
            assert cur.fetchmany(3) == [(1,), (2,), (3,)]
            cur.scroll(-2)
            assert cur.fetchone() == (2,)
            cur.scroll(499, mode="absolute")
            assert cur.fetchone() == (500,)
            assert cur.fetchall()[-1] == (1000,)
        conn.commit()
        # A forward-only cursor refuses to go back, as PostgreSQL does.
        with conn.cursor(name="fwd", scrollable=False) as cur:
            cur.execute("SELECT id FROM events ORDER BY id")
            cur.fetchmany(5)
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
                cur.scroll(-1)
        conn.rollback()
    # WITH HOLD in autocommit mode (what Django's .iterator() does outside atomic()).
    with psycopg.connect(cluster.dsn(), autocommit=True) as conn:
        with conn.cursor(name="held", withhold=True, scrollable=False) as cur:
            cur.execute("SELECT id FROM events WHERE id <= %s ORDER BY id", (300,))
            conn.execute("DELETE FROM events WHERE id > 150")  # the cursor keeps its rows
            assert [r[0] for r in cur.fetchmany(100)] == list(range(1, 101))
            assert len(cur.fetchall()) == 200
        assert conn.execute("SELECT count(*) FROM pg_cursors").fetchone() == (0,)
        with pytest.raises(psycopg.errors.InvalidCursorName):
            conn.execute("FETCH 1 FROM nope")
        with pytest.raises(psycopg.errors.NoActiveSqlTransaction):
            conn.execute("DECLARE c CURSOR FOR SELECT 1")


class Base(orm.DeclarativeBase):
    pass


class Reading(Base):
    __tablename__ = "readings"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True)
    value: orm.Mapped[float]


def test_sqlalchemy_stream_results_and_yield_per(cluster: Cluster) -> None:
    engine = sa.create_engine(cluster.url(driver="postgresql+psycopg"))
    try:
        Base.metadata.create_all(engine)
        with orm.Session(engine) as session:
            session.add_all([Reading(id=i, value=i / 4) for i in range(1, 2501)])
            session.commit()
        with engine.connect() as conn:
            result = conn.execution_options(stream_results=True, max_row_buffer=100).execute(
                sa.text("SELECT id, value FROM readings ORDER BY id")
            )
            sizes = [len(p) for p in result.partitions(500)]
            assert sizes == [500] * 5
        with orm.Session(engine) as session:
            stmt = sa.select(Reading).order_by(Reading.id).execution_options(yield_per=300)
            ids = [r.id for r in session.scalars(stmt)]
            assert ids == list(range(1, 2501))
    finally:
        engine.dispose()


def test_pandas_to_sql_multi_with_60000_parameters(cluster: Cluster) -> None:
    engine = sa.create_engine(cluster.url(driver="postgresql+psycopg"))
    try:
        frame = pd.DataFrame(
            {f"c{j}": [i * 10 + j for i in range(6000)] for j in range(8)}
            | {
                "label": [None if i % 7 == 0 else f"row '{i}' $1" for i in range(6000)],
                "ratio": [i / 3 for i in range(6000)],
            }
        )
        assert frame.size == 60_000
        written = frame.to_sql("wide", engine, method="multi", chunksize=None, index=False)
        assert written in (6000, -1)  # SQLAlchemy 2 reports -1 without preserve_rowcount
        back = pd.read_sql("SELECT * FROM wide ORDER BY c0", engine)
        pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    finally:
        engine.dispose()
