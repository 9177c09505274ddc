"""The client of aurorad's control API, used alike by the CLI and the dashboard.

Requests and responses go over aurorad's Unix socket (mode 0600) through
:mod:`aurora.engine.rpc`; the operations are listed in :mod:`aurora.engine.control.api`. The first call
that needs aurorad starts it in the background. Errors come back as the engine's named errors
(:mod:`aurora.engine.errors`), so callers render them the same way wherever they happened.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aurora.engine import errors, process, rpc
from aurora.engine.layout import Layout, ensure_private_dir

DAEMON_MODULE = "aurora.engine.control.daemon"


class ControlClient:
    def __init__(self, layout: Layout | None = None, autostart: bool = True) -> None:
        self.layout = layout or Layout.from_env()
        self.autostart = autostart

    def daemon_running(self) -> bool:
        try:
            self._request("ping", {}, timeout=2.0)
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
            record = process.spawn(DAEMON_MODULE, [], folder, env={"AURORA_HOME": str(self.layout.home)},
                                   fork=False)
            # warms up while aurorad starts, to fork the first storage nodes and instances
            process.start_fork_server(self.layout, record)
        process.wait_until(self.daemon_running, 15.0, "aurorad to start", interval=0.01,
                           on_slow=on_slow, alive=record.alive, log_file=Layout.log_file(folder))

    def call(self, op: str, timeout: float = 300.0, **args: Any) -> Any:
        """Run one control-plane operation (engine/control/api.py) and return its result."""
        self.ensure_daemon()
        return self._request(op, args, timeout)

    def _request(self, op: str, args: dict[str, Any], timeout: float) -> Any:
        return rpc.request(self.layout.control_socket, op, args, timeout=timeout, peer="aurorad")
