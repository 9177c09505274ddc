"""The MySQL client/server protocol, server side (a thread per connection; caching_sha2).

An instance builds a :class:`MyServer` from a ``session_factory(user, database, *,
connection_id)`` returning an :class:`aurora.engine.sqlapi.MySqlSession` and a
:class:`MyAuthenticator`, then ``await start()`` on its event loop. Modules: ``protocol``
(framing, packet layouts), ``types`` (column definitions, text and binary values),
``errors`` (errno and SQLSTATE), ``auth`` (caching_sha2_password, mysql_native_password),
``backend`` (the command loop of one connection), ``server`` (listener, handshake, TLS,
KILL, shutdown). DESIGN.md in this folder explains the choices.
"""

import importlib
from typing import Any

# Each name from the module that defines it, imported on first use, as in pgwire: a caller
# that only needs ``protocol`` (to answer a client with an error) does not load the rest.
_HOMES = {
    "MyAuthenticator": "auth",
    "MyServer": "server",
    "ServerThread": "server",
    "SessionFactory": "server",
    "mysql_error": "errors",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


__all__ = ["MyAuthenticator", "MyServer", "ServerThread", "SessionFactory", "mysql_error"]
