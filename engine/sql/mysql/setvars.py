"""SET: system variables (session and global), user variables, NAMES, TRANSACTION.

A value that is one literal or word is taken as written (``ON``, ``utf8mb4``, ``'x'``);
anything else is an expression, evaluated by running ``SELECT <expr>`` in the session, so
``SET @n = (SELECT max(id) FROM t)`` and ``SET @x = @x + 1`` work.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import TYPE_CHECKING

from aurora.engine.sql.mysql import lexer, timezone, variables
from aurora.engine.sql.mysql.ddl import join, split_commas
from aurora.engine.sql.mysql.errors import err, syntax

if TYPE_CHECKING:
    from aurora.engine.sql.mysql.session import MySqlSession

_SCOPES = ("global", "session", "local", "persist", "persist_only")
_ISOLATION = re.compile(
    r"isolation\s+level\s+(read\s+committed|read\s+uncommitted|repeatable\s+read|serializable)",
    re.I,
)


def run_set(s: MySqlSession, sql: str) -> None:
    body = re.sub(r"^\s*set\s+", "", lexer.strip_comments(sql), flags=re.I).strip()
    low = body.lower()
    m = re.match(r"(?:(global|session|local)\s+)?transaction\b(.*)$", body, re.I | re.S)
    if m:
        iso = _ISOLATION.search(m.group(2))
        if iso:
            level = re.sub(r"\s+", "-", iso.group(1).upper())
            s.vars["transaction_isolation"] = s.vars["tx_isolation"] = level
        return
    if low.startswith("names") or low.startswith("character set") or low.startswith("charset"):
        words = lexer.tokens(body)
        idx = 1 if low.startswith(("names", "charset")) else 2
        charset = lexer.unquote(words[idx][1]).lower() if len(words) > idx else "utf8mb4"
        if charset == "default":
            charset = "utf8mb4"
        if charset == "utf8":
            charset = "utf8mb3"
        for v in ("character_set_client", "character_set_connection", "character_set_results"):
            s.vars[v] = charset
        coll = re.search(r"\bcollate\s+(\S+)", body, re.I)
        s.vars["collation_connection"] = (
            lexer.unquote(coll.group(1)) if coll else
            ("utf8mb4_0900_ai_ci" if charset == "utf8mb4" else f"{charset}_general_ci")
        )
        return
    if low.startswith("password"):
        return
    for item in split_commas(lexer.tokens(body)):
        _assign(s, item)


def _assign(s: MySqlSession, item: list[tuple[str, str]]) -> None:
    i = 0
    scope = "session"
    if item and item[0][0] == "word" and item[0][1].lower() in _SCOPES:
        scope = item[0][1].lower()
        i = 1
    if i >= len(item):
        raise syntax(join(item))
    target = item[i][1]
    i += 1
    user_var = False
    if target.startswith("@@"):
        name = target[2:].lower()
        if "." in name:
            scope, name = name.split(".", 1)
    elif target.startswith("@"):
        user_var = True
        name = target[1:].lower()
        if item[i - 1][0] == "word" and i < len(item) and item[i][0] in ("str", "ident"):
            name = lexer.unquote(item[i][1]).lower()
            i += 1
    else:
        name = target.lower()
    while i < len(item) and item[i][1] == ".":  # @@session . x spelled with spaces
        name = item[i + 1][1].lower()
        i += 2
    if i < len(item) and item[i][1] == ":":
        i += 1
    if i >= len(item) or item[i][1] != "=":
        raise syntax(join(item))
    value_toks = item[i + 1 :]
    if not value_toks:
        raise syntax(join(item))
    value = _value(s, value_toks, user_var)
    if user_var:
        s.user_vars[name] = value
        return
    _set_system(s, scope, variables.ALIASES.get(name, name), value, name)


def _value(s: MySqlSession, toks: list[tuple[str, str]], user_var: bool) -> object:
    if len(toks) == 1:
        kind, t = toks[0]
        if kind == "str":
            return lexer.string_value(t)
        if kind == "num":
            if re.fullmatch(r"\d+", t):
                return int(t)
            return float(t) if "e" in t.lower() else Decimal(t)
        if kind in ("word", "ident") and not t.startswith("@"):
            low = t.lower()
            if low == "null":
                return None
            if user_var and low in ("true", "false"):
                return 1 if low == "true" else 0
            if not user_var:
                return lexer.unquote(t)
    if len(toks) == 2 and toks[0][1] == "-" and toks[1][0] == "num":
        return -int(toks[1][1]) if toks[1][1].isdigit() else -Decimal(toks[1][1])
    r = s.execute("SELECT " + join(toks))
    return r.rows[0][0] if r.rows else None


def _set_system(s: MySqlSession, scope: str, name: str, value: object, spelled: str) -> None:
    if name not in s.vars and name not in variables.GLOBALS:
        raise err(1193, "HY000", f"Unknown system variable '{spelled}'")
    if isinstance(value, str) and value.lower() == "default":
        value = variables.GLOBALS.get(name, s.vars.get(name))
    value = variables.coerce(name, value)
    if name in ("read_only", "innodb_read_only", "aurora_server_id", "version", "hostname",
                "aurora_version", "version_comment", "lower_case_table_names", "port"):
        raise err(1238, "HY000", f"Variable '{spelled}' is a read only variable")
    if name == "time_zone":
        value = timezone.zone(value, spelled)[0]  # 1298 for a zone MySQL would not know
    if scope in ("global", "persist", "persist_only"):
        variables.GLOBALS[name] = value
        return
    if name == "time_zone":
        s.set_time_zone(value)
        return
    if name == "autocommit":
        s.set_autocommit(bool(value))
        return
    if name == "transaction_isolation":
        s.vars["tx_isolation"] = value
    s.vars[name] = value
    if name == "innodb_lock_wait_timeout":
        s.lock_wait_timeout_changed()
