"""The `aurora` command: typer commands that call the control plane and render its results.

Each command parses its options, makes one call to aurorad through
:class:`aurora.engine.control.client.ControlClient`, and renders the result (a rich table,
or JSON with ``--json``). Errors are rendered in one place, :func:`main`: one line
``Error: ...`` and, where a next step exists, ``Try: ...``, on stderr, with the exit code of
the error's kind (see ``aurora(1)``).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from typing import Any, Literal

import typer

from aurora.engine import __version__
from aurora.engine.control.client import ControlClient
from aurora.engine.errors import AuroraError, ExitCode, NotFound, UsageError
from aurora.engine.layout import DEFAULT_REGION
from aurora.engine.metrics.names import METRICS
from aurora.engine.storage.quorum import COPIES


class _Console:
    """rich's Console, made on first use: a command that prints nothing through it (``--json``,
    ``--version``, the wait for aurorad of a cold create) does not import rich."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._console is None:
            from rich.console import Console

            self._console = Console(**self._options)
        return getattr(self._console, name)


def Table(*columns: Any, **options: Any) -> Any:
    """rich's Table, imported when a table is drawn."""
    from rich.table import Table as RichTable

    return RichTable(*columns, **options)


out = _Console(highlight=False)
err = _Console(stderr=True, highlight=False)

app = typer.Typer(
    name="aurora",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)
daemon_app = typer.Typer(help="The control plane daemon, aurorad.\n\nExample: aurora daemon status",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(daemon_app, name="daemon")

JSON = typer.Option(False, "--json", help="Print JSON for scripts instead of a table.")


def client() -> ControlClient:
    return ControlClient()


def call(op: str, waiting: str | None = None, **args: Any) -> Any:
    """One control-plane call, with a spinner on stderr when it may take a while."""
    c = client()
    c.ensure_daemon()  # a cold start begins before rich is imported for the spinner
    if waiting and err.is_terminal:
        with err.status(waiting):
            return c.call(op, **args)
    return c.call(op, **args)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"aurora {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                 help="Print the version and exit."),
) -> None:
    """Run Aurora-style database clusters on this machine.

    Example: aurora create demo --replicas 2
    """


# --- clusters ---------------------------------------------------------------------------------


@app.command()
def create(
    name: str = typer.Argument(..., help="Cluster name: lowercase letters, digits and hyphens."),
    engine: str = typer.Option("postgres", "--engine",
                               help="Database engine: postgres (Aurora PostgreSQL) or mysql (Aurora MySQL)."),
    replicas: int = typer.Option(0, "--replicas", help="Read replicas, 0 to 15."),
    region: str = typer.Option(DEFAULT_REGION, "--region", help="Region whose storage fleet holds the volume."),
    master_username: str | None = typer.Option(None, "--master-username",
                                               help="The master user's name (default: postgres; admin for mysql)."),
    master_password_stdin: bool = typer.Option(False, "--master-password-stdin",
                                               help="Read the master password from standard input."),
    database_name: str | None = typer.Option(None, "--database-name",
                                             help="The initial database (default: postgres; none for mysql)."),
    port: int | None = typer.Option(None, "--port", help="Port of the writer endpoint (default: a free one)."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Return once the writer endpoint accepts connections."),
    serverless: bool = typer.Option(False, "--serverless",
                                    help="Serverless v2 instances: capacity in ACUs that follows the load."),
    min_acu: float | None = typer.Option(None, "--min-acu",
                                         help="Least capacity per instance: 0 (pauses when idle) or 0.5-256 "
                                              "in steps of 0.5 (default 0.5)."),
    max_acu: float | None = typer.Option(None, "--max-acu", help="Most capacity per instance: 1-256 (default 16)."),
    auto_pause_after: int | None = typer.Option(None, "--auto-pause-after",
                                                help="With --min-acu 0: idle seconds before instances pause "
                                                     "(1-86400, default 300)."),
    backup_retention_days: int = typer.Option(1, "--backup-retention-days",
                                              help="Days of continuous backups kept for point-in-time restore (1-35)."),
    backtrack_window: int = typer.Option(0, "--backtrack-window",
                                         help="Seconds a backtrack may rewind the cluster in place (0: off; up to "
                                              "259200, 72 h)."),
    backup_dir: str | None = typer.Option(None, "--backup-dir",
                                          help="Its backup store's folder (default: AURORA_BACKUP_DIR, else "
                                               "backups/ under AURORA_HOME)."),
    as_json: bool = JSON,
) -> None:
    """Create a cluster: a volume, a writer, optional readers and their endpoints.

    Example: aurora create demo --replicas 2
    Example: aurora create lab --serverless --min-acu 0 --max-acu 8 --auto-pause-after 60
    """
    password = None
    if master_password_stdin:
        password = sys.stdin.readline().rstrip("\n")
        if not password:
            raise UsageError("--master-password-stdin read an empty password")
    started = time.monotonic()
    result = call("create", f"Creating cluster {name}...", name=name, engine=engine, replicas=replicas,
                  region=region, master_username=master_username, master_password=password,
                  database_name=database_name, port=port, wait=wait, serverless=serverless,
                  min_acu=min_acu, max_acu=max_acu, auto_pause_after=auto_pause_after,
                  backup_retention_days=backup_retention_days, backtrack_window=backtrack_window,
                  backup_dir=backup_dir)
    if as_json:
        emit_json(result)
        return
    out.print(f"Cluster [bold]{name}[/] is {'available' if wait else 'starting'} "
              f"({time.monotonic() - started:.1f}s).")
    _print_endpoints(result)
    if result.get("engine") == "mysql":
        w = result["writer"]
        out.print(f"\nConnect:  aurora connect {name}   or   mysql -h 127.0.0.1 -P {w['port']} -u <user> -p")
    else:
        out.print(f"\nConnect:  psql \"$(aurora url {name})\"   or   aurora connect {name}")


@app.command("list")
def list_(as_json: bool = JSON) -> None:
    """List clusters.

    Example: aurora list --json
    """
    rows = call("list")
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("No clusters. Create one with: aurora create demo")
        return
    t = Table("NAME", "ENGINE", "STATUS", "REGION", "INSTANCES", "WRITER", "WRITER PORT", "READER PORT", box=None)
    for r in rows:
        t.add_row(r["name"], r["engine"], _status(r["status"]), r["region"], str(r["instances"]),
                  r["writer"] or "-", str(r["writer_port"]), str(r["reader_port"]))
    out.print(t)


def _status(s: str) -> str:
    color = {"available": "green", "replicating": "green", "stopped": "dim", "starting": "yellow",
             "catching-up": "yellow", "rejoining": "yellow", "switching-over": "yellow",
             "failing-over": "yellow", "paused": "blue", "pausing": "blue"}.get(s, "red")
    return f"[{color}]{s}[/]"


@app.command()
def describe(name: str = typer.Argument(..., help="Cluster name."), as_json: bool = JSON) -> None:
    """Show a cluster: its instances, roles, AZs, lag, and its volume.

    Example: aurora describe demo --json
    """
    d = call("describe", name=name)
    if as_json:
        emit_json(d)
        return
    out.print(f"[bold]{d['name']}[/]  {d['engine']}  {_status(d['status'])}  region {d['region']}"
              + (f"  (clone of {d['parent']})" if d.get("parent") else ""))
    vol = d["volume"]
    size = vol.get("size_bytes")
    out.print(f"volume {vol['id']}: {_bytes(size) if size is not None else '?'} in "
              f"{vol.get('protection_groups', '?')} protection group(s)")
    bk = d.get("backups") or {}
    if bk.get("latest_restorable_time"):
        out.print(f"restorable from {bk['earliest_restorable_time']} to {bk['latest_restorable_time']} "
                  f"(retention {bk['backup_retention_days']} day(s))"
                  + (f"; backtrack to {bk['earliest_backtrack_time']} or later" if bk.get("earliest_backtrack_time")
                     else ""))
    sv = d.get("serverless")
    if sv:
        out.print(f"serverless: {sv['min_acu']:g} to {sv['max_acu']:g} ACUs per instance"
                  + (f", pauses after {sv['seconds_until_auto_pause']}s idle"
                     if sv["seconds_until_auto_pause"] is not None else ""))
    t = Table("INSTANCE", "ROLE", "STATUS", "AZ", "TIER", "LAG MS", *(["ACU"] if sv else []), "PORT", "PID",
              box=None)
    for i in d["instances"]:
        lag = "-" if i["lag_ms"] is None else f"{i['lag_ms']:.1f}"
        acu = ["-" if i["acu"] is None else f"{i['acu']:g}"] if sv else []
        t.add_row(i["id"], i["role"], _status(i["status"]), i["az"], str(i["promotion_tier"]), lag, *acu,
                  str(i["port"]), str(i["pid"] or "-"))
    out.print(t)


def _bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _print_endpoints(e: dict[str, Any]) -> None:
    t = Table("ENDPOINT", "HOST", "PORT", "GOES TO", box=None)
    t.add_row("writer", e["writer"]["host"], str(e["writer"]["port"]), "the current writer")
    t.add_row("reader", e["reader"]["host"], str(e["reader"]["port"]), "readers, round-robin")
    for c in e.get("custom", []):
        t.add_row(c["name"], c["host"], str(c["port"]), ", ".join(c["members"]))
    for i in e["instances"]:
        t.add_row(i["id"], i["host"], str(i["port"]), f"{i['role']} in AZ {i['az']}")
    out.print(t)


@app.command()
def endpoints(name: str = typer.Argument(..., help="Cluster name."), as_json: bool = JSON) -> None:
    """Show a cluster's writer, reader, custom and instance endpoints.

    Example: aurora endpoints demo --json | jq -r .writer.uri
    """
    e = call("endpoints", name=name)
    if as_json:
        emit_json(e)
        return
    _print_endpoints(e)


@app.command()
def url(
    name: str = typer.Argument(..., help="Cluster name."),
    reader: bool = typer.Option(False, "--reader", help="The reader endpoint instead of the writer endpoint."),
    instance: str | None = typer.Option(None, "--instance", help="One instance's own endpoint."),
) -> None:
    """Print a connection URI (with the password) for psql and drivers: psql "$(aurora url demo)".

    Example: aurora url demo --reader
    """
    if reader and instance:
        raise UsageError("--reader and --instance cannot be used together")
    typer.echo(call("url", name=name, reader=reader, instance=instance))


@app.command()
def connect(
    name: str = typer.Argument(..., help="Cluster name."),
    reader: bool = typer.Option(False, "--reader", help="Connect through the reader endpoint."),
) -> None:
    """Open psql (mysql for a MySQL cluster) on a cluster's writer (or reader) endpoint.

    Example: aurora connect demo --reader
    """
    uri = call("url", name=name, reader=reader)
    if uri.startswith("mysql://"):
        _exec_mysql(uri)
    psql = shutil.which("psql")
    if psql is None:
        raise NotFound("psql is not installed", hint="apt-get install postgresql-client")
    os.execv(psql, [psql, uri])


def _exec_mysql(uri: str) -> None:
    """Replace this process with the mysql client on ``uri`` (the password through MYSQL_PWD,
    so that it is not on the command line for ps to show)."""
    from urllib.parse import unquote, urlsplit

    mysql = shutil.which("mysql")
    if mysql is None:
        raise NotFound("the mysql client is not installed", hint="apt-get install default-mysql-client")
    u = urlsplit(uri)
    args = [mysql, "-h", u.hostname or "127.0.0.1", "-P", str(u.port), "-u", unquote(u.username or "")]
    if u.path.strip("/"):
        args.append(unquote(u.path.strip("/")))
    os.execve(mysql, args, {**os.environ, "MYSQL_PWD": unquote(u.password or "")})


@app.command()
def start(name: str = typer.Argument(..., help="Cluster name."), as_json: bool = JSON) -> None:
    """Start a stopped cluster.

    Example: aurora start demo
    """
    r = call("start", f"Starting {name}...", name=name)
    emit_json(r) if as_json else out.print(f"Cluster {name} is {r['status']}.")


@app.command()
def stop(name: str = typer.Argument(..., help="Cluster name."), as_json: bool = JSON) -> None:
    """Stop a cluster's instances and endpoints; its volume stays.

    Example: aurora stop demo
    """
    r = call("stop", f"Stopping {name}...", name=name)
    emit_json(r) if as_json else out.print(f"Cluster {name} is stopped.")


@app.command()
def delete(
    name: str = typer.Argument(..., help="Cluster name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Delete a cluster, its instances and its volume.

    Example: aurora delete demo --yes
    """
    if not yes:
        _confirm(f"Delete cluster {name} and all its data?", name, f"aurora delete {name} --yes")
    r = call("delete", f"Deleting {name}...", name=name)
    emit_json(r) if as_json else out.print(f"Cluster {name} deleted.")


def _confirm(question: str, name: str, retry: str) -> None:
    """Ask on a terminal; elsewhere (scripts, pipes) refuse and name the --yes form."""
    if not sys.stdin.isatty():
        raise UsageError(f"refusing to delete {name} without --yes", hint=retry)
    if not typer.confirm(question):
        raise typer.Exit(ExitCode.FAILURE)


@app.command()
def events(
    name: str | None = typer.Argument(None, help="Cluster name (default: every cluster)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new events."),
    as_json: bool = JSON,
) -> None:
    """Show events, in Aurora's wording (--json: an array; with --follow, one object a line).

    Example: aurora events demo --follow
    """
    since = 0
    while True:
        rows = call("events", name=name, since=since)
        if as_json and not follow:
            emit_json(rows)
            return
        for ev in rows:
            since = max(since, ev["id"])
            if as_json:
                sys.stdout.write(json.dumps(ev) + "\n")
            else:
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ev["time"]))
                out.print(f"{stamp}  {ev['source']:<24} {ev['message']}", soft_wrap=True)
        sys.stdout.flush()
        if not follow:
            return
        time.sleep(0.5)


_METRICS_HELP = f"""Show a cluster's metrics: CloudWatch's names, units and statistics, recorded every second.

One row per metric and instance (or the cluster, for its volume, backups and global
database), with a sparkline on a terminal; --json prints CloudWatch's GetMetricStatistics
shape: Label, Dimensions and Datapoints (Timestamp, the statistic, Unit). Samples are kept
an hour at one second and 24 hours as one-minute rollups, under AURORA_HOME/metrics.

Metrics: {", ".join(f"{m.name} ({m.unit})" for m in METRICS)}.

Prometheus: aurora daemon start --metrics-port PORT serves the last second's values at
http://127.0.0.1:PORT/metrics, as gauges named in its style and in base units (CommitLatency
is aurora_commit_latency_seconds, VolumeReadIOPs aurora_volume_read_iops) with the labels
db_cluster_identifier, engine_name, and for an instance's metric db_instance_identifier and
role. AURORA_METRICS=off in aurorad's environment turns recording off.

Example: aurora metrics demo --metric CommitThroughput --since 15m --period 60
"""


@app.command(help=_METRICS_HELP)
def metrics(
    name: str = typer.Argument(..., help="Cluster name."),
    instance: str | None = typer.Option(None, "--instance", help="Only this instance's metrics."),
    metric: str | None = typer.Option(None, "--metric", help="Only this metric, e.g. CommitLatency."),
    since: str = typer.Option("15m", "--since", help="How far back: 90s, 15m, 3h, up to 1d."),
    period: int = typer.Option(60, "--period", help="Seconds per datapoint: 1, 5, 10, 30 or a multiple of 60."),
    statistic: str = typer.Option("Average", "--statistic",
                                  help="Average, Minimum, Maximum, Sum or SampleCount."),
    as_json: bool = JSON,
) -> None:
    rows = call("metrics", name=name, instance=instance, metric_name=metric, since=since, period=period,
                statistic=statistic)
    if as_json:
        emit_json(rows)
    elif not rows:
        out.print(f"No datapoints for {name} in the last {since} yet: aurorad records them every second.")
    else:
        _print_metrics(rows, period)


def _print_metrics(rows: list[dict[str, Any]], period: int) -> None:
    spark = out.is_terminal
    statistic = next(k for k in rows[0]["Datapoints"][0] if k not in ("Timestamp", "Unit"))
    t = Table(box=None, title=f"{statistic} per {period}s", title_justify="left")
    for column in ("METRIC", "INSTANCE", "NOW", "MIN", "MAX", *(["TREND"] if spark else [])):
        t.add_column(column, no_wrap=True, justify="right" if column in ("NOW", "MIN", "MAX") else "left")
    for r in rows:
        dims = {d["Name"]: d["Value"] for d in r["Dimensions"]}
        unit = r["Datapoints"][0]["Unit"]
        values = [p[statistic] for p in r["Datapoints"]]
        t.add_row(r["Label"], dims.get("DBInstanceIdentifier", "(cluster)"),
                  *(_metric_value(v, unit) for v in (values[-1], min(values), max(values))),
                  *([_sparkline(values[-30:])] if spark else []))
    out.print(t)


def _metric_value(v: float, unit: str) -> str:
    if unit == "Bytes":
        return _bytes(int(v))
    suffix = {"Percent": "%", "Milliseconds": " ms", "Count/Second": "/s", "Minutes": " min"}.get(unit, "")
    return f"{v:.2f}{suffix}" if abs(v) < 10 and v != int(v) else f"{v:,.0f}{suffix}"


def _sparkline(values: list[float]) -> str:
    """Bars from zero to the peak, newest on the right."""
    peak = max(values, default=0.0) or 1.0
    return "".join(" ▁▂▃▄▅▆▇█"[max(0, min(8, round(8 * v / peak)))] for v in values)


@app.command()
def logs(
    name: str = typer.Argument(..., help="Cluster name."),
    instance: str | None = typer.Argument(None, help="Instance id (default: the writer)."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Keep printing new lines."),
    lines: int = typer.Option(50, "--lines", "-n", help="How many lines from the end to start with."),
) -> None:
    """Print an instance's log.

    Example: aurora logs demo demo-instance-2 --follow
    """
    path = call("log_path", name=name, instance=instance)
    cmd = ["tail", "-n", str(lines)] + (["-F"] if follow else []) + [path]
    try:
        raise typer.Exit(subprocess.call(cmd))
    except KeyboardInterrupt:
        raise typer.Exit(0) from None


@app.command()
def failover(
    name: str = typer.Argument(..., help="Cluster name."),
    target: str | None = typer.Option(None, "--target", "--target-db-instance-identifier",
                                      help="The reader to promote (default: by promotion tier, then least lag)."),
    as_json: bool = JSON,
) -> None:
    """Promote a reader to writer; the old writer is fenced and comes back as a reader.

    Example: aurora failover demo --target demo-instance-2
    """
    r = call("failover", f"Failing over {name}...", name=name, target=target)
    if as_json:
        emit_json(r)
        return
    out.print(f"{r['new_writer']} is the writer of {name} (was {r['old_writer']}); "
              f"it took writes after {r['seconds']:.2f}s.")


@app.command()
def scale(
    name: str = typer.Argument(..., help="Cluster name."),
    replicas: int = typer.Option(..., "--replicas", help="Readers wanted, 0 to 15."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Return once new readers serve."),
    as_json: bool = JSON,
) -> None:
    """Add or remove readers; the reader endpoint follows.

    Example: aurora scale demo --replicas 3
    """
    r = call("scale", f"Scaling {name}...", name=name, replicas=replicas, wait=wait)
    if as_json:
        emit_json(r)
        return
    changes = [f"added {', '.join(r['added'])}"] if r["added"] else []
    changes += [f"removed {', '.join(r['removed'])}"] if r["removed"] else []
    out.print(f"{name} has {r['replicas']} reader(s)" + (f" ({'; '.join(changes)})." if changes else "."))


@app.command()
def modify(
    name: str = typer.Argument(..., help="Cluster name."),
    min_acu: float | None = typer.Option(None, "--min-acu", help="Least capacity per instance: 0 or 0.5-256."),
    max_acu: float | None = typer.Option(None, "--max-acu", help="Most capacity per instance: 1-256."),
    auto_pause_after: int | None = typer.Option(None, "--auto-pause-after",
                                                help="With a minimum of 0: idle seconds before a pause (1-86400)."),
    instance: str | None = typer.Option(None, "--instance", help="The instance whose --promotion-tier to set."),
    promotion_tier: int | None = typer.Option(None, "--promotion-tier",
                                              help="0-15: failover prefers the lowest; serverless readers in "
                                                   "tiers 0 and 1 follow the writer's capacity and pause with it."),
    as_json: bool = JSON,
) -> None:
    """Change a serverless cluster's capacity range, or an instance's promotion tier; at once, without a restart.

    Example: aurora modify lab --min-acu 0.5 --max-acu 16
    Example: aurora modify lab --instance lab-instance-3 --promotion-tier 2
    """
    r = call("modify", f"Modifying {name}...", name=name, min_acu=min_acu, max_acu=max_acu,
             auto_pause_after=auto_pause_after, instance=instance, promotion_tier=promotion_tier)
    if as_json:
        emit_json(r)
        return
    sv = r["serverless"]
    if sv:
        out.print(f"{name}: {sv['min_acu']:g} to {sv['max_acu']:g} ACUs per instance"
                  + (f", pauses after {sv['seconds_until_auto_pause']}s idle" if sv["seconds_until_auto_pause"]
                     else "") + ".")
    for i in r["instances"]:
        acu = "" if i["acu"] is None else f", {i['acu']:g} ACU" + (" (paused)" if i["acu"] == 0 else "")
        out.print(f"  {i['id']}: promotion tier {i['promotion_tier']}{acu}")


@app.command()
def clone(
    source: str = typer.Argument(..., help="The cluster to clone."),
    name: str = typer.Argument(..., help="Name of the new cluster."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Return once the clone's writer serves."),
    as_json: bool = JSON,
) -> None:
    """Create a cluster on a copy-on-write clone of another's volume (no data is copied).

    Example: aurora clone demo demo-test
    """
    r = call("clone", f"Cloning {source} into {name}...", source=source, name=name, wait=wait)
    if as_json:
        emit_json(r)
        return
    out.print(f"Cluster [bold]{name}[/] is a clone of {source} ({r['clone_seconds']:.1f}s).")
    _print_endpoints(r)


endpoint_app = typer.Typer(help="Custom endpoints.\n\nExample: aurora endpoint create demo analytics --members demo-instance-2",
                           no_args_is_help=True, rich_markup_mode=None)
app.add_typer(endpoint_app, name="endpoint")


@endpoint_app.command("create")
def endpoint_create(
    name: str = typer.Argument(..., help="Cluster name."),
    endpoint: str = typer.Argument(..., help="Name of the custom endpoint."),
    members: str = typer.Option(..., "--members", help="Comma-separated instance ids."),
    as_json: bool = JSON,
) -> None:
    """Create a custom endpoint that spreads connections over chosen instances.

    Example: aurora endpoint create demo analytics --members demo-instance-2,demo-instance-3
    """
    e = call("endpoint_create", name=name, endpoint=endpoint,
             members=[m.strip() for m in members.split(",") if m.strip()])
    if as_json:
        emit_json(e)
        return
    _print_endpoints(e)


# --- snapshots, restore, backtrack -------------------------------------------------------------

snapshot_app = typer.Typer(help="Cluster snapshots: points in a cluster's backups, restorable as new clusters."
                                "\n\nExample: aurora snapshot create demo before-migration",
                           no_args_is_help=True, rich_markup_mode=None)
app.add_typer(snapshot_app, name="snapshot")


def _print_snapshots(rows: list[dict[str, Any]]) -> None:
    t = Table("SNAPSHOT", "CLUSTER", "KIND", "STATUS", "HOLDS THE DATABASE AS OF", "SIZE", box=None)
    for s in rows:
        t.add_row(s["name"], s["cluster"], s["kind"], _status(s["status"]), s["time"], _bytes(s["size_bytes"]))
    out.print(t)


@snapshot_app.command("create")
def snapshot_create(
    cluster: str = typer.Argument(..., help="The cluster to snapshot."),
    snapshot: str = typer.Argument(..., help="The snapshot's name."),
    as_json: bool = JSON,
) -> None:
    """Take a manual snapshot: it records a point of the cluster's backups and copies no data.

    Example: aurora snapshot create demo before-migration
    """
    r = call("snapshot_create", f"Snapshotting {cluster}...", cluster=cluster, snapshot=snapshot)
    emit_json(r) if as_json else out.print(f"Snapshot {snapshot} of {cluster} holds the database as of {r['time']}.")


@snapshot_app.command("list")
def snapshot_list(
    cluster: str | None = typer.Option(None, "--cluster", help="Only this cluster's snapshots."),
    as_json: bool = JSON,
) -> None:
    """List snapshots, manual and automated, also of deleted clusters.

    Example: aurora snapshot list --cluster demo
    """
    rows = call("snapshot_list", cluster=cluster)
    if as_json:
        emit_json(rows)
    elif rows:
        _print_snapshots(rows)
    else:
        out.print("No snapshots. Take one with: aurora snapshot create CLUSTER NAME")


@snapshot_app.command("describe")
def snapshot_describe(snapshot: str = typer.Argument(..., help="The snapshot."), as_json: bool = JSON) -> None:
    """Show a snapshot.

    Example: aurora snapshot describe before-migration --json
    """
    r = call("snapshot_describe", snapshot=snapshot)
    if as_json:
        emit_json(r)
        return
    _print_snapshots([r])
    out.print(f"volume {r['volume']}, LSN {r['lsn']}, taken {r['created']}, in {r['store']}"
              + (f", a copy of {r['copied_from']}" if r["copied_from"] else ""))


@snapshot_app.command("delete")
def snapshot_delete(
    snapshot: str = typer.Argument(..., help="The snapshot."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Delete a snapshot (the backups it alone needed are pruned later).

    Example: aurora snapshot delete before-migration --yes
    """
    if not yes:
        _confirm(f"Delete snapshot {snapshot}?", snapshot, f"aurora snapshot delete {snapshot} --yes")
    r = call("snapshot_delete", snapshot=snapshot)
    emit_json(r) if as_json else out.print(f"Snapshot {snapshot} deleted.")


@snapshot_app.command("copy")
def snapshot_copy(
    snapshot: str = typer.Argument(..., help="The snapshot to copy."),
    new: str = typer.Argument(..., help="The copy's name."),
    as_json: bool = JSON,
) -> None:
    """Copy a snapshot under a new name (a manual snapshot, which never expires).

    Example: aurora snapshot copy rds:demo-2026-12-02-00-00 keep-this-one
    """
    r = call("snapshot_copy", snapshot=snapshot, new=new)
    emit_json(r) if as_json else out.print(f"Snapshot {new} is a copy of {snapshot}.")


@snapshot_app.command("export")
def snapshot_export(
    snapshot: str = typer.Argument(..., help="The snapshot to export."),
    to: str = typer.Option(..., "--to", help="The SQLite database file to write."),
    database: str | None = typer.Option(None, "--database", help="Which database (default: the cluster's)."),
    as_json: bool = JSON,
) -> None:
    """Write one database of a snapshot as a plain SQLite database file (sqlite3 opens it).

    Example: aurora snapshot export before-migration --to demo.sqlite
    """
    r = call("snapshot_export", f"Exporting {snapshot}...", snapshot=snapshot, to=os.path.abspath(to),
             database=database)
    emit_json(r) if as_json else out.print(f"Wrote database {r['database']} of {snapshot} to {r['path']} "
                                           f"({_bytes(r['size_bytes'])}).")


@app.command()
def restore(
    name: str = typer.Argument(..., help="Name of the new cluster."),
    from_snapshot: str | None = typer.Option(None, "--from-snapshot", help="Restore this snapshot."),
    source: str | None = typer.Option(None, "--source", help="Restore this cluster's backups (it may be deleted)."),
    to_time: str | None = typer.Option(None, "--to-time", help="With --source: the point, ISO 8601 (UTC unless a "
                                                                "zone is given)."),
    latest: bool = typer.Option(False, "--latest", help="With --source: the latest restorable time."),
    replicas: int = typer.Option(0, "--replicas", help="Read replicas of the new cluster, 0 to 15."),
    backup_dir: str | None = typer.Option(None, "--backup-dir", help="The backup store, when not the home's."),
    as_json: bool = JSON,
) -> None:
    """Restore a new cluster from a snapshot or to a point in time, from the backup store alone.

    Example: aurora restore demo-copy --source demo --to-time 2026-12-02T10:30:00Z
    Example: aurora restore demo-copy --from-snapshot before-migration
    """
    r = call("restore", f"Restoring {name}...", name=name, from_snapshot=from_snapshot, source=source,
             to_time=to_time, latest=latest, replicas=replicas,
             backup_dir=os.path.abspath(backup_dir) if backup_dir else None)
    if as_json:
        emit_json(r)
        return
    out.print(f"Cluster [bold]{name}[/] holds the database as of {r['restored_to']} "
              f"(restored in {r['restore_seconds']:.1f}s).")
    _print_endpoints(r)


@app.command()
def backtrack(
    name: str = typer.Argument(..., help="Cluster name."),
    to: str = typer.Option(..., "--to", help="The point to go back (or forward) to, ISO 8601."),
    as_json: bool = JSON,
) -> None:
    """Rewind a cluster in place to a point in its backtrack window; its connections are closed.

    Example: aurora backtrack demo --to 2026-12-02T10:30:00Z
    """
    r = call("backtrack", f"Backtracking {name}...", name=name, to=to)
    emit_json(r) if as_json else out.print(f"{name} holds the database as of {r['backtracked_to']} "
                                           f"(unavailable for {r['seconds']:.1f}s).")


# --- machine learning ---------------------------------------------------------------------------

ml_app = typer.Typer(help="Machine learning from SQL: model endpoints and the clusters allowed to call them."
                          "\n\nExample: aurora ml endpoint create churn --model churn.joblib",
                     no_args_is_help=True, rich_markup_mode=None)
app.add_typer(ml_app, name="ml")
ml_endpoint_app = typer.Typer(help="Model endpoints, called from SQL with aws_sagemaker.invoke_endpoint."
                                   "\n\nExample: aurora ml endpoint list",
                              no_args_is_help=True, rich_markup_mode=None)
ml_app.add_typer(ml_endpoint_app, name="endpoint")


def _print_ml_endpoints(rows: list[dict[str, Any]]) -> None:
    t = Table("ENDPOINT", "KIND", "STATUS", "INPUTS", "INVOCATIONS", "ROWS", "SOURCE", box=None)
    for e in rows:
        t.add_row(e["name"], e["kind"], e["status"], "any" if e["inputs"] is None else str(e["inputs"]),
                  str(e["invocations"]), str(e["rows"]), e["source"] or "")
    out.print(t)


@ml_endpoint_app.command("create")
def ml_endpoint_create(
    name: str = typer.Argument(..., help="The endpoint's name."),
    model: str | None = typer.Option(None, "--model", metavar="FILE",
                                     help="A scikit-learn model (.joblib, .pkl) or an ONNX model (.onnx)."),
    handler: str | None = typer.Option(None, "--handler", metavar="MODULE:FUNCTION",
                                       help="A Python callable: rows in (lists), one value per row out; "
                                            "imported from the current folder."),
    as_json: bool = JSON,
) -> None:
    """Serve a model as an endpoint (the model file is copied; it is loaded once now to check it).

    Example: aurora ml endpoint create churn --model churn.joblib
    Example: aurora ml endpoint create score --handler scoring:predict
    """
    if model is not None:
        model = os.path.abspath(os.path.expanduser(model))
    r = call("ml_endpoint_create", f"Creating endpoint {name}...", name=name, model=model, handler=handler,
             path=os.getcwd() if handler else None)
    if as_json:
        emit_json(r)
        return
    width = "any number of" if r["inputs"] is None else str(r["inputs"])
    out.print(f"Endpoint {name} is in service ({r['kind']}, {width} input(s) per row). From SQL:")
    out.print(f"  SELECT aws_sagemaker.invoke_endpoint('{name}', NULL, col1, col2, ...) FROM t;")


@ml_endpoint_app.command("list")
def ml_endpoint_list(as_json: bool = JSON) -> None:
    """List model endpoints.

    Example: aurora ml endpoint list --json
    """
    rows = call("ml_endpoint_list")
    if as_json:
        emit_json(rows)
    elif rows:
        _print_ml_endpoints(rows)
    else:
        out.print("No endpoints. Create one with: aurora ml endpoint create NAME --model FILE")


@ml_endpoint_app.command("describe")
def ml_endpoint_describe(name: str = typer.Argument(..., help="The endpoint."), as_json: bool = JSON) -> None:
    """Show an endpoint and how often it was called.

    Example: aurora ml endpoint describe churn
    """
    r = call("ml_endpoint_describe", name=name)
    emit_json(r) if as_json else _print_ml_endpoints([r])


@ml_endpoint_app.command("delete")
def ml_endpoint_delete(
    name: str = typer.Argument(..., help="The endpoint."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Delete an endpoint: SQL that calls it gets an error from then on.

    Example: aurora ml endpoint delete churn --yes
    """
    if not yes:
        _confirm(f"Delete endpoint {name}?", name, f"aurora ml endpoint delete {name} --yes")
    r = call("ml_endpoint_delete", name=name)
    emit_json(r) if as_json else out.print(f"Endpoint {name} deleted.")


FEATURE = typer.Option(..., "--feature", help="comprehend (aws_comprehend) or sagemaker (aws_sagemaker).")


@ml_app.command("attach")
def ml_attach(cluster: str = typer.Argument(..., help="Cluster name."), feature: str = FEATURE,
              as_json: bool = JSON) -> None:
    """Let a cluster call an ML service, as associating an IAM role for the feature does in AWS.

    Example: aurora ml attach demo --feature comprehend
    """
    r = call("ml_attach", cluster=cluster, feature=feature)
    emit_json(r) if as_json else out.print(f"{cluster} may call: {', '.join(r['features'])}.")


@ml_app.command("detach")
def ml_detach(cluster: str = typer.Argument(..., help="Cluster name."), feature: str = FEATURE,
              as_json: bool = JSON) -> None:
    """Take a service back from a cluster: its calls fail with AccessDeniedException from then on.

    Example: aurora ml detach demo --feature sagemaker
    """
    r = call("ml_detach", cluster=cluster, feature=feature)
    emit_json(r) if as_json else out.print(f"{cluster} may call: {', '.join(r['features']) or 'nothing'}.")


@ml_app.command("status")
def ml_status(as_json: bool = JSON) -> None:
    """Show the ML service, its endpoints and which clusters may call what.

    Example: aurora ml status --json
    """
    r = call("ml_status")
    if as_json:
        emit_json(r)
        return
    if r["running"]:
        slow = f", every call delayed {r['latency_ms']} ms (chaos)" if r["latency_ms"] else ""
        out.print(f"ML service running (pid {r['pid']}): {r['requests']} request(s), {r['rows']} row(s), "
                  f"{r['errors']} error(s){slow}.")
    else:
        out.print("ML service not running (it starts with the first endpoint or attached cluster).")
    out.print(f"Endpoints: {', '.join(r['endpoints']) or 'none'}.")
    for cluster, features in sorted(r["roles"].items()):
        out.print(f"  {cluster} may call: {', '.join(features)}")


# --- global databases -------------------------------------------------------------------------

global_app = typer.Typer(help="Global databases: a primary cluster and read-only secondary clusters in other "
                              "regions.\n\nExample: aurora global create demo-global --source-cluster demo",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(global_app, name="global")


@global_app.command("create")
def global_create(
    name: str = typer.Argument(..., help="Global database name: lowercase letters, digits and hyphens."),
    source_cluster: str = typer.Option(..., "--source-cluster", "--source-db-cluster-identifier",
                                       help="The existing cluster that becomes the primary."),
    port: int | None = typer.Option(None, "--port", help="Port of the global writer endpoint (default: a free one)."),
    as_json: bool = JSON,
) -> None:
    """Create a global database whose primary is an existing cluster; add regions next.

    Example: aurora global create demo-global --source-cluster demo
    """
    d = call("global_create", f"Creating global database {name}...", name=name, source_cluster=source_cluster,
             port=port)
    if as_json:
        emit_json(d)
        return
    out.print(f"Global database [bold]{name}[/] created; its primary is {d['primary']} ({d['primary_region']}).")
    out.print(f"global writer endpoint: {d['writer']['uri']}", soft_wrap=True)
    out.print(f"\nAdd a secondary region:  aurora global add-region {name} --region REGION")


@global_app.command("add-region")
def global_add_region(
    name: str = typer.Argument(..., help="Global database name."),
    region: str = typer.Option(..., "--region", help="Region of the new secondary cluster (its own storage fleet)."),
    cluster: str | None = typer.Option(None, "--cluster", "--db-cluster-identifier",
                                       help="Name of the new secondary cluster (default: GLOBAL-REGION)."),
    replicas: int = typer.Option(1, "--replicas", help="Reader instances of the secondary, 0 to 16."),
    rtt_ms: float = typer.Option(0.0, "--rtt-ms", help="Simulated round trip to the primary's region, in ms."),
    wait: bool = typer.Option(True, "--wait/--no-wait", help="Return once the secondary has caught up."),
    as_json: bool = JSON,
) -> None:
    """Add a read-only secondary cluster in another region, fed by storage-level replication.

    Example: aurora global add-region demo-global --region eu-west-1 --rtt-ms 70
    """
    d = call("global_add_region", "Creating the secondary cluster and catching up...", name=name, region=region,
             cluster=cluster, replicas=replicas, rtt_ms=rtt_ms, wait=wait)
    emit_json(d) if as_json else _print_global(d)


@global_app.command("list")
def global_list(as_json: bool = JSON) -> None:
    """List global databases.

    Example: aurora global list --json
    """
    rows = call("global_list")
    if as_json:
        emit_json(rows)
        return
    if not rows:
        out.print("No global databases. Create one with: aurora global create demo-global --source-cluster demo",
                  soft_wrap=True)
        return
    t = Table("NAME", "STATUS", "PRIMARY", "SECONDARIES", "WRITER PORT", box=None)
    for r in rows:
        t.add_row(r["name"], _status(r["status"]), f"{r['primary']} ({r['primary_region']})",
                  ", ".join(r["secondaries"]) or "-", str(r["writer"]["port"]))
    out.print(t)


@global_app.command("describe")
def global_describe(name: str = typer.Argument(..., help="Global database name."), as_json: bool = JSON) -> None:
    """Show a global database: its writer endpoint, members, replication lag and last promotion.

    Example: aurora global describe demo-global --json
    """
    d = call("global_describe", name=name)
    emit_json(d) if as_json else _print_global(d)


def _print_global(d: dict[str, Any]) -> None:
    out.print(f"[bold]{d['name']}[/]  {_status(d['status'])}  primary {d['primary']} ({d['primary_region']})")
    out.print(f"global writer endpoint: {d['writer']['uri']}", soft_wrap=True)
    t = Table("CLUSTER", "REGION", "ROLE", "STATUS", "READERS", "RTT MS", "LAG MS", "P99 MS", "RPO LAG MS",
              "APPLIED LSN", box=None)
    for m in d["members"]:
        t.add_row(m["cluster"], m["region"], m["role"], _status(m["status"]), str(m["readers"]), _ms(m["rtt_ms"]),
                  _ms(m["replication_lag_ms"]), _ms(m["replication_lag_p99_ms"]), _ms(m["rpo_lag_ms"]),
                  "-" if m["applied_lsn"] is None else str(m["applied_lsn"]))
    out.print(t)
    p = d.get("last_promotion")
    if p:
        out.print(f"last promotion: {p['mode']} {p['old_primary']} → {p['new_primary']} ({p['region']}), "
                  f"{p['seconds']:.2f} s", soft_wrap=True)
        if p["rpo"]:
            out.print(f"  {_rpo(p)}", soft_wrap=True)


def _ms(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _rpo(p: dict[str, Any]) -> str:
    """What a failover lost, in transactions and the LSN range, and how sure that count is."""
    r = p["rpo"]
    n = r["transactions"]
    if not n:
        text = "RPO: no acknowledged transaction lost"
    else:
        text = (f"RPO: {n} transaction{'s' if n > 1 else ''} (LSN {r['lsn_from']}-{r['lsn_to']}) acknowledged on "
                f"{p['old_primary']} {'are' if n > 1 else 'is'} not on {p['new_primary']}")
    if r["confirmed"]:
        cut = r.get("cut_transactions") or 0
        return text + f"; {cut} commit{'' if cut == 1 else 's'} cut from {p['old_primary']} when it rejoined"
    return text + f" (from its commit stream; {p['old_primary']}'s volume is read when its region is back)"


@global_app.command("remove-region")
def global_remove_region(
    name: str = typer.Argument(..., help="Global database name."),
    region: str = typer.Option(..., "--region", help="Region of the secondary to detach."),
    as_json: bool = JSON,
) -> None:
    """Detach a secondary: its replication stops and it becomes a standalone cluster with a writer.

    Example: aurora global remove-region demo-global --region eu-west-1
    """
    d = call("global_remove_region", f"Removing {region} from {name}...", name=name, region=region)
    emit_json(d) if as_json else _print_global(d)


@global_app.command("delete")
def global_delete(
    name: str = typer.Argument(..., help="Global database name."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    as_json: bool = JSON,
) -> None:
    """Delete a global database that has no secondary left, and its writer endpoint; its primary stays.

    Example: aurora global delete demo-global --yes
    """
    if not yes:
        _confirm(f"Delete global database {name}? Its clusters stay, each on its own.", name,
                 f"aurora global delete {name} --yes")
    r = call("global_delete", f"Deleting {name}...", name=name)
    emit_json(r) if as_json else out.print(
        f"Global database {name} deleted; {', '.join(r['clusters']) or 'no cluster'} remain as standalone clusters.")


@app.command("promote-region")
def promote_region(
    name: str = typer.Argument(..., help="Global database name."),
    region: str = typer.Option(..., "--region", help="Region of the secondary to promote."),
    allow_data_loss: bool = typer.Option(False, "--allow-data-loss",
                                         help="Fail over at once, without waiting for the primary (its region is gone)."),
    as_json: bool = JSON,
) -> None:
    """Make a secondary region the primary of a global database; the writer endpoint follows.

    Without --allow-data-loss this is a switchover (AWS switchover-global-cluster): writes pause,
    the target catches up with the primary, the roles swap, and nothing is lost. With it, a
    failover (AWS failover-global-cluster --allow-data-loss), for when the primary region is gone:
    the target is promoted at once, and what the old primary acknowledged but had not replicated
    is lost (reported as the RPO); the old primary rejoins as a secondary when its region comes back.

    Example: aurora promote-region demo-global --region eu-west-1
    """
    verb = "Failing over" if allow_data_loss else "Switching over"
    p = call("promote_region", f"{verb} {name} to {region}...", name=name, region=region,
             allow_data_loss=allow_data_loss)
    if as_json:
        emit_json(p)
        return
    after = ("is now a secondary" if p["mode"] == "switchover"
             else "is cut off; it rejoins as a secondary when its region is back")
    out.print(f"{p['mode'].capitalize()} of {name} to {p['new_primary']} ({p['region']}) took {p['seconds']:.2f} s; "
              f"old primary {p['old_primary']} {after}.", soft_wrap=True)
    if p["rpo"]:
        out.print(_rpo(p), soft_wrap=True)


@app.command()
def fleet(
    region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the storage fleet."),
    as_json: bool = JSON,
) -> None:
    """Show the storage nodes and the health of every protection group.

    Example: aurora fleet --json
    """
    f = call("fleet", region=region)
    if as_json:
        emit_json(f)
        return
    t = Table("NODE", "AZ", "STATUS", "PID", "SEGMENTS", "BYTES", box=None)
    for n in f["nodes"]:
        t.add_row(n["id"], n["az"], _status("available" if n["status"] == "up" else n["status"]),
                  str(n["pid"] or "-"), str(n["segments"]), _bytes(n["bytes"]))
    out.print(t)
    for v in f["volumes"]:
        groups = v["protection_groups"]
        weak = [g for g in groups if g["current_copies"] < COPIES]
        lost = [g for g in groups if not g["write_quorum"]]
        state = "[red]write quorum lost[/]" if lost else ("[yellow]degraded[/]" if weak else f"[green]{COPIES}/{COPIES} copies[/]")
        out.print(f"{v['id']} ({v['cluster'] or 'no cluster'}): {len(groups)} protection group(s), {state}"
                  + "".join(f"\n  pg {g['file']}/{g['pg']}: {g['current_copies']}/{COPIES} current" for g in weak))


chaos_app = typer.Typer(help="Break things on purpose (recorded as events).\n\nExample: aurora chaos kill-instance demo demo-instance-1",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(chaos_app, name="chaos")


def _chaos(op: str, as_json: bool, **args: Any) -> None:
    r = call(op, **args)
    emit_json(r) if as_json else out.print(", ".join(f"{k}: {v}" for k, v in r.items()), soft_wrap=True)


@chaos_app.command("kill-instance")
def chaos_kill_instance(name: str = typer.Argument(..., help="Cluster name."),
                        instance: str = typer.Argument(..., help="Instance id."), as_json: bool = JSON) -> None:
    """SIGKILL an instance (a writer's loss triggers failover).

    Example: aurora chaos kill-instance demo demo-instance-1
    """
    _chaos("chaos_kill_instance", as_json, name=name, instance=instance)


@chaos_app.command("pause-instance")
def chaos_pause_instance(name: str = typer.Argument(..., help="Cluster name."),
                         instance: str = typer.Argument(..., help="Instance id."), as_json: bool = JSON) -> None:
    """Freeze an instance with SIGSTOP (a frozen writer is failed over and fenced).

    Example: aurora chaos pause-instance demo demo-instance-1
    """
    _chaos("chaos_pause_instance", as_json, name=name, instance=instance)


@chaos_app.command("resume-instance")
def chaos_resume_instance(name: str = typer.Argument(..., help="Cluster name."),
                          instance: str = typer.Argument(..., help="Instance id."), as_json: bool = JSON) -> None:
    """Resume a paused instance with SIGCONT.

    Example: aurora chaos resume-instance demo demo-instance-1
    """
    _chaos("chaos_resume_instance", as_json, name=name, instance=instance)


@chaos_app.command("kill-node")
def chaos_kill_node(node: str = typer.Argument(..., help="Storage node id, e.g. sn-a1."),
                    region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the node."),
                    as_json: bool = JSON) -> None:
    """SIGKILL a storage node.

    Example: aurora chaos kill-node sn-b1
    """
    _chaos("chaos_kill_node", as_json, node=node, region=region)


@chaos_app.command("fail-az")
def chaos_fail_az(az: str = typer.Argument(..., help="Availability Zone: a, b or c."),
                  region: str = typer.Option(DEFAULT_REGION, "--region", help="Region."), as_json: bool = JSON) -> None:
    """Take down every storage node and instance in one AZ until restore-az.

    Example: aurora chaos fail-az b
    """
    _chaos("chaos_fail_az", as_json, az=az, region=region)


@chaos_app.command("restore-az")
def chaos_restore_az(az: str = typer.Argument(..., help="Availability Zone: a, b or c."),
                     region: str = typer.Option(DEFAULT_REGION, "--region", help="Region."), as_json: bool = JSON) -> None:
    """Bring a failed AZ back.

    Example: aurora chaos restore-az b
    """
    _chaos("chaos_restore_az", as_json, az=az, region=region)


@chaos_app.command("corrupt")
def chaos_corrupt(node: str = typer.Argument(..., help="Storage node id."),
                  pages: int = typer.Option(1, "--pages", help="How many records to damage."),
                  region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the node."),
                  as_json: bool = JSON) -> None:
    """Damage records on a node's disk; checksums catch them and peers repair them.

    Example: aurora chaos corrupt sn-c1 --pages 3
    """
    _chaos("chaos_corrupt", as_json, node=node, pages=pages, region=region)


@chaos_app.command("latency")
def chaos_latency(node: str = typer.Argument(..., help="Storage node id."),
                  ms: float = typer.Option(..., "--ms", help="Milliseconds added to every answer."),
                  region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the node."),
                  as_json: bool = JSON) -> None:
    """Slow a storage node down (reads hedge around it; 4 of 6 is enough to write).

    Example: aurora chaos latency sn-a2 --ms 50
    """
    _chaos("chaos_latency", as_json, node=node, ms=ms, region=region)


@chaos_app.command("partition")
def chaos_partition(node: str = typer.Argument(..., help="Storage node id."),
                    region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the node."),
                    as_json: bool = JSON) -> None:
    """Cut a storage node off: it answers nothing until healed.

    Example: aurora chaos partition sn-b2
    """
    _chaos("chaos_partition", as_json, node=node, region=region)


@chaos_app.command("heal")
def chaos_heal(node: str = typer.Argument(..., help="Storage node id."),
               region: str = typer.Option(DEFAULT_REGION, "--region", help="Region of the node."),
               as_json: bool = JSON) -> None:
    """Undo partition and latency on a storage node.

    Example: aurora chaos heal sn-b2
    """
    _chaos("chaos_heal", as_json, node=node, region=region)


@chaos_app.command("fail-region")
def chaos_fail_region(region: str = typer.Argument(..., help="Region, e.g. us-east-1."),
                      mode: Literal["stop", "freeze"] = typer.Option(
                          "stop", "--mode", help="stop: SIGKILL its processes; freeze: SIGSTOP them."),
                      as_json: bool = JSON) -> None:
    """Take down a whole region (storage nodes, instances, replication processes) until restore-region.

    Example: aurora chaos fail-region us-east-1 --mode freeze
    """
    _chaos("chaos_fail_region", as_json, region=region, mode=mode)


@chaos_app.command("restore-region")
def chaos_restore_region(region: str = typer.Argument(..., help="Region, e.g. us-east-1."),
                         as_json: bool = JSON) -> None:
    """Bring a failed region back; a cut-off old primary rejoins its global database as a secondary.

    Example: aurora chaos restore-region us-east-1
    """
    _chaos("chaos_restore_region", as_json, region=region)


@chaos_app.command("region-latency")
def chaos_region_latency(region_a: str = typer.Argument(..., help="One region."),
                         region_b: str = typer.Argument(..., help="The other region."),
                         ms: float = typer.Option(..., "--ms", help="Round trip between them, in ms."),
                         as_json: bool = JSON) -> None:
    """Set the simulated round trip between two regions (replication between them slows by as much).

    Example: aurora chaos region-latency us-east-1 eu-west-1 --ms 70
    """
    _chaos("chaos_region_latency", as_json, region_a=region_a, region_b=region_b, ms=ms)


@chaos_app.command("kill-ml")
def chaos_kill_ml(as_json: bool = JSON) -> None:
    """Kill the ML service with SIGKILL: ML calls fail with a clear error until aurorad restarts it.

    Example: aurora chaos kill-ml
    """
    _chaos("chaos_kill_ml", as_json)


@chaos_app.command("slow-ml")
def chaos_slow_ml(ms: int = typer.Argument(..., help="Delay added to every ML call, in ms (0 heals)."),
                  as_json: bool = JSON) -> None:
    """Make the ML service answer every call later (a slow network or model); 0 heals.

    Example: aurora chaos slow-ml 2000
    """
    _chaos("chaos_slow_ml", as_json, latency_ms=ms)


@app.command()
def dashboard(
    refresh: float = typer.Option(1.0, "--refresh", help="Seconds between refreshes."),
) -> None:
    """Watch regions, clusters, instances, storage and events live; act with keys (? for help).

    Example: aurora dashboard --refresh 0.5
    """
    if refresh <= 0:
        raise UsageError("--refresh must be more than 0 seconds")
    from aurora.cli.dashboard.app import run

    run(refresh)


# --- the RDS API ------------------------------------------------------------------------------

api_app = typer.Typer(help="The RDS Query API that aurorad serves for boto3, the aws CLI and Terraform."
                      "\n\nExample: aurora api credentials", no_args_is_help=True, rich_markup_mode=None)
app.add_typer(api_app, name="api")


@api_app.command("credentials")
def api_credentials(as_json: bool = JSON) -> None:
    """Print the RDS API's access key (made on first use), a profile for ~/.aws, and the
    --endpoint-url to use (serve the API with aurora daemon start --api-port PORT).

    Example: aurora api credentials --json
    """
    from aurora.engine.rdsapi.credentials import describe as describe_credentials

    c = describe_credentials(client().layout)
    if as_json:
        emit_json(c)
        return
    out.print(f"access key id: {c['access_key_id']}\nsecret access key: {c['secret_access_key']}\n"
              f"region: {c['region']} (any region is accepted)\n\n{c['profile']}", markup=False)
    url = c["endpoint_url"]
    out.print(f"Use: aws --profile aurora rds describe-db-clusters --endpoint-url {url}" if url else
              "The API is off: aurora daemon start --api-port 8600", markup=False)


# --- aurorad ----------------------------------------------------------------------------------


@daemon_app.command("status")
def daemon_status(as_json: bool = JSON) -> None:
    """Show whether aurorad runs, and for how long.

    Example: aurora daemon status --json
    """
    c = ControlClient(autostart=False)
    try:
        s = c.call("daemon_status")
    except AuroraError:
        if as_json:
            emit_json({"running": False})
        else:
            out.print("aurorad is not running.")
        raise typer.Exit(ExitCode.UNAVAILABLE) from None
    if as_json:
        emit_json(s)
    else:
        out.print(f"aurorad is running (pid {s['pid']}, up {s['uptime_s']:.0f}s), "
                  f"{s['clusters']} cluster(s), home {s['home']}." + _listening(s))


@daemon_app.command("start")
def daemon_start(
    metrics_port: int | None = typer.Option(None, "--metrics-port", metavar="PORT",
                                            help="Serve the metrics for Prometheus on 127.0.0.1:PORT (0: stop)."),
    api_port: int | None = typer.Option(None, "--api-port", metavar="PORT",
                                        help="Serve the RDS Query API on 127.0.0.1:PORT (0: stop)."),
    as_json: bool = JSON,
) -> None:
    """Start aurorad (commands that need it start it on their own).

    The ports are remembered: a restarted aurorad serves them again. A running aurorad
    applies new ports at once.

    Example: aurora daemon start --metrics-port 9464 --api-port 8600
    """
    c = ControlClient()
    c.ensure_daemon()
    if metrics_port is not None or api_port is not None:
        c.call("daemon_configure", metrics_port=metrics_port, api_port=api_port)
    s = c.call("daemon_status")
    if as_json:
        emit_json(s)
        return
    out.print("aurorad is running." + _listening(s))


def _listening(s: dict[str, Any]) -> str:
    parts = [f"{what} on 127.0.0.1:{s[key]}" for key, what in (("metrics_port", "metrics for Prometheus"),
                                                                ("api_port", "the RDS API")) if s.get(key)]
    return (" Serving " + " and ".join(parts) + ".") if parts else ""


@daemon_app.command("stop")
def daemon_stop() -> None:
    """Stop aurorad; storage nodes and instances keep serving.

    Example: aurora daemon stop
    """
    c = ControlClient(autostart=False)
    if not c.daemon_running():
        out.print("aurorad is not running.")
        return
    c.call("shutdown")
    deadline = time.monotonic() + 10
    while c.daemon_running() and time.monotonic() < deadline:
        time.sleep(0.05)
    out.print("aurorad stopped.")


def main() -> None:
    try:
        code = app(prog_name="aurora", standalone_mode=False)
    except AuroraError as e:
        _fail(e.message, e.hint, e.exit_code)
    except typer.TyperException as e:  # usage errors: bad options, missing arguments
        ctx = getattr(e, "ctx", None)
        if type(e).__name__ == "NoArgsIsHelpError" and ctx is not None:
            typer.echo(ctx.get_help())
            sys.exit(ExitCode.OK)
        _fail(e.format_message(), f"{ctx.command_path if ctx else 'aurora'} --help", e.exit_code)
    except typer.Abort:
        _fail("aborted", None, ExitCode.FAILURE)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except OSError as e:  # AURORA_HOME unusable, a full disk, a socket that vanished
        where = f": {e.filename}" if e.filename else ""
        _fail(f"{e.strerror or e}{where}", "check AURORA_HOME and free disk space", ExitCode.FAILURE)
    except KeyboardInterrupt:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, hint: str | None, code: int) -> None:
    # plain writes: one line each, never wrapped, whatever the terminal width
    sys.stderr.write(f"Error: {' '.join(message.split())}\n")
    if hint:
        sys.stderr.write(f"Try: {hint}\n")
    sys.exit(code)
