"""Aurora PostgreSQL's instance functions that need the cluster: ``aurora_replica_status()``.

(``aurora_db_instance_identifier()`` lives in the SQL layer: it needs only the instance id.)
The status comes from each instance's ``status.json`` (its role, AZ, read point and lag), the
files aurorad reads for ``aurora describe``, so SQL and the CLI tell the same story; the data
plane never reads the control plane's cluster metadata.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import apsw
import apsw.ext

from aurora.engine.layout import Layout

COLUMNS = ("server_id", "session_id", "durable_lsn", "current_read_lsn", "replica_lag_in_msec",
           "last_update_timestamp", "availability_zone")


def replica_status_rows(layout: Layout, cluster: str) -> Iterator[tuple[Any, ...]]:
    writer_lsn = None
    rows = []
    folder = layout.instances_dir(cluster)
    for path in sorted(folder.glob("*/" + Layout.instance_status_file(folder).name)):
        try:
            status = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        writer = status.get("role") == "writer"
        if writer:
            writer_lsn = status.get("read_lsn")
        stamp = status.get("time")
        rows.append((
            status.get("id", path.parent.name),
            "MASTER_SESSION_ID" if writer else f"{path.parent.name}-session",
            status.get("read_lsn"),
            status.get("read_lsn"),
            None if writer else status.get("lag_ms"),
            dt.datetime.fromtimestamp(stamp, dt.UTC).isoformat(sep=" ") if stamp else None,
            status.get("az"),
        ))
    for row in rows:
        yield (row[0], row[1], writer_lsn, *row[3:])


def register(conn: apsw.Connection, layout: Layout, cluster: str) -> None:
    """Make ``SELECT * FROM aurora_replica_status()`` answer on ``conn``."""
    def aurora_replica_status() -> Iterator[tuple[Any, ...]]:
        yield from replica_status_rows(layout, cluster)

    aurora_replica_status.columns = COLUMNS  # type: ignore[attr-defined]
    aurora_replica_status.column_access = apsw.ext.VTColumnAccess.By_Index  # type: ignore[attr-defined]
    apsw.ext.make_virtual_module(conn, "aurora_replica_status", aurora_replica_status)
