"""aurorad's operations: the explicit table from a name on the control socket to its handler.

The CLI and the dashboard call ``ControlClient().call("<name>", **args)``; aurorad answers
with the handler below, after checking the arguments against its annotations
(:mod:`aurora.engine.rpc`). A handler lives in the room of its role and its result type next
to it; to add an operation, write the handler and add one line here (engine/control/DESIGN.md).
"""

from __future__ import annotations

from aurora.engine.control import (
    backups,
    chaos,
    failover,
    globaldb,
    lifecycle,
    metrics,
    ml,
    routes,
    serverless,
    settings,
    status,
)
from aurora.engine.rpc import Operation, Registry

OPERATIONS = Registry([
    # status: reads only
    Operation("ping", status.Status.op_ping, status.Ping),
    Operation("daemon_status", status.Status.op_daemon_status, status.DaemonStatus),
    Operation("list", status.Status.op_list, list[status.ClusterSummary]),
    Operation("describe", status.Status.op_describe, status.ClusterDescription),
    Operation("fleet", status.Status.op_fleet, status.FleetReport),
    Operation("events", status.Status.op_events, list[status.Event]),
    Operation("log_path", status.Status.op_log_path, str),
    Operation("metrics", metrics.Metrics.op_metrics, list[metrics.MetricStatistics]),
    Operation("shutdown", status.Status.op_shutdown, status.Stopping),
    Operation("daemon_configure", settings.Settings.op_daemon_configure, settings.Listeners),
    # lifecycle
    Operation("create", lifecycle.Lifecycle.op_create, routes.Endpoints),
    Operation("clone", lifecycle.Lifecycle.op_clone, lifecycle.Cloned),
    Operation("start", lifecycle.Lifecycle.op_start, lifecycle.ClusterState),
    Operation("stop", lifecycle.Lifecycle.op_stop, lifecycle.ClusterState),
    Operation("delete", lifecycle.Lifecycle.op_delete, lifecycle.Deleted),
    Operation("scale", lifecycle.Lifecycle.op_scale, lifecycle.Scaled),
    Operation("modify", serverless.Serverless.op_modify, serverless.Modified),
    # backups
    Operation("snapshot_create", backups.Backups.op_snapshot_create, backups.SnapshotInfo),
    Operation("snapshot_list", backups.Backups.op_snapshot_list, list[backups.SnapshotInfo]),
    Operation("snapshot_describe", backups.Backups.op_snapshot_describe, backups.SnapshotInfo),
    Operation("snapshot_delete", backups.Backups.op_snapshot_delete, backups.SnapshotInfo),
    Operation("snapshot_copy", backups.Backups.op_snapshot_copy, backups.SnapshotInfo),
    Operation("snapshot_export", backups.Backups.op_snapshot_export, backups.Exported),
    Operation("restore", backups.Backups.op_restore, backups.Restored),
    Operation("backtrack", backups.Backups.op_backtrack, backups.Backtracked),
    # endpoints
    Operation("endpoints", routes.Routes.op_endpoints, routes.Endpoints),
    Operation("url", routes.Routes.op_url, str),
    Operation("endpoint_create", routes.Routes.op_endpoint_create, routes.Endpoints),
    # failover
    Operation("failover", failover.Failover.op_failover, failover.FailoverResult),
    # chaos
    Operation("chaos_kill_instance", chaos.Chaos.op_chaos_kill_instance, chaos.InstanceFault),
    Operation("chaos_pause_instance", chaos.Chaos.op_chaos_pause_instance, chaos.InstanceFault),
    Operation("chaos_resume_instance", chaos.Chaos.op_chaos_resume_instance, chaos.InstanceFault),
    Operation("chaos_kill_node", chaos.Chaos.op_chaos_kill_node, chaos.NodeFault),
    Operation("chaos_fail_az", chaos.Chaos.op_chaos_fail_az, chaos.AzFault),
    Operation("chaos_restore_az", chaos.Chaos.op_chaos_restore_az, chaos.AzFault),
    Operation("chaos_latency", chaos.Chaos.op_chaos_latency, chaos.NodeFault),
    Operation("chaos_partition", chaos.Chaos.op_chaos_partition, chaos.NodeFault),
    Operation("chaos_heal", chaos.Chaos.op_chaos_heal, chaos.NodeFault),
    Operation("chaos_corrupt", chaos.Chaos.op_chaos_corrupt, chaos.Corrupted),
    Operation("chaos_replace_node", chaos.Chaos.op_chaos_replace_node, chaos.Replaced),
    Operation("chaos_fail_region", globaldb.GlobalDatabases.op_chaos_fail_region, globaldb.RegionFault),
    Operation("chaos_restore_region", globaldb.GlobalDatabases.op_chaos_restore_region, globaldb.RegionFault),
    Operation("chaos_region_latency", globaldb.GlobalDatabases.op_chaos_region_latency, globaldb.RegionLatency),
    # machine learning
    Operation("ml_endpoint_create", ml.MachineLearning.op_ml_endpoint_create, ml.EndpointInfo),
    Operation("ml_endpoint_list", ml.MachineLearning.op_ml_endpoint_list, list[ml.EndpointInfo]),
    Operation("ml_endpoint_describe", ml.MachineLearning.op_ml_endpoint_describe, ml.EndpointInfo),
    Operation("ml_endpoint_delete", ml.MachineLearning.op_ml_endpoint_delete, ml.EndpointInfo),
    Operation("ml_attach", ml.MachineLearning.op_ml_attach, ml.MlRoles),
    Operation("ml_detach", ml.MachineLearning.op_ml_detach, ml.MlRoles),
    Operation("ml_status", ml.MachineLearning.op_ml_status, ml.MlStatus),
    Operation("chaos_kill_ml", ml.MachineLearning.op_chaos_kill_ml, ml.MlFault),
    Operation("chaos_slow_ml", ml.MachineLearning.op_chaos_slow_ml, ml.MlFault),
    # global databases
    Operation("global_create", globaldb.GlobalDatabases.op_global_create, globaldb.GlobalDescription),
    Operation("global_add_region", globaldb.GlobalDatabases.op_global_add_region, globaldb.GlobalDescription),
    Operation("global_list", globaldb.GlobalDatabases.op_global_list, list[globaldb.GlobalSummary]),
    Operation("global_describe", globaldb.GlobalDatabases.op_global_describe, globaldb.GlobalDescription),
    Operation("global_remove_region", globaldb.GlobalDatabases.op_global_remove_region,
              globaldb.GlobalDescription),
    Operation("global_delete", globaldb.GlobalDatabases.op_global_delete, globaldb.GlobalDeleted),
    Operation("promote_region", globaldb.GlobalDatabases.op_promote_region, globaldb.Promotion),
])
