"""A cheap liveness probe of a PostgreSQL server: does it answer an SSLRequest?

Eight bytes out, one back ('S' or 'N'), no session: what aurorad uses to health-check
instances and to wait until one serves.
"""

from __future__ import annotations

import socket

SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")


def answers(port: int, timeout: float = 0.5, host: str = "127.0.0.1") -> bool:
    """True when a PostgreSQL server answers an SSLRequest on ``host:port`` in time."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            s.sendall(SSL_REQUEST)
            return s.recv(1) in (b"S", b"N")
    except OSError:
        return False
