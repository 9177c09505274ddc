"""Authentication for the MySQL front end: caching_sha2_password and mysql_native_password.

:class:`MyAuthenticator` holds plain passwords, as the instance has them. It runs in the
connection's worker thread over an :class:`AuthChannel` after the handshake response, and
raises :class:`SqlError` 1045 for a wrong password. caching_sha2_password behaves as in
MySQL 8: a fast scramble check once a full authentication of the user has filled its cache,
else full authentication, with the password sent in clear over TLS or RSA-encrypted (the
server's key generated on first request) without it.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
from collections.abc import Mapping
from typing import Protocol

from aurora.engine.sqlapi import SqlError

from .errors import ER_NOT_SUPPORTED_AUTH_MODE, access_denied

log = logging.getLogger("aurora.mywire")

CACHING_SHA2 = "caching_sha2_password"
NATIVE = "mysql_native_password"
SCRAMBLE_LENGTH = 20

# caching_sha2_password's AuthMoreData codes.
_REQUEST_PUBLIC_KEY = b"\x02"
_FAST_AUTH_SUCCESS = b"\x01\x03"
_PERFORM_FULL_AUTH = b"\x01\x04"


class AuthChannel(Protocol):
    """What an authenticator needs from the connection: packets in the handshake's sequence."""

    tls: bool
    host: str

    def send(self, payload: bytes) -> None: ...

    def receive(self) -> bytes: ...


def new_scramble() -> bytes:
    """20 random bytes without NUL (the handshake carries the scramble NUL-terminated)."""
    return bytes(b % 127 + 1 for b in secrets.token_bytes(SCRAMBLE_LENGTH))


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


def native_scramble(password: str, scramble: bytes) -> bytes:
    """SHA1(pw) XOR SHA1(scramble + SHA1(SHA1(pw))): what a mysql_native_password client sends."""
    if not password:
        return b""
    stage1 = hashlib.sha1(password.encode()).digest()
    stage2 = hashlib.sha1(stage1).digest()
    return _xor(stage1, hashlib.sha1(scramble[:SCRAMBLE_LENGTH] + stage2).digest())


def _sha2_digest(password: str) -> bytes:
    """SHA256(SHA256(pw)): what caching_sha2_password's cache holds for a user."""
    return hashlib.sha256(hashlib.sha256(password.encode()).digest()).digest()


def _sha2_scramble_ok(response: bytes, digest: bytes, scramble: bytes) -> bool:
    """Check XOR(SHA256(pw), SHA256(SHA256(SHA256(pw)) + scramble)) against the cached digest."""
    if len(response) != 32:
        return False
    stage1 = _xor(response, hashlib.sha256(digest + scramble[:SCRAMBLE_LENGTH]).digest())
    return hmac.compare_digest(hashlib.sha256(stage1).digest(), digest)


class MyAuthenticator:
    """Checks MySQL clients against ``passwords`` (user -> plain password).

    Every account uses caching_sha2_password (MySQL 8's default) unless ``plugins`` names
    mysql_native_password for it; a client that answered the handshake with the other plugin
    is sent an AuthSwitchRequest to the account's, as MySQL does.
    """

    plugin = CACHING_SHA2  # announced in the handshake

    def __init__(
        self, passwords: Mapping[str, str], *, plugins: Mapping[str, str] | None = None
    ) -> None:
        self.passwords = passwords
        self.plugins = dict(plugins or {})
        self._cache: dict[str, bytes] = {}  # user -> SHA256(SHA256(pw)) after a full auth
        self.fast_authentications = 0  # caching_sha2_password outcomes, for tests and metrics
        self.full_authentications = 0
        self._lock = threading.Lock()
        self._rsa_key: object | None = None
        self._public_pem = b""

    def account_plugin(self, user: str) -> str:
        return self.plugins.get(user, CACHING_SHA2)

    def authenticate(
        self,
        channel: AuthChannel,
        user: str,
        client_plugin: str,
        response: bytes,
        scramble: bytes,
    ) -> None:
        """Finish authentication after the handshake response; raise SqlError 1045 if it fails."""
        password = self.passwords.get(user)
        if password is None:
            raise access_denied(user, channel.host, bool(response))
        plugin = self.account_plugin(user)
        if client_plugin != plugin:
            if not client_plugin and plugin == NATIVE:
                pass  # a client without CLIENT_PLUGIN_AUTH answers with the native scramble
            elif not client_plugin:
                raise SqlError(
                    "08004",
                    "Client does not support authentication protocol requested by server; "
                    "consider upgrading MySQL client",
                    errno=ER_NOT_SUPPORTED_AUTH_MODE,
                )
            else:
                channel.send(b"\xfe" + plugin.encode() + b"\x00" + scramble + b"\x00")
                response = channel.receive()
        if plugin == NATIVE:
            if not hmac.compare_digest(response, native_scramble(password, scramble)):
                raise access_denied(user, channel.host, bool(response))
            return
        self._caching_sha2(channel, user, password, response, scramble)

    def _caching_sha2(
        self, channel: AuthChannel, user: str, password: str, response: bytes, scramble: bytes
    ) -> None:
        if not password or not response:
            if password or response:
                raise access_denied(user, channel.host, bool(response))
            return
        digest = _sha2_digest(password)
        if self._cache.get(user) == digest and _sha2_scramble_ok(response, digest, scramble):
            channel.send(_FAST_AUTH_SUCCESS)
            with self._lock:
                self.fast_authentications += 1
            return
        channel.send(_PERFORM_FULL_AUTH)
        answer = channel.receive()
        if channel.tls:
            given = answer.rstrip(b"\x00")
        else:
            if answer == _REQUEST_PUBLIC_KEY:
                channel.send(b"\x01" + self.public_key_pem())
                answer = channel.receive()
            given = self._decrypt(answer, scramble)
        if given is None or not hmac.compare_digest(given, password.encode()):
            raise access_denied(user, channel.host, True)
        with self._lock:
            self._cache[user] = digest
            self.full_authentications += 1

    # --- RSA (full authentication without TLS) ----------------------------------------------

    def _key(self) -> object:
        with self._lock:
            if self._rsa_key is None:
                from cryptography.hazmat.primitives import serialization
                from cryptography.hazmat.primitives.asymmetric import rsa

                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                self._public_pem = key.public_key().public_bytes(
                    serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
                )
                self._rsa_key = key
                log.info("generated the RSA key pair for caching_sha2_password")
            return self._rsa_key

    @property
    def has_rsa_key(self) -> bool:
        """Whether the RSA key pair exists yet (it is made on the first request for it)."""
        return self._rsa_key is not None

    def public_key_pem(self) -> bytes:
        """The server's RSA public key (PEM), made on the first request for it."""
        self._key()
        return self._public_pem

    def _decrypt(self, data: bytes, scramble: bytes) -> bytes | None:
        """The password from an RSA-OAEP answer (password + NUL, XOR the scramble), or None."""
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import padding

        key = self._key()
        try:
            plain = key.decrypt(  # type: ignore[attr-defined]
                data,
                padding.OAEP(
                    mgf=padding.MGF1(algorithm=hashes.SHA1()), algorithm=hashes.SHA1(), label=None
                ),
            )
        except (ValueError, TypeError):
            return None
        pad = scramble[:SCRAMBLE_LENGTH]
        clear = bytes(b ^ pad[i % len(pad)] for i, b in enumerate(plain))
        return clear.rstrip(b"\x00")
