"""Run-time settings of a session (SET / SHOW / RESET) and the ones reported as ParameterStatus."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo

from aurora.engine.sql.functions import SERVER_VERSION, SERVER_VERSION_NUM
from aurora.engine.sqlapi import SqlError

# Canonical spelling of each setting; lookups are case-insensitive.
DEFAULTS: dict[str, str] = {
    "server_version": SERVER_VERSION,
    "server_version_num": SERVER_VERSION_NUM,
    "server_encoding": "UTF8",
    "client_encoding": "UTF8",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "TimeZone": "UTC",
    "integer_datetimes": "on",
    "standard_conforming_strings": "on",
    "application_name": "",
    "search_path": '"$user", public',
    "transaction_isolation": "read committed",
    "default_transaction_isolation": "read committed",
    "transaction_read_only": "off",
    "default_transaction_read_only": "off",
    "transaction_deferrable": "off",
    "default_transaction_deferrable": "off",
    "statement_timeout": "0",
    "lock_timeout": "0",
    "idle_in_transaction_session_timeout": "0",
    "is_superuser": "on",
    "session_authorization": "postgres",
    "max_identifier_length": "63",
    "extra_float_digits": "1",
    "jit": "off",
    "in_hot_standby": "off",
    "synchronous_commit": "on",
    "client_min_messages": "notice",
    "bytea_output": "hex",
    "lc_messages": "C.UTF-8",
    "lc_monetary": "C.UTF-8",
    "lc_numeric": "C.UTF-8",
    "lc_time": "C.UTF-8",
    "max_connections": "100",
    "block_size": "4096",
    "row_security": "on",
    "escape_string_warning": "on",
    "default_text_search_config": "pg_catalog.english",
    "work_mem": "4MB",
    "maintenance_work_mem": "64MB",
    "timezone_abbreviations": "Default",
    "default_table_access_method": "heap",
    "default_tablespace": "",
    "temp_tablespaces": "",
    "password_encryption": "scram-sha-256",
    "wal_level": "replica",
    "shared_buffers": "128MB",
    "effective_cache_size": "4GB",
    "enable_seqscan": "on",
    "track_commit_timestamp": "off",
}
REPORTED = (
    "server_version",
    "server_encoding",
    "client_encoding",
    "application_name",
    "DateStyle",
    "IntervalStyle",
    "TimeZone",
    "integer_datetimes",
    "standard_conforming_strings",
    "is_superuser",
    "session_authorization",
    "default_transaction_read_only",
    "in_hot_standby",
)
_CANON = {k.lower(): k for k in DEFAULTS}
_ALIASES = {
    "time zone": "timezone",
    "transaction isolation level": "transaction_isolation",
    "names": "client_encoding",
    "session authorization": "session_authorization",
}


def canonical(name: str) -> str:
    n = re.sub(r"\s+", " ", name.strip().strip('"')).lower()
    n = _ALIASES.get(n, n)
    return _CANON.get(n, n)


def parse_timezone(value: str, posix: bool = False) -> dt.tzinfo:
    """A zone by name or offset (hours east of UTC); ``posix``: a quoted offset is a POSIX
    zone, hours west, as SET TIME ZONE '+02:00' reads it (SET TIME ZONE 2 is east)."""
    west = posix and value.strip()[:1] in ("'", '"') and bool(
        re.fullmatch(r"""['"][+-]?\d{1,2}(:\d\d)?['"]""", value.strip()))
    v = value.strip().strip("'\"")
    if v.lower() in ("utc", "gmt", "z", "default", "local", "zulu", "etc/utc"):
        return dt.UTC
    m = re.fullmatch(r"(?:interval\s+)?'?([+-]?)(\d{1,2})(?::?(\d\d))?'?(?:\s+hour.*)?", v, re.I)
    if m:
        sign = (-1 if m.group(1) == "-" else 1) * (-1 if west else 1)
        return dt.timezone(sign * dt.timedelta(hours=int(m.group(2)), minutes=int(m.group(3) or 0)))
    m = re.fullmatch(r"([+-]?)(\d{1,2}\.\d+)", v)
    if m:  # SET TIME ZONE 10.5: hours east of UTC
        sign = -1 if m.group(1) == "-" else 1
        return dt.timezone(sign * dt.timedelta(minutes=round(float(m.group(2)) * 60)))
    try:
        return zoneinfo.ZoneInfo(v)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise SqlError("22023", f'invalid value for parameter "TimeZone": "{v}"') from None


class Settings:
    """One session's settings; ``changed`` lists the reported ones altered by the last SET."""

    def __init__(self, user: str, read_only: bool, overrides: dict[str, str] | None = None) -> None:
        self.values = dict(DEFAULTS)
        self.values["session_authorization"] = user
        if read_only:
            self.values["default_transaction_read_only"] = "on"
            self.values["transaction_read_only"] = "on"
            self.values["in_hot_standby"] = "on"
        for k, v in (overrides or {}).items():
            self.values[canonical(k)] = v
        self.defaults = dict(self.values)
        self.tz: dt.tzinfo = parse_timezone(self.values["TimeZone"])

    def get(self, name: str, missing_ok: bool = False) -> str | None:
        key = canonical(name)
        if key in self.values:
            return self.values[key]
        if "." in key or missing_ok:
            return None if missing_ok else ""
        raise SqlError("42704", f'unrecognized configuration parameter "{name}"')

    def set(self, name: str, value: str) -> str:
        key = canonical(name)
        value = value.strip()
        if value.lower() == "default":
            value = self.defaults.get(key, "")
        if key == "TimeZone":
            self.tz = parse_timezone(value, posix=True)
            value = value.strip("'\"")
            if value.lower() in ("default", "local"):
                value = "UTC"
        elif key == "transaction_isolation" or key == "default_transaction_isolation":
            value = value.strip("'\"").lower()
            if value not in (
                "read committed",
                "read uncommitted",
                "repeatable read",
                "serializable",
            ):
                raise SqlError("22023", f'invalid value for parameter "{key}": "{value}"')
        elif key in ("statement_timeout", "lock_timeout"):
            value = str(_milliseconds(value, key))
        else:
            value = _unquote(value)
        self.values[key] = value
        return key

    def reset(self, name: str) -> None:
        if name.lower() == "all":
            self.values = dict(self.defaults)
            self.tz = parse_timezone(self.values["TimeZone"])
            return
        key = canonical(name)
        self.set(key, self.defaults.get(key, ""))

    def reported(self) -> dict[str, str]:
        return {k: self.values[k] for k in REPORTED}


def _unquote(v: str) -> str:
    parts = [p.strip() for p in re.findall(r"'(?:[^']|'')*'|[^,]+", v)]
    out = []
    for p in parts:
        if p.startswith("'") and p.endswith("'"):
            p = p[1:-1].replace("''", "'")
        out.append(p)
    return ", ".join(out)


def _milliseconds(v: str, key: str) -> int:
    v = _unquote(v).strip().lower()
    m = re.fullmatch(r"(\d+)\s*(ms|s|min|h)?", v)
    if not m:
        raise SqlError("22023", f'invalid value for parameter "{key}": "{v}"')
    n = int(m.group(1))
    return n * {"ms": 1, None: 1, "s": 1000, "min": 60000, "h": 3600000}[m.group(2)]
