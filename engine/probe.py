"""A cheap liveness probe of an instance's SQL port: does the server speak?

No session is made. PostgreSQL waits for the client: eight bytes out (an SSLRequest), one
back ('S' or 'N'). MySQL speaks first: its greeting's packet header and protocol version (10),
or an ERR packet (0xff) when it refuses more connections, which still means it is alive.
aurorad uses this to health-check instances and to wait until one serves.
"""

from __future__ import annotations

import socket

SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")


def answers(port: int, timeout: float = 0.5, host: str = "127.0.0.1", engine: str = "postgres") -> bool:
    """True when the server of ``engine`` answers on ``host:port`` in time."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as s:
            if engine == "mysql":
                head = b""
                while len(head) < 5:
                    chunk = s.recv(5 - len(head))
                    if not chunk:
                        return False
                    head += chunk
                return head[3] == 0 and head[4] in (10, 0xFF)
            s.sendall(SSL_REQUEST)
            return s.recv(1) in (b"S", b"N")
    except OSError:
        return False
