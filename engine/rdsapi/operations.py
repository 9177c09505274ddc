"""The RDS actions, each mapped onto the aurorad operations that the `aurora` command calls.

Every action calls operations of :data:`aurora.engine.control.api.OPERATIONS` by name, bound
and checked as the control socket does (:meth:`Operation.bind`), so an argument the CLI would
refuse is refused here with the same message, and nothing happens through this door that the
other cannot do. An action lists the parameters it maps (``accepts``) and those that mean
nothing on one machine (``ignores``, e.g. VPC security groups); any other parameter changes
behaviour we do not have and is refused with InvalidParameterCombination. docs/rds-api.md
tells the mapping.

Two shapes differ from AWS: aurora-local has no cluster without a writer, so CreateDBCluster
makes the writer (``<cluster>-instance-1``) and CreateDBInstance adds readers; and each
endpoint has its own port, so a string-only endpoint field (ReaderEndpoint, the endpoints of
DescribeDBClusterEndpoints) reads ``127.0.0.1:PORT``.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from aurora.engine import errors
from aurora.engine.backup.store import NotRestorable
from aurora.engine.control.api import OPERATIONS
from aurora.engine.pgwire.server import SERVER_VERSION

log = logging.getLogger("aurorad")

ENGINE = "aurora-postgresql"
MYSQL_ENGINE_VERSION = "8.0.mysql_aurora.3.05.2"  # MySQL 8.0.32, Aurora MySQL 3.05.2
ACCOUNT = "000000000000"
HOST = "127.0.0.1"
PARAMETER_GROUP = f"default.aurora-postgresql{SERVER_VERSION.split('.')[0]}"
# aurora-local's engine -> (Engine, EngineVersion, LicenseModel, parameter group), as RDS names them
ENGINES: dict[str, tuple[str, str, str, str]] = {
    "postgres": (ENGINE, SERVER_VERSION, "postgresql-license", PARAMETER_GROUP),
    "mysql": ("aurora-mysql", MYSQL_ENGINE_VERSION, "general-public-license", "default.aurora-mysql8.0"),
}
ENGINE_OF = {names[0]: engine for engine, names in ENGINES.items()}

# Parameters that mean nothing on one machine (networks, tags, maintenance windows): accepted
# by every action that takes them, and without effect.
NO_MEANING = frozenset({
    "VpcSecurityGroupIds", "DBSubnetGroupName", "DBSecurityGroups", "Tags", "TagSpecifications",
    "PreferredBackupWindow", "PreferredMaintenanceWindow", "AutoMinorVersionUpgrade", "CopyTagsToSnapshot",
    "EngineVersion", "ApplyImmediately", "CACertificateIdentifier", "LicenseModel", "EngineLifecycleSupport",
})

# Parameters accepted only with the value that is how aurora-local behaves anyway.
ONLY: dict[str, tuple[Callable[[Any], bool], str]] = {
    "DeletionProtection": (lambda v: v is False, "false (deletion protection is not modelled)"),
    "StorageEncrypted": (lambda v: v is False, "false (volumes are not encrypted)"),
    "EnableIAMDatabaseAuthentication": (lambda v: v is False, "false (passwords only)"),
    "EnablePerformanceInsights": (lambda v: v is False, "false"),
    "MonitoringInterval": (lambda v: v == 0, "0"),
    "PubliclyAccessible": (lambda v: v is False, "false (everything listens on 127.0.0.1)"),
    "MultiAZ": (lambda v: v is False, "false (Aurora spreads instances over AZs, not standbys)"),
    "NetworkType": (lambda v: v == "IPV4", "IPV4"),
    "EngineMode": (lambda v: v == "provisioned", "provisioned (Serverless v2 is ServerlessV2ScalingConfiguration)"),
    "StorageType": (lambda v: v == "aurora", "aurora"),
    "DBClusterParameterGroupName": (lambda v: str(v).startswith("default."), "a default parameter group"),
    "DBParameterGroupName": (lambda v: str(v).startswith("default."), "a default parameter group"),
    "DeleteAutomatedBackups": (lambda v: v is False, "false (a deleted cluster's backups are kept for their "
                                                    "retention period, and restorable)"),
}

# Event categories of the RDS event ids aurorad records.
CATEGORIES = {"0170": "creation", "0005": "creation", "0172": "deletion", "0003": "deletion",
              "0071": "failover", "0072": "failover", "0073": "failover", "0150": "notification",
              "0151": "notification", "0076": "backup", "0160": "backup", "0014": "configuration change",
              "0016": "configuration change"}


class RdsError(Exception):
    """An answer in the RDS API's own words: ``code`` is the error code of the model."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code, self.message = code, message


def refuse(message: str) -> RdsError:
    return RdsError("InvalidParameterCombination", message)


@dataclass(frozen=True)
class Request:
    action: str
    params: dict[str, Any]
    region: str  # the region the request was signed for


@dataclass(frozen=True)
class Action:
    name: str
    handler: Callable[[Rds, Request], dict[str, Any]]
    accepts: frozenset[str]

    def check(self, params: dict[str, Any]) -> None:
        for name, value in params.items():
            if name in self.accepts or name in NO_MEANING:
                continue
            rule = ONLY.get(name)
            if rule is None:
                raise refuse(f"{name} is not supported by aurora-local's {self.name} (see docs/rds-api.md)")
            if not rule[0](value):
                raise RdsError("InvalidParameterValue", f"{name} can only be {rule[1]} here")


def _action(name: str, *accepts: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def mark(fn: Callable[..., Any]) -> Callable[..., Any]:
        fn.rds_action = (name, frozenset(accepts))  # type: ignore[attr-defined]
        return fn
    return mark


def name_of(identifier: str) -> str:
    """A cluster or snapshot identifier, or the last part of its ARN."""
    return identifier.rsplit(":", 1)[-1] if identifier.startswith("arn:") else identifier


def arn(region: str, kind: str, name: str) -> str:
    return f"arn:aws:rds:{region}:{ACCOUNT}:{kind}:{name}"


def _time(t: float | str | None) -> datetime | None:
    if t is None:
        return None
    if isinstance(t, str):
        return datetime.fromisoformat(t.replace("Z", "+00:00"))
    return datetime.fromtimestamp(t, UTC)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _page(items: list[Any], p: dict[str, Any], key: str) -> dict[str, Any]:
    """One page of ``items`` (MaxRecords 20 to 100, default 100; Marker: where the page starts)."""
    size = p.get("MaxRecords", 100)
    if not 20 <= size <= 100:
        raise RdsError("InvalidParameterValue", f"MaxRecords must be between 20 and 100, not {size}")
    try:
        start = int(p.get("Marker") or 0)
    except ValueError:
        raise RdsError("InvalidParameterValue", f"invalid Marker {p['Marker']!r}") from None
    out: dict[str, Any] = {key: items[start:start + size]}
    if start + size < len(items):
        out["Marker"] = str(start + size)
    return out


def _filters(p: dict[str, Any], known: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for f in p.get("Filters", []):
        if f["Name"] not in known:
            raise RdsError("InvalidParameterValue", f"Unrecognized filter name: {f['Name']} "
                           f"(aurora-local knows {', '.join(sorted(known))})")
        out.setdefault(f["Name"], set()).update(name_of(v) for v in f["Values"])
    return out


def cluster_status(status: str, instances: list[dict[str, Any]], creating: bool) -> str:
    """aurorad's cluster status in AWS's words (a paused Serverless v2 cluster is available,
    at 0 ACUs, as in AWS)."""
    if status == "starting":
        return "creating" if creating else "starting"
    if status in ("pausing", "paused"):
        return "available"
    if status == "unavailable":
        return "failing-over" if any(i["role"] == "reader" for i in instances) else "rebooting"
    return status


def instance_status(status: str, creating: bool) -> str:
    if status == "starting":
        return "creating" if creating else "starting"
    if status in ("pausing", "paused"):
        return "available"
    if status in ("down", "frozen", "unresponsive"):
        return "rebooting"  # aurorad restarts it, or fails over to a reader
    return status


class Rds:
    """The RDS actions over one aurorad (``cp``, its ControlPlane)."""

    def __init__(self, cp: Any) -> None:
        self.cp = cp
        self.actions: dict[str, Action] = {}
        for attr in dir(type(self)):
            fn = getattr(type(self), attr)
            if hasattr(fn, "rds_action"):
                name, accepts = fn.rds_action
                self.actions[name] = Action(name, fn, accepts)

    # --- the one way in: aurorad's operations -----------------------------------------------
    def call(self, op: str, **args: Any) -> Any:
        """Run aurorad's operation ``op`` as its control socket would (same checks, same errors)."""
        operation = OPERATIONS.get(op)
        params = operation.bind(args)
        if operation.is_async:
            return asyncio.run_coroutine_threadsafe(operation.handler(self.cp, **params), self.cp.loop).result()
        return operation.handler(self.cp, **params)

    def run(self, request: Request) -> dict[str, Any]:
        action = self.actions.get(request.action)
        if action is None:
            raise RdsError("InvalidAction", f"The action {request.action} is not valid for this web service "
                           "(aurora-local serves the actions listed in docs/rds-api.md).")
        action.check(request.params)
        try:
            return action.handler(self, request)
        except errors.AuroraError as e:
            if isinstance(e, errors.InternalError):
                raise
            raise self.translate(e, request.action) from None

    @staticmethod
    def translate(e: errors.AuroraError, action: str) -> RdsError:
        """An engine error as the RDS error of the resource it names."""
        text = e.message  # its hint names an `aurora` command: not this door's words
        message = e.message.lower()
        resource = ("DBClusterSnapshot" if message.startswith("snapshot") else
                    "GlobalCluster" if message.startswith("global database") else
                    "DBInstance" if message.startswith("instance") else
                    "DBClusterEndpoint" if message.startswith("endpoint") else "DBCluster")
        if isinstance(e, NotRestorable):
            return RdsError("InvalidRestoreFault", text)
        if isinstance(e, errors.NotFound):
            return RdsError(f"{resource}NotFound" + ("Fault" if resource != "DBInstance" else ""), text)
        if isinstance(e, errors.Conflict) and "already exists" in message:
            return RdsError(f"{resource}AlreadyExists" + ("Fault" if resource != "DBInstance" else ""), text)
        if isinstance(e, errors.Conflict | errors.Unavailable):
            if "Global" in action or resource == "GlobalCluster":
                return RdsError("InvalidGlobalClusterStateFault", text)
            return RdsError("InvalidDBClusterStateFault", text)
        return RdsError("InvalidParameterValue", text)

    # --- shapes -------------------------------------------------------------------------------
    def _describe(self, name: str) -> dict[str, Any]:
        return self.call("describe", name=name)

    def _names(self, identifier: str | None) -> list[str]:
        if identifier:
            return [name_of(identifier)]
        return [c["name"] for c in self.call("list")]

    def _descriptions(self, identifier: str | None) -> list[dict[str, Any]]:
        out = []
        for name in self._names(identifier):
            try:
                out.append(self._describe(name))
            except errors.NotFound:
                if identifier:
                    raise
                # deleted since it was listed
        return out

    def _creating(self, d: dict[str, Any]) -> tuple[bool, set[str]]:
        """Whether a starting cluster is being created (never started since), and which of its
        starting instances are new: from the cluster's events, read only when something starts."""
        if d["status"] != "starting" and all(i["status"] != "starting" for i in d["instances"]):
            return False, set()
        started = False
        fresh: set[str] = set()
        for e in self.call("events", name=d["name"]):
            if e.get("event_id") == "RDS-EVENT-0151":
                started, fresh = True, set()
            elif e.get("event_id") == "RDS-EVENT-0005":
                fresh.add(e["source"])
        return not started, fresh

    def db_cluster(self, d: dict[str, Any]) -> dict[str, Any]:
        region, name = d["region"], d["name"]
        creating, _ = self._creating(d)
        writer = urlsplit(d["endpoints"]["writer"]["uri"])
        backups = d["backups"]
        serverless = d["serverless"]
        engine, version, _license, group = ENGINES[d["engine"]]
        out: dict[str, Any] = {
            "DBClusterIdentifier": name, "DBClusterArn": arn(region, "cluster", name),
            "DbClusterResourceId": f"cluster-{name}", "Engine": engine, "EngineVersion": version,
            "EngineMode": "provisioned", "Status": cluster_status(d["status"], d["instances"], creating),
            "Endpoint": HOST, "Port": d["endpoints"]["writer"]["port"],
            "ReaderEndpoint": f"{HOST}:{d['endpoints']['reader']['port']}",
            "CustomEndpoints": [f"{HOST}:{c['port']}" for c in d["endpoints"]["custom"]],
            "MasterUsername": unquote(writer.username or ""), "DatabaseName": unquote(writer.path.lstrip("/")),
            "AvailabilityZones": sorted({f"{region}{i['az']}" for i in d["instances"]}),
            "MultiAZ": len({i["az"] for i in d["instances"]}) > 1,
            "DBClusterMembers": [{"DBInstanceIdentifier": i["id"], "IsClusterWriter": i["role"] == "writer",
                                  "DBClusterParameterGroupStatus": "in-sync", "PromotionTier": i["promotion_tier"]}
                                 for i in d["instances"]],
            "ClusterCreateTime": _time(d["created"]), "AllocatedStorage": 1, "StorageType": "aurora",
            "BackupRetentionPeriod": backups["backup_retention_days"],
            "EarliestRestorableTime": _time(backups["earliest_restorable_time"]),
            "LatestRestorableTime": _time(backups["latest_restorable_time"]),
            "BacktrackWindow": backups["backtrack_window"] or None,
            "EarliestBacktrackTime": _time(backups["earliest_backtrack_time"]) if backups["backtrack_window"] else None,
            "DBClusterParameterGroup": group, "DBSubnetGroup": "default", "NetworkType": "IPV4",
            "StorageEncrypted": False, "DeletionProtection": False, "IAMDatabaseAuthenticationEnabled": False,
            "HttpEndpointEnabled": False, "CopyTagsToSnapshot": False, "CrossAccountClone": False,
            "AutoMinorVersionUpgrade": True, "PubliclyAccessible": False, "PerformanceInsightsEnabled": False,
            "MonitoringInterval": 0, "VpcSecurityGroups": [], "AssociatedRoles": [], "TagList": [],
            "DBClusterOptionGroupMemberships": [], "ReadReplicaIdentifiers": [], "EnabledCloudwatchLogsExports": [],
            "CloneGroupId": f"clone-group-{d['parent']}" if d["parent"] else None,
        }
        if serverless is not None:
            out["ServerlessV2ScalingConfiguration"] = {
                "MinCapacity": serverless["min_acu"], "MaxCapacity": serverless["max_acu"],
                "SecondsUntilAutoPause": serverless["seconds_until_auto_pause"]}
        return out

    def db_instances(self, d: dict[str, Any]) -> list[dict[str, Any]]:
        region, name = d["region"], d["name"]
        creating, fresh = self._creating(d)
        writer = urlsplit(d["endpoints"]["writer"]["uri"])
        engine, version, license_model, group = ENGINES[d["engine"]]
        out = []
        for i in d["instances"]:
            out.append({
                "DBInstanceIdentifier": i["id"], "DBInstanceArn": arn(region, "db", i["id"]),
                "DbiResourceId": f"db-{i['id']}", "DBClusterIdentifier": name,
                "DBInstanceClass": "db.serverless" if d["serverless"] else "db.local",
                "Engine": engine, "EngineVersion": version,
                "DBInstanceStatus": instance_status(i["status"], creating or i["id"] in fresh),
                "MasterUsername": unquote(writer.username or ""), "DBName": unquote(writer.path.lstrip("/")),
                "Endpoint": {"Address": HOST, "Port": i["port"]}, "DbInstancePort": i["port"],
                "AvailabilityZone": f"{region}{i['az']}", "MultiAZ": False, "PromotionTier": i["promotion_tier"],
                "InstanceCreateTime": _time(d["created"]), "StorageType": "aurora", "AllocatedStorage": 1,
                "BackupRetentionPeriod": d["backups"]["backup_retention_days"], "PubliclyAccessible": False,
                "StorageEncrypted": False, "AutoMinorVersionUpgrade": True, "LicenseModel": license_model,
                "DBParameterGroups": [{"DBParameterGroupName": group, "ParameterApplyStatus": "in-sync"}],
                "DBSecurityGroups": [], "VpcSecurityGroups": [], "ReadReplicaDBInstanceIdentifiers": [],
                "OptionGroupMemberships": [], "IAMDatabaseAuthenticationEnabled": False,
                "PerformanceInsightsEnabled": False, "DeletionProtection": False, "CopyTagsToSnapshot": False,
                "MonitoringInterval": 0, "TagList": [], "EnabledCloudwatchLogsExports": [],
            })
        return out

    def _cluster_result(self, name: str, status: str | None = None) -> dict[str, Any]:
        cluster = self.db_cluster(self._describe(name))
        if status:
            cluster["Status"] = status
        return {"DBCluster": cluster}

    @staticmethod
    def _serverless(p: dict[str, Any]) -> dict[str, Any]:
        cfg = p.get("ServerlessV2ScalingConfiguration")
        if cfg is None:
            return {}
        return {"min_acu": cfg.get("MinCapacity"), "max_acu": cfg.get("MaxCapacity"),
                "auto_pause_after": cfg.get("SecondsUntilAutoPause")}

    @staticmethod
    def _check_engine(p: dict[str, Any], cluster_engine: str | None = None) -> str:
        """aurora-local's engine for the request's Engine (which must match the cluster's, if any)."""
        if "Engine" not in p:
            return cluster_engine or "postgres"
        engine = ENGINE_OF.get(p["Engine"])
        if engine is None:
            raise RdsError("InvalidParameterValue",
                           f"Invalid DB engine: {p['Engine']} (aurora-local runs {' and '.join(ENGINE_OF)})")
        if cluster_engine is not None and engine != cluster_engine:
            raise RdsError("InvalidParameterCombination",
                           f"The engine {p['Engine']} does not match the cluster's, {ENGINES[cluster_engine][0]}")
        return engine

    # --- clusters -----------------------------------------------------------------------------
    @_action("CreateDBCluster", "DBClusterIdentifier", "Engine", "MasterUsername", "MasterUserPassword",
             "DatabaseName", "Port", "BackupRetentionPeriod", "BacktrackWindow", "ServerlessV2ScalingConfiguration",
             "GlobalClusterIdentifier")
    def create_db_cluster(self, r: Request) -> dict[str, Any]:
        p = r.params
        engine = self._check_engine(p)
        name = p["DBClusterIdentifier"]
        if "GlobalClusterIdentifier" in p:
            # a secondary of a global database, in the region the request was signed for
            extra = set(p) - {"DBClusterIdentifier", "Engine", "GlobalClusterIdentifier"} - NO_MEANING
            if extra:
                raise refuse(f"a secondary cluster takes its settings from the primary: {', '.join(sorted(extra))} "
                             "cannot be given with GlobalClusterIdentifier")
            self.call("global_add_region", name=name_of(p["GlobalClusterIdentifier"]), region=r.region,
                      cluster=name, replicas=0, wait=False)
            return self._cluster_result(name)
        args: dict[str, Any] = {"name": name, "engine": engine, "wait": False, "region": r.region}
        for key, arg in (("MasterUsername", "master_username"), ("MasterUserPassword", "master_password"),
                         ("DatabaseName", "database_name"), ("Port", "port"),
                         ("BackupRetentionPeriod", "backup_retention_days"), ("BacktrackWindow", "backtrack_window")):
            if key in p:
                args[arg] = p[key]
        serverless = self._serverless(p)
        if serverless:
            args.update({k: v for k, v in serverless.items() if v is not None}, serverless=True)
        self.call("create", **args)
        return self._cluster_result(name)

    @_action("DescribeDBClusters", "DBClusterIdentifier", "Filters", "MaxRecords", "Marker", "IncludeShared")
    def describe_db_clusters(self, r: Request) -> dict[str, Any]:
        p = r.params
        wanted = _filters(p, {"db-cluster-id"}).get("db-cluster-id")
        clusters = [self.db_cluster(d) for d in self._descriptions(p.get("DBClusterIdentifier"))
                    if wanted is None or d["name"] in wanted]
        return _page(clusters, p, "DBClusters")

    @_action("ModifyDBCluster", "DBClusterIdentifier", "ServerlessV2ScalingConfiguration")
    def modify_db_cluster(self, r: Request) -> dict[str, Any]:
        name = name_of(r.params["DBClusterIdentifier"])
        serverless = self._serverless(r.params)
        if serverless:
            self.call("modify", name=name, **serverless)
        return self._cluster_result(name)

    @_action("DeleteDBCluster", "DBClusterIdentifier", "SkipFinalSnapshot", "FinalDBSnapshotIdentifier")
    def delete_db_cluster(self, r: Request) -> dict[str, Any]:
        p = r.params
        name = name_of(p["DBClusterIdentifier"])
        final = p.get("FinalDBSnapshotIdentifier")
        if p.get("SkipFinalSnapshot") and final:
            raise refuse("FinalDBSnapshotIdentifier cannot be specified when SkipFinalSnapshot is enabled.")
        if not p.get("SkipFinalSnapshot") and not final:
            raise refuse("FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.")
        result = self._cluster_result(name, "deleting")
        if final:
            self.call("snapshot_create", cluster=name, snapshot=final)
        self.call("delete", name=name)
        return result

    @_action("StartDBCluster", "DBClusterIdentifier")
    def start_db_cluster(self, r: Request) -> dict[str, Any]:
        name = name_of(r.params["DBClusterIdentifier"])
        self.call("start", name=name, wait=False)
        return self._cluster_result(name)

    @_action("StopDBCluster", "DBClusterIdentifier")
    def stop_db_cluster(self, r: Request) -> dict[str, Any]:
        name = name_of(r.params["DBClusterIdentifier"])
        self.call("stop", name=name)
        return self._cluster_result(name)

    @_action("FailoverDBCluster", "DBClusterIdentifier", "TargetDBInstanceIdentifier")
    def failover_db_cluster(self, r: Request) -> dict[str, Any]:
        name = name_of(r.params["DBClusterIdentifier"])
        self.call("failover", name=name, target=r.params.get("TargetDBInstanceIdentifier"))
        return self._cluster_result(name)

    # --- instances ----------------------------------------------------------------------------
    @_action("CreateDBInstance", "DBInstanceIdentifier", "DBInstanceClass", "Engine", "DBClusterIdentifier",
             "PromotionTier")
    def create_db_instance(self, r: Request) -> dict[str, Any]:
        p = r.params
        if "DBClusterIdentifier" not in p:
            raise refuse("aurora-local runs Aurora clusters only: give DBClusterIdentifier")
        name, wanted = name_of(p["DBClusterIdentifier"]), p["DBInstanceIdentifier"]
        d = self._describe(name)
        self._check_engine(p, d["engine"])
        serverless = d["serverless"] is not None
        if (p["DBInstanceClass"] == "db.serverless") != serverless:
            raise refuse(f"cluster {name} is {'' if serverless else 'not '}Serverless v2: its instances' class is "
                         + ("db.serverless" if serverless else "a provisioned one, not db.serverless"))
        if any(i["id"] == wanted for i in d["instances"]):
            raise RdsError("DBInstanceAlreadyExists", f"DB instance {wanted} already exists")
        following = self.cp.store.load(name).next_instance  # read only: the id scale will give
        if wanted != f"{name}-instance-{following}":
            raise RdsError("InvalidParameterValue",
                           f"aurora-local names a cluster's instances itself: the next instance of {name} is "
                           f"{name}-instance-{following} (CreateDBCluster made the writer, {name}-instance-1)")
        readers = sum(1 for i in d["instances"] if i["role"] == "reader")
        added = self.call("scale", name=name, replicas=readers + 1, wait=False)["added"]
        if "PromotionTier" in p:
            for inst in added:
                self.call("modify", name=name, instance=inst, promotion_tier=p["PromotionTier"])
        return {"DBInstance": self._instance(added[0] if added else wanted)}

    def _locate(self, instance: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The cluster description holding ``instance``, and the instance's shape."""
        cluster = instance.rsplit("-instance-", 1)[0] if "-instance-" in instance else None
        for d in self._descriptions(cluster) if cluster else []:
            for shape in self.db_instances(d):
                if shape["DBInstanceIdentifier"] == instance:
                    return d, shape
        raise RdsError("DBInstanceNotFound", f"DBInstance {instance} not found.")

    def _instance(self, instance: str) -> dict[str, Any]:
        try:
            return self._locate(instance)[1]
        except errors.NotFound:
            raise RdsError("DBInstanceNotFound", f"DBInstance {instance} not found.") from None

    @_action("DeleteDBInstance", "DBInstanceIdentifier", "SkipFinalSnapshot", "DeleteAutomatedBackups")
    def delete_db_instance(self, r: Request) -> dict[str, Any]:
        instance = r.params["DBInstanceIdentifier"]
        try:
            d, shape = self._locate(instance)
        except errors.NotFound:
            raise RdsError("DBInstanceNotFound", f"DBInstance {instance} not found.") from None
        readers = sorted((i["id"] for i in d["instances"] if i["role"] == "reader"),
                         key=lambda i: int(i.rsplit("-", 1)[1]))
        if instance not in readers:
            raise RdsError("InvalidDBClusterStateFault",
                           f"{instance} is the writer of {d['name']}: it goes with the cluster (DeleteDBCluster), "
                           "or fail over first (FailoverDBCluster)")
        if instance != readers[-1]:
            raise refuse(f"aurora-local removes a cluster's readers newest first: delete {readers[-1]} first")
        self.call("scale", name=d["name"], replicas=len(readers) - 1)
        shape["DBInstanceStatus"] = "deleting"
        return {"DBInstance": shape}

    @_action("DescribeDBInstances", "DBInstanceIdentifier", "Filters", "MaxRecords", "Marker")
    def describe_db_instances(self, r: Request) -> dict[str, Any]:
        p = r.params
        if "DBInstanceIdentifier" in p:
            return _page([self._instance(p["DBInstanceIdentifier"])], p, "DBInstances")
        f = _filters(p, {"db-cluster-id", "db-instance-id"})
        shapes = []
        for d in self._descriptions(None):
            if "db-cluster-id" in f and d["name"] not in f["db-cluster-id"]:
                continue
            shapes += [s for s in self.db_instances(d)
                       if "db-instance-id" not in f or s["DBInstanceIdentifier"] in f["db-instance-id"]]
        return _page(shapes, p, "DBInstances")

    # --- endpoints ----------------------------------------------------------------------------
    def _endpoints(self, name: str) -> list[dict[str, Any]]:
        e = self.call("endpoints", name=name)
        region = next((c["region"] for c in self.call("list") if c["name"] == name), "local-1")

        def shape(ident: str, kind: str, port: int, **more: Any) -> dict[str, Any]:
            return {"DBClusterEndpointIdentifier": ident, "DBClusterIdentifier": name,
                    "DBClusterEndpointResourceIdentifier": f"cluster-endpoint-{name}-{ident}",
                    "Endpoint": f"{HOST}:{port}", "Status": "available", "EndpointType": kind,
                    "DBClusterEndpointArn": arn(region, "cluster-endpoint", ident), **more}

        return ([shape(name, "WRITER", e["writer"]["port"]), shape(f"{name}-ro", "READER", e["reader"]["port"])]
                + [shape(c["name"], "CUSTOM", c["port"], CustomEndpointType="ANY", StaticMembers=c["members"],
                         ExcludedMembers=[]) for c in e["custom"]])

    @_action("CreateDBClusterEndpoint", "DBClusterIdentifier", "DBClusterEndpointIdentifier", "EndpointType",
             "StaticMembers")
    def create_db_cluster_endpoint(self, r: Request) -> dict[str, Any]:
        p = r.params
        if p["EndpointType"].upper() != "ANY":
            raise RdsError("InvalidParameterValue", "aurora-local's custom endpoints spread connections over "
                           "their StaticMembers whatever their role: EndpointType must be ANY")
        if not p.get("StaticMembers"):
            raise refuse("a custom endpoint here lists its members: give StaticMembers")
        name = name_of(p["DBClusterIdentifier"])
        self.call("endpoint_create", name=name, endpoint=p["DBClusterEndpointIdentifier"],
                  members=p["StaticMembers"])
        return next(e for e in self._endpoints(name) if e["DBClusterEndpointIdentifier"] == p["DBClusterEndpointIdentifier"])

    @_action("DescribeDBClusterEndpoints", "DBClusterIdentifier", "DBClusterEndpointIdentifier", "Filters",
             "MaxRecords", "Marker")
    def describe_db_cluster_endpoints(self, r: Request) -> dict[str, Any]:
        p = r.params
        f = _filters(p, {"db-cluster-endpoint-type", "db-cluster-endpoint-custom-type", "db-cluster-endpoint-status"})
        shapes = []
        for name in self._names(p.get("DBClusterIdentifier")):
            try:
                shapes += self._endpoints(name)
            except errors.NotFound:
                if p.get("DBClusterIdentifier"):
                    raise
        ident = p.get("DBClusterEndpointIdentifier")
        shapes = [s for s in shapes if (ident is None or s["DBClusterEndpointIdentifier"] == ident)
                  and s["EndpointType"].lower() in {v.lower() for v in f.get("db-cluster-endpoint-type",
                                                                               {s["EndpointType"]})}]
        return _page(shapes, p, "DBClusterEndpoints")

    # --- restore, clone, backtrack, snapshots -------------------------------------------------
    @_action("RestoreDBClusterToPointInTime", "DBClusterIdentifier", "RestoreType", "SourceDBClusterIdentifier",
             "RestoreToTime", "UseLatestRestorableTime")
    def restore_to_point_in_time(self, r: Request) -> dict[str, Any]:
        p = r.params
        name = p["DBClusterIdentifier"]
        if "SourceDBClusterIdentifier" not in p:
            raise refuse("give SourceDBClusterIdentifier")
        source = name_of(p["SourceDBClusterIdentifier"])
        if ("RestoreToTime" in p) == bool(p.get("UseLatestRestorableTime")):
            raise refuse("give exactly one of RestoreToTime and UseLatestRestorableTime")
        kind = p.get("RestoreType", "full-copy")
        if kind == "copy-on-write":
            if "RestoreToTime" in p:
                raise refuse("a copy-on-write clone is of the source as it is now: use UseLatestRestorableTime")
            self.call("clone", source=source, name=name, wait=False)
        elif kind == "full-copy":
            when = {"to_time": _iso(p["RestoreToTime"])} if "RestoreToTime" in p else {"latest": True}
            self.call("restore", name=name, source=source, wait=False, **when)
        else:
            raise RdsError("InvalidParameterValue", f"RestoreType must be full-copy or copy-on-write, not {kind}")
        return self._cluster_result(name)

    @_action("RestoreDBClusterFromSnapshot", "DBClusterIdentifier", "SnapshotIdentifier", "Engine")
    def restore_from_snapshot(self, r: Request) -> dict[str, Any]:
        p = r.params
        self._check_engine(p)
        self.call("restore", name=p["DBClusterIdentifier"], from_snapshot=name_of(p["SnapshotIdentifier"]),
                  wait=False)
        return self._cluster_result(p["DBClusterIdentifier"])

    @_action("BacktrackDBCluster", "DBClusterIdentifier", "BacktrackTo", "Force")
    def backtrack_db_cluster(self, r: Request) -> dict[str, Any]:
        p = r.params
        name = name_of(p["DBClusterIdentifier"])
        asked = time.time()
        done = self.call("backtrack", name=name, to=_iso(p["BacktrackTo"]))
        return {"DBClusterIdentifier": name, "BacktrackIdentifier": str(uuid.uuid4()),
                "BacktrackTo": _time(done["backtracked_to"]), "BacktrackedFrom": _time(asked),
                "BacktrackRequestCreationTime": _time(asked), "Status": "completed"}

    def db_cluster_snapshot(self, s: dict[str, Any], region: str = "local-1") -> dict[str, Any]:
        engine, version, license_model, _group = ENGINES.get(s.get("engine") or "postgres", ENGINES["postgres"])
        return {"DBClusterSnapshotIdentifier": s["name"], "DBClusterIdentifier": s["cluster"],
                "DBClusterSnapshotArn": arn(region, "cluster-snapshot", s["name"]),
                "SnapshotCreateTime": _time(s["created"]), "Engine": engine, "EngineVersion": version,
                "EngineMode": "provisioned", "AllocatedStorage": max(1, -(-s["size_bytes"] // 2**30)),
                "Status": "available" if s["status"] == "available" else "failed", "Port": 0,
                "SnapshotType": s["kind"], "PercentProgress": 100, "StorageEncrypted": False,
                "StorageType": "aurora", "IAMDatabaseAuthenticationEnabled": False, "LicenseModel": license_model,
                "AvailabilityZones": [], "TagList": [],
                "SourceDBClusterSnapshotArn": arn(region, "cluster-snapshot", s["copied_from"]) if s["copied_from"]
                else None}

    @_action("CreateDBClusterSnapshot", "DBClusterSnapshotIdentifier", "DBClusterIdentifier")
    def create_db_cluster_snapshot(self, r: Request) -> dict[str, Any]:
        s = self.call("snapshot_create", cluster=name_of(r.params["DBClusterIdentifier"]),
                      snapshot=r.params["DBClusterSnapshotIdentifier"])
        return {"DBClusterSnapshot": self.db_cluster_snapshot(s)}

    @_action("DescribeDBClusterSnapshots", "DBClusterIdentifier", "DBClusterSnapshotIdentifier", "SnapshotType",
             "MaxRecords", "Marker", "IncludeShared", "IncludePublic", "Filters")
    def describe_db_cluster_snapshots(self, r: Request) -> dict[str, Any]:
        p = r.params
        f = _filters(p, {"db-cluster-id", "db-cluster-snapshot-id", "snapshot-type"})
        if "DBClusterSnapshotIdentifier" in p:
            snaps = [self.call("snapshot_describe", snapshot=name_of(p["DBClusterSnapshotIdentifier"]))]
        else:
            cluster = p.get("DBClusterIdentifier")
            snaps = self.call("snapshot_list", cluster=name_of(cluster) if cluster else None)
        kinds = f.get("snapshot-type") or ({p["SnapshotType"]} if "SnapshotType" in p else None)
        shapes = [self.db_cluster_snapshot(s) for s in snaps
                  if (kinds is None or s["kind"] in kinds)
                  and ("db-cluster-id" not in f or s["cluster"] in f["db-cluster-id"])
                  and ("db-cluster-snapshot-id" not in f or s["name"] in f["db-cluster-snapshot-id"])]
        return _page(shapes, p, "DBClusterSnapshots")

    # --- events -------------------------------------------------------------------------------
    @_action("DescribeEvents", "SourceIdentifier", "SourceType", "StartTime", "EndTime", "Duration",
             "EventCategories", "MaxRecords", "Marker")
    def describe_events(self, r: Request) -> dict[str, Any]:
        """Events of the last hour unless StartTime or Duration says otherwise, as in AWS; the
        fleet's own events (storage nodes, AZs) have no RDS source type and are left out."""
        p = r.params
        now = time.time()
        end = p["EndTime"].timestamp() if "EndTime" in p else now
        start = (p["StartTime"].timestamp() if "StartTime" in p
                 else end - 60 * p["Duration"] if "Duration" in p else end - 3600)
        shapes = []
        for e in self.call("events", limit=100_000):
            if e.get("cluster") is None or not start <= e["time"] <= end:
                continue
            shape = self._event(e)
            if "SourceType" in p and shape["SourceType"] != p["SourceType"]:
                continue
            if "SourceIdentifier" in p and shape["SourceIdentifier"] != p["SourceIdentifier"]:
                continue
            if "EventCategories" in p and not set(shape["EventCategories"]) & set(p["EventCategories"]):
                continue
            shapes.append(shape)
        return _page(shapes, p, "Events")

    @staticmethod
    def _event(e: dict[str, Any]) -> dict[str, Any]:
        cluster, source = e["cluster"], e["source"]
        number = (e.get("event_id") or "").rsplit("-", 1)[-1]
        if re.fullmatch(rf"{re.escape(cluster)}-instance-\d+", source):
            kind, ident, what = "db-instance", source, "db"
        elif number in ("0076", "0160") or (e.get("event_id") or "").startswith("AURORA-SNAPSHOT"):
            kind, ident, what = "db-cluster-snapshot", source, "cluster-snapshot"
        else:
            kind, ident, what = "db-cluster", cluster, "cluster"
        return {"SourceIdentifier": ident, "SourceType": kind, "Message": e["message"],
                "EventCategories": [CATEGORIES.get(number, "notification")], "Date": _time(e["time"]),
                "SourceArn": arn("local-1", what, ident)}

    # --- global databases ---------------------------------------------------------------------
    def global_cluster(self, g: dict[str, Any]) -> dict[str, Any]:
        members = g["members"]
        secondaries = [arn(m["region"], "cluster", m["cluster"]) for m in members if m["role"] == "secondary"]
        engine, version, _license, _group = ENGINES[self._engine_of_global(members)]
        return {
            "GlobalClusterIdentifier": g["name"], "GlobalClusterResourceId": f"cluster-{g['name']}",
            "GlobalClusterArn": f"arn:aws:rds::{ACCOUNT}:global-cluster:{g['name']}",
            "Status": g["status"] if g["status"] != "unavailable" else "failing-over",
            "Engine": engine, "EngineVersion": version, "StorageEncrypted": False,
            "DeletionProtection": False, "Endpoint": f"{HOST}:{g['writer']['port']}", "TagList": [],
            "GlobalClusterMembers": [
                {"DBClusterArn": arn(m["region"], "cluster", m["cluster"]), "IsWriter": m["role"] == "primary",
                 "Readers": secondaries if m["role"] == "primary" else [],
                 "SynchronizationStatus": "connected" if m["status"] in ("available", "replicating")
                 else "pending-resync"}
                for m in members],
        }

    def _engine_of_global(self, members: list[dict[str, Any]]) -> str:
        primary = next((m["cluster"] for m in members if m["role"] == "primary"), None)
        try:
            return self._describe(primary)["engine"] if primary else "postgres"
        except errors.AuroraError:
            return "postgres"

    def _global_result(self, name: str) -> dict[str, Any]:
        return {"GlobalCluster": self.global_cluster(self.call("global_describe", name=name))}

    def _member_region(self, global_name: str, cluster: str) -> str:
        g = self.call("global_describe", name=global_name)
        for m in g["members"]:
            if m["cluster"] == name_of(cluster):
                return m["region"]
        raise RdsError("DBClusterNotFoundFault", f"DBCluster {name_of(cluster)} is not a member of "
                       f"global database {global_name}.")

    @_action("CreateGlobalCluster", "GlobalClusterIdentifier", "SourceDBClusterIdentifier", "Engine")
    def create_global_cluster(self, r: Request) -> dict[str, Any]:
        p = r.params
        self._check_engine(p)
        if "SourceDBClusterIdentifier" not in p:
            raise refuse("a global database here starts from a cluster: give SourceDBClusterIdentifier")
        self.call("global_create", name=p["GlobalClusterIdentifier"],
                  source_cluster=name_of(p["SourceDBClusterIdentifier"]))
        return self._global_result(p["GlobalClusterIdentifier"])

    @_action("DescribeGlobalClusters", "GlobalClusterIdentifier", "MaxRecords", "Marker")
    def describe_global_clusters(self, r: Request) -> dict[str, Any]:
        p = r.params
        names = ([p["GlobalClusterIdentifier"]] if "GlobalClusterIdentifier" in p
                 else [g["name"] for g in self.call("global_list")])
        return _page([self.global_cluster(self.call("global_describe", name=n)) for n in names], p, "GlobalClusters")

    @_action("DeleteGlobalCluster", "GlobalClusterIdentifier")
    def delete_global_cluster(self, r: Request) -> dict[str, Any]:
        name = r.params["GlobalClusterIdentifier"]
        result = self._global_result(name)
        self.call("global_delete", name=name)
        result["GlobalCluster"]["Status"] = "deleting"
        return result

    @_action("SwitchoverGlobalCluster", "GlobalClusterIdentifier", "TargetDbClusterIdentifier")
    def switchover_global_cluster(self, r: Request) -> dict[str, Any]:
        name = r.params["GlobalClusterIdentifier"]
        region = self._member_region(name, r.params["TargetDbClusterIdentifier"])
        self.call("promote_region", name=name, region=region)
        return self._global_result(name)

    @_action("FailoverGlobalCluster", "GlobalClusterIdentifier", "TargetDbClusterIdentifier", "AllowDataLoss",
             "Switchover")
    def failover_global_cluster(self, r: Request) -> dict[str, Any]:
        p = r.params
        if p.get("AllowDataLoss") and p.get("Switchover"):
            raise refuse("AllowDataLoss and Switchover cannot both be true")
        name = p["GlobalClusterIdentifier"]
        region = self._member_region(name, p["TargetDbClusterIdentifier"])
        self.call("promote_region", name=name, region=region, allow_data_loss=bool(p.get("AllowDataLoss")))
        return self._global_result(name)

    @_action("RemoveFromGlobalCluster", "GlobalClusterIdentifier", "DbClusterIdentifier")
    def remove_from_global_cluster(self, r: Request) -> dict[str, Any]:
        name = r.params["GlobalClusterIdentifier"]
        region = self._member_region(name, r.params["DbClusterIdentifier"])
        self.call("global_remove_region", name=name, region=region)
        return self._global_result(name)
