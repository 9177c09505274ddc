"""aurorad's own settings, and the optional HTTP listeners they turn on.

Two listeners are off unless asked for: a Prometheus endpoint for the metrics
(``--metrics-port``) and the RDS Query API (``--api-port``), both bound to 127.0.0.1.
``aurora daemon start --metrics-port P --api-port Q`` records the ports in
``daemon/settings.toml`` and tells a running aurorad to apply them at once; an aurorad that
starts later reads the file, so the listeners come back after a restart. Port 0 turns a
listener off.

The listeners are small threaded HTTP servers owned by their own packages
(:mod:`aurora.engine.metrics.exporter`, :mod:`aurora.engine.rdsapi.server`); this room only
starts, stops and reports them.
"""

from __future__ import annotations

import importlib
import logging
from pathlib import Path
from typing import Annotated, Any, TypedDict

from aurora.engine import errors
from aurora.engine.control.context import Context
from aurora.engine.layout import read_toml, write_toml

log = logging.getLogger("aurorad")

# setting -> (module, class) of the listener it turns on
LISTENERS: dict[str, tuple[str, str]] = {
    "metrics_port": ("aurora.engine.metrics.exporter", "MetricsExporter"),
    "api_port": ("aurora.engine.rdsapi.server", "ApiServer"),
}
WHAT = {"metrics_port": "the Prometheus endpoint", "api_port": "the RDS API"}


class Listeners(TypedDict):
    metrics_port: Annotated[int | None, "port of the Prometheus endpoint on 127.0.0.1, or null when off"]
    api_port: Annotated[int | None, "port of the RDS Query API on 127.0.0.1, or null when off"]


def settings_file(daemon_dir: Path) -> Path:
    return daemon_dir / "settings.toml"


def load_settings(daemon_dir: Path) -> dict[str, int]:
    """The recorded ports (0 or missing: off)."""
    try:
        data = read_toml(settings_file(daemon_dir))
    except FileNotFoundError:
        return {}
    except ValueError:
        log.warning("ignoring unreadable %s", settings_file(daemon_dir))
        return {}
    return {k: int(v) for k, v in data.items() if k in LISTENERS and isinstance(v, int) and v > 0}


def listener_ports(listeners: dict[str, Any]) -> Listeners:
    """The port each listener serves on, None for those that are off."""
    return {setting: listeners[setting].port if setting in listeners else None  # type: ignore[return-value]
            for setting in LISTENERS}


def check_port(setting: str, port: int) -> None:
    if not 0 <= port <= 65535:
        flag = "--" + setting.replace("_", "-")
        raise errors.UsageError(f"{flag} must be a port between 1 and 65535 (0 turns it off), not {port}")


class Settings(Context):
    """The room that owns aurorad's optional listeners (``self.listeners``, under
    ``self.listeners_lock``)."""

    def start_listeners(self) -> None:
        """At start-up: serve what the settings file asks for; a port that is taken is logged."""
        for setting, port in load_settings(self.layout.daemon_dir).items():
            try:
                self._set_listener(setting, port)
            except errors.AuroraError as e:
                log.warning("%s", e.message)

    def stop_listeners(self) -> None:
        with self.listeners_lock:
            for setting in list(self.listeners):
                self._stop_listener(setting)


    def op_daemon_configure(self, metrics_port: int | None = None, api_port: int | None = None) -> Listeners:
        """Record and apply the ports given (None: unchanged, 0: off)."""
        wanted = {k: v for k, v in (("metrics_port", metrics_port), ("api_port", api_port)) if v is not None}
        for setting, port in wanted.items():
            check_port(setting, port)
        for setting, port in wanted.items():
            self._set_listener(setting, port)
        recorded = load_settings(self.layout.daemon_dir)
        recorded.update(wanted)
        write_toml(settings_file(self.layout.daemon_dir), {k: v for k, v in recorded.items() if v})
        return listener_ports(self.listeners)

    def _set_listener(self, setting: str, port: int) -> None:
        with self.listeners_lock:
            current = self.listeners.get(setting)
            if current is not None and current.port == port:
                return
            if current is not None:
                self._stop_listener(setting)
            if not port:
                return
            module, name = LISTENERS[setting]
            cls = getattr(importlib.import_module(module), name)
            listener = cls(self, port)
            try:
                listener.start()
            except OSError as e:
                raise errors.Conflict(f"cannot serve {WHAT[setting]} on 127.0.0.1:{port}: {e.strerror or e}",
                                      hint="choose a free port") from None
            self.listeners[setting] = listener
            log.info("serving %s on 127.0.0.1:%d", WHAT[setting], listener.port)

    def _stop_listener(self, setting: str) -> None:
        listener = self.listeners.pop(setting, None)
        if listener is None:
            return
        try:
            listener.stop()
        except Exception as e:  # a listener that fails to stop must not stop aurorad
            log.warning("stopping %s failed: %r", WHAT[setting], e)
