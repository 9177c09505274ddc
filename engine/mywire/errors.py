"""MySQL error numbers and SQLSTATEs for what the front end reports.

The MySQL SQL dialect sets :attr:`SqlError.errno` itself; :func:`mysql_error` falls back to
a map from PostgreSQL's SQLSTATE for errors raised without one (shared code under the
dialect), and to 1105 ``ER_UNKNOWN_ERROR`` for the rest.
"""

from __future__ import annotations

from aurora.engine.sqlapi import SqlError

# Error numbers the front end raises itself (mysqld_error.h).
ER_CON_COUNT_ERROR = 1040  # Too many connections
ER_ACCESS_DENIED = 1045
ER_UNKNOWN_COM_ERROR = 1047
ER_EMPTY_QUERY = 1065
ER_NO_SUCH_THREAD = 1094
ER_UNKNOWN_ERROR = 1105
ER_NET_PACKET_TOO_LARGE = 1153
ER_NET_PACKETS_OUT_OF_ORDER = 1156
ER_WRONG_ARGUMENTS = 1210
ER_UNKNOWN_STMT_HANDLER = 1243
ER_QUERY_INTERRUPTED = 1317
ER_INVALID_CHARACTER_STRING = 1300
ER_MALFORMED_PACKET = 1835
ER_NOT_SUPPORTED_AUTH_MODE = 1251

# PostgreSQL SQLSTATE -> (MySQL errno, MySQL SQLSTATE), for SqlError raised without errno.
FROM_POSTGRES: dict[str, tuple[int, str]] = {
    "23505": (1062, "23000"),  # ER_DUP_ENTRY
    "42P01": (1146, "42S02"),  # ER_NO_SUCH_TABLE
    "42601": (1064, "42000"),  # ER_PARSE_ERROR
    "40001": (1213, "40001"),  # ER_LOCK_DEADLOCK
    "25006": (1290, "HY000"),  # ER_OPTION_PREVENTS_STATEMENT (--read-only)
    "22001": (1406, "22001"),  # ER_DATA_TOO_LONG
    "22003": (1264, "22003"),  # ER_WARN_DATA_OUT_OF_RANGE
    "23502": (1048, "23000"),  # ER_BAD_NULL_ERROR
    "23503": (1452, "23000"),  # ER_NO_REFERENCED_ROW_2
    "42703": (1054, "42S22"),  # ER_BAD_FIELD_ERROR
    "42P07": (1050, "42S01"),  # ER_TABLE_EXISTS_ERROR
    "3D000": (1049, "42000"),  # ER_BAD_DB_ERROR
    "57014": (1317, "70100"),  # ER_QUERY_INTERRUPTED
    "55P03": (1205, "HY000"),  # ER_LOCK_WAIT_TIMEOUT
    "28P01": (1045, "28000"),  # ER_ACCESS_DENIED_ERROR
}


def mysql_error(err: SqlError) -> tuple[int, str]:
    """The (errno, SQLSTATE) an ERR packet carries for ``err``."""
    if err.errno:
        return err.errno, err.sqlstate if len(err.sqlstate) == 5 else "HY000"
    return FROM_POSTGRES.get(err.sqlstate, (ER_UNKNOWN_ERROR, "HY000"))


def access_denied(user: str, host: str, with_password: bool) -> SqlError:
    using = "YES" if with_password else "NO"
    return SqlError(
        "28000",
        f"Access denied for user '{user}'@'{host}' (using password: {using})",
        errno=ER_ACCESS_DENIED,
    )


def one_line(exc: BaseException) -> str:
    """A bug's message for the client: its type and the first line, never a traceback."""
    text = str(exc).strip().splitlines()
    detail = text[0] if text else ""
    return f"internal error: {type(exc).__name__}" + (f": {detail}" if detail else "")
