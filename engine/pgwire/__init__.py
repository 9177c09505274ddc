"""The PostgreSQL v3 wire protocol, server side (asyncio; SCRAM through scramp).

An instance builds a :class:`PgServer` from a ``session_factory(user, database)`` returning
an :class:`aurora.engine.sqlapi.SqlSession` and an authenticator, then ``await start()`` on
its event loop. Modules: ``protocol`` (framing, message layouts), ``types`` (value codecs),
``copyfmt`` (COPY text/CSV), ``auth`` (SCRAM, trust), ``tls`` (certificates), ``backend``
(per-connection state machine in a worker thread), ``server`` (asyncio I/O, start-up,
cancel, shutdown). DESIGN.md in this folder explains the choices.
"""

import importlib
from typing import Any

# Each name from the module that defines it, imported on first use: aurorad's endpoints need
# only ``protocol`` (to answer a client with an error), not the server, SCRAM and TLS, whose
# imports cost about 100 ms of every aurorad start-up.
_HOMES = {
    "AuthenticationFailed": "auth",
    "Authenticator": "auth",
    "ScramAuthenticator": "auth",
    "TrustAuthenticator": "auth",
    "make_scram_verifier": "auth",
    "PgServer": "server",
    "ServerThread": "server",
    "SessionFactory": "server",
    "ensure_self_signed": "tls",
    "generate_self_signed": "tls",
    "server_ssl_context": "tls",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f".{home}", __name__), name)


__all__ = [
    "AuthenticationFailed",
    "Authenticator",
    "PgServer",
    "ScramAuthenticator",
    "ServerThread",
    "SessionFactory",
    "TrustAuthenticator",
    "ensure_self_signed",
    "generate_self_signed",
    "make_scram_verifier",
    "server_ssl_context",
]
