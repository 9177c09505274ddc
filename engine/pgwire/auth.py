"""Client authentication for the PostgreSQL front end: SCRAM-SHA-256 (through scramp) and trust.

Passwords are never stored: :func:`make_scram_verifier` turns one into PostgreSQL's
``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`` form (what ``pg_authid``
keeps), and :class:`ScramAuthenticator` checks clients against those verifiers. An
authenticator drives the exchange through an :class:`AuthChannel`, so a new method (an IAM
token sent as a cleartext password, say) needs no change in the connection code.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import scramp

SCRAM = "SCRAM-SHA-256"
SCRAM_PLUS = "SCRAM-SHA-256-PLUS"
AUTH_SASL, AUTH_SASL_CONTINUE, AUTH_SASL_FINAL = 10, 11, 12
DEFAULT_ITERATIONS = 4096


class AuthenticationFailed(Exception):
    """The client did not prove who it is (SQLSTATE 28P01, FATAL)."""

    def __init__(self, user: str) -> None:
        super().__init__(f'password authentication failed for user "{user}"')
        self.user = user


class AuthChannel(Protocol):
    """What an authenticator may do on a connection before it is authenticated."""

    async def send_auth_request(self, code: int, payload: bytes = b"") -> None:
        """Send an Authentication message (``R``) with its code and payload."""
        ...

    async def read_password_message(self) -> bytes:
        """The body of the client's next PasswordMessage / SASL response (``p``)."""
        ...

    @property
    def tls_certificate_pem(self) -> str | None:
        """The server certificate (PEM) when the connection uses TLS, for channel binding."""
        ...


class Authenticator(Protocol):
    async def authenticate(self, channel: AuthChannel, user: str, database: str) -> None:
        """Return when the client is authenticated; raise AuthenticationFailed otherwise."""
        ...


class TrustAuthenticator:
    """Lets everyone in, like ``trust`` in pg_hba.conf: for tests and local-only setups."""

    async def authenticate(self, channel: AuthChannel, user: str, database: str) -> None:
        return None


@dataclass(frozen=True)
class ScramVerifier:
    """The stored form of a password: salt, iteration count and the two derived keys."""

    salt: bytes
    stored_key: bytes
    server_key: bytes
    iterations: int

    def __str__(self) -> str:
        b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
        return (
            f"{SCRAM}${self.iterations}:{b64(self.salt)}"
            f"${b64(self.stored_key)}:{b64(self.server_key)}"
        )

    @classmethod
    def parse(cls, text: str) -> ScramVerifier:
        try:
            mech, rest, keys = text.split("$")
            iterations, salt = rest.split(":")
            stored, server = keys.split(":")
            if mech != SCRAM:
                raise ValueError(mech)
            return cls(
                base64.b64decode(salt),
                base64.b64decode(stored),
                base64.b64decode(server),
                int(iterations),
            )
        except ValueError as exc:
            raise ValueError("not a SCRAM-SHA-256 verifier") from exc


def make_scram_verifier(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    """The verifier string to store for ``password`` (a 16-byte salt, as PostgreSQL uses)."""
    salt, stored_key, server_key, i = scramp.ScramMechanism(SCRAM).make_auth_info(
        password, iteration_count=iterations, salt=secrets.token_bytes(16)
    )
    return str(ScramVerifier(salt, stored_key, server_key, i))


class ScramAuthenticator:
    """SCRAM-SHA-256 against stored verifiers, looked up by user name at each connection.

    ``verifiers`` is a mapping or a function ``user -> verifier string | None``. Unknown users
    go through the same exchange with a random verifier, so they fail at the same step as a
    wrong password and the answer does not reveal which users exist.
    """

    def __init__(self, verifiers: Mapping[str, str] | Callable[[str], str | None]) -> None:
        self._lookup = verifiers.get if isinstance(verifiers, Mapping) else verifiers

    def _verifier(self, user: str) -> ScramVerifier:
        text = self._lookup(user)
        if text:
            try:
                return ScramVerifier.parse(text)
            except ValueError:
                pass
        return ScramVerifier(
            secrets.token_bytes(16),
            secrets.token_bytes(32),
            secrets.token_bytes(32),
            DEFAULT_ITERATIONS,
        )

    async def authenticate(self, channel: AuthChannel, user: str, database: str) -> None:
        verifier = self._verifier(user)
        keys = (verifier.salt, verifier.stored_key, verifier.server_key, verifier.iterations)
        # With TLS the server offers SCRAM-SHA-256-PLUS (channel binding to the certificate,
        # tls-server-end-point), as PostgreSQL does; libpq then prefers it.
        certificate = channel.tls_certificate_pem
        offered = [SCRAM_PLUS, SCRAM] if certificate else [SCRAM]
        payload = b"".join(m.encode() + b"\0" for m in offered) + b"\0"
        await channel.send_auth_request(AUTH_SASL, payload)
        try:
            initial = await channel.read_password_message()
            mech_end = initial.index(b"\0")
            mechanism = initial[:mech_end].decode()
            if mechanism not in offered:
                raise AuthenticationFailed(user)
            binding = ("tls-server-end-point", certificate) if certificate else None
            server = scramp.ScramMechanism(mechanism).make_server(
                lambda _name: keys, channel_binding=binding
            )
            length = int.from_bytes(initial[mech_end + 1 : mech_end + 5], "big", signed=True)
            client_first = initial[mech_end + 5 : mech_end + 5 + max(length, 0)]
            text = client_first.decode()
            gs2_end = text.index(",", text.index(",") + 1) + 1
            bare = text[gs2_end:]
            if bare.startswith("n=,"):
                # libpq sends an empty SCRAM user name (the start-up packet names the user),
                # which scramp refuses. Parse a stand-in name, then put back the bare message
                # the client signed, since the proof covers it byte for byte.
                server.set_client_first(text[:gs2_end] + "n=pg" + bare[2:])
                server.client_first_bare = bare
            else:
                server.set_client_first(text)
            await channel.send_auth_request(AUTH_SASL_CONTINUE, server.get_server_first().encode())
            client_final = await channel.read_password_message()
            server.set_client_final(client_final.decode())
        except (scramp.ScramException, ValueError, UnicodeDecodeError) as exc:
            raise AuthenticationFailed(user) from exc
        await channel.send_auth_request(AUTH_SASL_FINAL, server.get_server_final().encode())
