"""The RDS Query API end to end: `aurora daemon start --api-port` serves it, boto3 and the aws
CLI talk to it as to AWS (their own waiters, parsers and signer), and the endpoints it returns
take psycopg connections."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from test_cluster_cli import poll, sql

pytestmark = pytest.mark.integration

PASSWORD = "not-a-secret-1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def api(aurora):
    """aurorad serving the RDS API; its endpoint URL and the access key `aurora api credentials` prints."""
    port = free_port()
    aurora.ok("daemon", "start", "--api-port", str(port))
    poll(lambda: answers(port), 15, "the RDS API to listen")
    creds = aurora.json("api", "credentials")
    assert creds["endpoint_url"] == f"http://127.0.0.1:{port}"
    return creds


def client(creds: dict, secret: str | None = None, key: str | None = None):
    return boto3.client("rds", endpoint_url=creds["endpoint_url"], region_name=creds["region"],
                        aws_access_key_id=key or creds["access_key_id"],
                        aws_secret_access_key=secret or creds["secret_access_key"],
                        config=Config(retries={"max_attempts": 1}, read_timeout=120))


def wait_available(rds, name: str) -> dict:
    rds.get_waiter("db_cluster_available").wait(DBClusterIdentifier=name,
                                               WaiterConfig={"Delay": 1, "MaxAttempts": 90})
    return rds.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]


def uri(cluster: dict) -> str:
    return (f"postgresql://{cluster['MasterUsername']}:{PASSWORD}@{cluster['Endpoint']}:{cluster['Port']}/"
            f"{cluster['DatabaseName']}")


def code(e: pytest.ExceptionInfo) -> str:
    return e.value.response["Error"]["Code"]


def writer_of(cluster: dict) -> str:
    return next(m["DBInstanceIdentifier"] for m in cluster["DBClusterMembers"] if m["IsClusterWriter"])


def test_boto3_creates_fails_over_clones_and_deletes(api):
    rds = client(api)
    created = rds.create_db_cluster(DBClusterIdentifier="demo", Engine="aurora-postgresql",
                                    MasterUsername="postgres", MasterUserPassword=PASSWORD)["DBCluster"]
    assert created["Status"] in ("creating", "available")
    reader = rds.create_db_instance(DBClusterIdentifier="demo", DBInstanceIdentifier="demo-instance-2",
                                    DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")["DBInstance"]
    assert reader["DBClusterIdentifier"] == "demo"
    cluster = wait_available(rds, "demo")
    assert [m["IsClusterWriter"] for m in cluster["DBClusterMembers"]] == [True, False]
    rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier="demo-instance-2",
                                                WaiterConfig={"Delay": 1, "MaxAttempts": 60})

    sql(uri(cluster), "CREATE TABLE t (id int PRIMARY KEY)")
    sql(uri(cluster), "INSERT INTO t VALUES (1)")
    instance = rds.describe_db_instances(DBInstanceIdentifier="demo-instance-2")["DBInstances"][0]
    reader_uri = (f"postgresql://postgres:{PASSWORD}@{instance['Endpoint']['Address']}:"
                  f"{instance['Endpoint']['Port']}/postgres")
    poll(lambda: sql(reader_uri, "SELECT id FROM t") == [(1,)], 15, "the reader to see the row")

    with pytest.raises(rds.exceptions.DBClusterAlreadyExistsFault):
        rds.create_db_cluster(DBClusterIdentifier="demo", Engine="aurora-postgresql")
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rds.create_db_cluster(DBClusterIdentifier="other", Engine="aurora-postgresql", KmsKeyId="k")
    assert code(e) == "InvalidParameterCombination"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rds.create_db_instance(DBClusterIdentifier="demo", DBInstanceIdentifier="my-reader",
                               DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
    assert code(e) == "InvalidParameterValue" and "demo-instance-3" in e.value.response["Error"]["Message"]

    before = writer_of(cluster)
    rds.failover_db_cluster(DBClusterIdentifier="demo", TargetDBInstanceIdentifier="demo-instance-2")
    cluster = wait_available(rds, "demo")
    assert writer_of(cluster) == "demo-instance-2" != before
    poll(lambda: sql(uri(cluster), "INSERT INTO t VALUES (2)") == [], 15, "a write through the writer endpoint")

    clone = rds.restore_db_cluster_to_point_in_time(
        DBClusterIdentifier="demo-clone", SourceDBClusterIdentifier="demo", RestoreType="copy-on-write",
        UseLatestRestorableTime=True)["DBCluster"]
    assert clone["CloneGroupId"]
    clone = wait_available(rds, "demo-clone")
    assert sql(uri(clone), "SELECT id FROM t ORDER BY id") == [(1,), (2,)]
    sql(uri(clone), "INSERT INTO t VALUES (3)")
    assert sql(uri(cluster), "SELECT count(*) FROM t") == [(2,)]  # copy-on-write: the source is untouched

    events = rds.describe_events(SourceIdentifier="demo", SourceType="db-cluster")["Events"]
    categories = {c for e in events for c in e["EventCategories"]}
    assert {"creation", "failover"} <= categories, events
    assert any(e["SourceIdentifier"] == "demo-instance-2" for e in rds.describe_events()["Events"])

    with pytest.raises(botocore.exceptions.ClientError) as e:
        rds.delete_db_cluster(DBClusterIdentifier="demo-clone")
    assert code(e) == "InvalidParameterCombination"  # a final snapshot, or SkipFinalSnapshot
    for name in ("demo-clone", "demo"):
        assert rds.delete_db_cluster(DBClusterIdentifier=name, SkipFinalSnapshot=True)["DBCluster"]["Status"] == "deleting"
    rds.get_waiter("db_cluster_deleted").wait(DBClusterIdentifier="demo", WaiterConfig={"Delay": 1, "MaxAttempts": 10})
    with pytest.raises(rds.exceptions.DBClusterNotFoundFault):
        rds.describe_db_clusters(DBClusterIdentifier="demo")
    assert rds.describe_db_clusters()["DBClusters"] == []


def test_wrong_signatures_and_unsigned_requests_are_refused(api):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(api, secret="x" * 40).describe_db_clusters()
    assert code(e) == "SignatureDoesNotMatch"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(api, key="AKIAAAAAAAAAAAAAAAAA").describe_db_clusters()
    assert code(e) == "InvalidClientTokenId"
    request = urllib.request.Request(api["endpoint_url"], data=b"Action=DescribeDBClusters&Version=2014-10-31")
    with pytest.raises(urllib.error.HTTPError) as raw:
        urllib.request.urlopen(request, timeout=10)
    assert raw.value.code == 403
    body = raw.value.read().decode()
    assert "<Code>MissingAuthenticationToken</Code>" in body and "Traceback" not in body
    with pytest.raises(botocore.exceptions.ClientError) as e:
        client(api).describe_db_clusters(DBClusterIdentifier="nope")
    assert code(e) == "DBClusterNotFoundFault"


def test_the_aws_cli_describes_clusters(api, aurora, tmp_path: Path):
    aurora.ok("create", "cli-made")
    aws = Path(sys.executable).parent / "aws"
    env = {**os.environ, "HOME": str(tmp_path), "AWS_ACCESS_KEY_ID": api["access_key_id"],
           "AWS_SECRET_ACCESS_KEY": api["secret_access_key"], "AWS_DEFAULT_REGION": api["region"],
           "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")}
    r = subprocess.run([str(aws), "rds", "describe-db-clusters", "--endpoint-url", api["endpoint_url"],
                        "--output", "json"], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    clusters = json.loads(r.stdout)["DBClusters"]
    assert [c["DBClusterIdentifier"] for c in clusters] == ["cli-made"]
    assert clusters[0]["Status"] == "available" and clusters[0]["Engine"] == "aurora-postgresql"


def test_serverless_capacity_snapshots_and_restore(api):
    rds = client(api)
    rds.create_db_cluster(DBClusterIdentifier="lab", Engine="aurora-postgresql", MasterUserPassword=PASSWORD,
                          ServerlessV2ScalingConfiguration={"MinCapacity": 0.5, "MaxCapacity": 4})
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rds.create_db_instance(DBClusterIdentifier="lab", DBInstanceIdentifier="lab-instance-2",
                               DBInstanceClass="db.r6g.large", Engine="aurora-postgresql")
    assert code(e) == "InvalidParameterCombination"  # a serverless cluster's instances are db.serverless
    cluster = wait_available(rds, "lab")
    assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4.0}
    modified = rds.modify_db_cluster(DBClusterIdentifier="lab", ApplyImmediately=True,
                                     ServerlessV2ScalingConfiguration={"MaxCapacity": 8})["DBCluster"]
    assert modified["ServerlessV2ScalingConfiguration"]["MaxCapacity"] == 8.0
    with pytest.raises(botocore.exceptions.ClientError) as e:
        rds.modify_db_cluster(DBClusterIdentifier="lab", ServerlessV2ScalingConfiguration={"MaxCapacity": 0})
    assert code(e) == "InvalidParameterValue"  # the engine's own check, in the engine's words

    sql(uri(cluster), "CREATE TABLE t (id int PRIMARY KEY)")
    sql(uri(cluster), "INSERT INTO t VALUES (7)")
    snap = rds.create_db_cluster_snapshot(DBClusterIdentifier="lab", DBClusterSnapshotIdentifier="lab-snap")
    assert snap["DBClusterSnapshot"]["Status"] == "available"
    with pytest.raises(rds.exceptions.DBClusterSnapshotAlreadyExistsFault):
        rds.create_db_cluster_snapshot(DBClusterIdentifier="lab", DBClusterSnapshotIdentifier="lab-snap")
    listed = rds.describe_db_cluster_snapshots(DBClusterIdentifier="lab", SnapshotType="manual")
    assert [s["DBClusterSnapshotIdentifier"] for s in listed["DBClusterSnapshots"]] == ["lab-snap"]
    rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="lab-copy", SnapshotIdentifier="lab-snap",
                                         Engine="aurora-postgresql")
    copy = wait_available(rds, "lab-copy")
    assert sql(uri(copy), "SELECT id FROM t") == [(7,)]
    with pytest.raises(rds.exceptions.DBClusterSnapshotNotFoundFault):
        rds.restore_db_cluster_from_snapshot(DBClusterIdentifier="x", SnapshotIdentifier="nope",
                                             Engine="aurora-postgresql")

    assert rds.stop_db_cluster(DBClusterIdentifier="lab-copy")["DBCluster"]["Status"] == "stopped"
    with pytest.raises(rds.exceptions.InvalidDBClusterStateFault):
        rds.create_db_cluster_snapshot(DBClusterIdentifier="lab-copy", DBClusterSnapshotIdentifier="s2")
    rds.start_db_cluster(DBClusterIdentifier="lab-copy")
    wait_available(rds, "lab-copy")
    endpoints = rds.describe_db_cluster_endpoints(DBClusterIdentifier="lab")["DBClusterEndpoints"]
    assert [e["EndpointType"] for e in endpoints] == ["WRITER", "READER"]
    assert endpoints[0]["Endpoint"] == f"127.0.0.1:{cluster['Port']}"
