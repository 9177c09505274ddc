"""The named errors of aurora-local: each carries a message, an optional hint and an exit code.

Raise the most specific one inside the engine; render them in one place (the CLI prints
``Error:`` / ``Try:``, the wire front end maps them to SQLSTATE codes).
"""

from __future__ import annotations


class ExitCode:
    """Process exit codes of the `aurora` command, listed in its man page."""

    OK = 0
    FAILURE = 1
    USAGE = 2
    NOT_FOUND = 3
    CONFLICT = 4
    UNAVAILABLE = 5


class AuroraError(Exception):
    """Base of every error the engine raises on purpose."""

    exit_code = ExitCode.FAILURE

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InternalError(AuroraError):
    """A bug: a handler raised something no one raises on purpose (logged with its traceback)."""


class UsageError(AuroraError):
    exit_code = ExitCode.USAGE


class NotFound(AuroraError):
    exit_code = ExitCode.NOT_FOUND


class Conflict(AuroraError):
    exit_code = ExitCode.CONFLICT


class Unavailable(AuroraError):
    exit_code = ExitCode.UNAVAILABLE


class NotRunning(Unavailable):
    """Nobody listens on the socket: the request was never received."""


# --- storage --------------------------------------------------------------------------------


class StorageError(Unavailable):
    """A storage request failed; the volume may still be usable through other nodes."""


class WriteQuorumLost(StorageError):
    """Fewer than 4 of the 6 copies of a protection group acknowledged a write in time."""


class CommitOutcomeUnknown(StorageError):
    """A commit batch was sent but could not be confirmed durable (write quorum lost, or the
    writer fenced, while waiting): it may be durable already or become so later, or not.
    The client must be told exactly that; the wire front end closes its connection (08006),
    as PostgreSQL does when the connection is lost during COMMIT."""


class ReadQuorumLost(StorageError):
    """Fewer than 3 of the 6 copies of a protection group answered during recovery."""


class PageUnavailable(StorageError):
    """No storage node could serve a page version."""


class StaleEpoch(StorageError):
    """A storage node refused a request that carried an older volume epoch (a fenced writer)."""


class ProtocolError(StorageError):
    """A frame or record failed its checksum or could not be decoded."""


class VolumeNotFound(NotFound):
    pass


# --- control plane ----------------------------------------------------------------------------


class ClusterDamaged(Conflict):
    """A cluster's metadata cannot be read back."""
