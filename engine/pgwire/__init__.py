"""The PostgreSQL v3 wire protocol, server side (asyncio; SCRAM through scramp).

An instance builds a :class:`PgServer` from a ``session_factory(user, database)`` returning
an :class:`aurora.engine.sqlapi.SqlSession` and an authenticator, then ``await start()`` on
its event loop. Modules: ``protocol`` (framing, message layouts), ``types`` (value codecs),
``copyfmt`` (COPY text/CSV), ``auth`` (SCRAM, trust), ``tls`` (certificates), ``backend``
(per-connection state machine in a worker thread), ``server`` (asyncio I/O, start-up,
cancel, shutdown). DESIGN.md in this folder explains the choices.
"""

from .auth import (
    AuthenticationFailed,
    Authenticator,
    ScramAuthenticator,
    TrustAuthenticator,
    make_scram_verifier,
)
from .server import PgServer, ServerThread, SessionFactory
from .tls import ensure_self_signed, generate_self_signed, server_ssl_context

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
