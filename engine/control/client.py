"""The client of aurorad's control API, used alike by the CLI and the dashboard.

Requests and responses are JSON lines over aurorad's Unix socket (mode 0600). The first call
that needs aurorad starts it in the background. Errors come back as the engine's named errors
(:mod:`aurora.engine.errors`), so callers render them the same way wherever they happened.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from typing import Any

from aurora.engine import errors, process
from aurora.engine.layout import Layout, ensure_private_dir, unix_socket_path

DAEMON_MODULE = "aurora.engine.control.daemon"


class ControlClient:
    def __init__(self, layout: Layout | None = None, autostart: bool = True) -> None:
        self.layout = layout or Layout.from_env()
        self.autostart = autostart

    def daemon_running(self) -> bool:
        try:
            self._request({"op": "ping", "args": {}}, timeout=2.0)
            return True
        except (OSError, errors.Unavailable):
            return False

    def ensure_daemon(self, on_slow: Callable[[str], None] | None = None) -> None:
        if self.daemon_running():
            return
        if not self.autostart:
            raise errors.Unavailable("aurorad is not running", hint="aurora daemon start")
        folder = ensure_private_dir(self.layout.daemon_dir)
        record = process.read_pid_file(folder)
        if record is None or not record.alive():
            record = process.spawn(DAEMON_MODULE, [], folder, env={"AURORA_HOME": str(self.layout.home)})
        process.wait_until(self.daemon_running, 15.0, "aurorad to start", interval=0.05,
                           on_slow=on_slow, alive=record.alive)

    def call(self, op: str, timeout: float = 300.0, **args: Any) -> Any:
        """Run one control-plane operation and return its result."""
        self.ensure_daemon()
        return self._request({"op": op, "args": args}, timeout)

    def _request(self, message: dict[str, Any], timeout: float) -> Any:
        path = self.layout.control_socket
        if not path.exists():
            raise errors.Unavailable("aurorad is not running")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            try:
                s.connect(unix_socket_path(path))
            except (ConnectionRefusedError, FileNotFoundError):
                raise errors.Unavailable("aurorad is not running") from None
            s.sendall(json.dumps(message).encode() + b"\n")
            buf = bytearray()
            while not buf.endswith(b"\n"):
                try:
                    chunk = s.recv(1 << 16)
                except TimeoutError:
                    raise errors.Unavailable(f"aurorad did not answer {message['op']} in {timeout:.0f}s") from None
                if not chunk:
                    raise errors.Unavailable("aurorad closed the connection (did it stop?)")
                buf += chunk
        reply = json.loads(buf)
        if reply.get("ok"):
            return reply.get("result")
        err = reply.get("error", {})
        cls = getattr(errors, err.get("kind", ""), None)
        if not (isinstance(cls, type) and issubclass(cls, errors.AuroraError)):
            cls = errors.AuroraError
        raise cls(err.get("message", "unknown error"), err.get("hint"))
