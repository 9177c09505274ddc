"""The RDS API's pieces in-process, against botocore's own halves: its serializer writes the
requests we parse, its parser reads the responses we write, its signer signs what we verify."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from unittest import mock

import botocore.session
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.parsers import QueryParser
from botocore.serialize import QuerySerializer

from aurora.engine.rdsapi import protocol, sigv4
from aurora.engine.rdsapi.operations import Rds, RdsError

MODEL = botocore.session.get_session().get_service_model("rds")
KEY, SECRET = "AKIAEXAMPLEEXAMPLE00", "s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/s3cr3"


def form_of(action: str, params: dict) -> dict[str, str]:
    body = QuerySerializer().serialize_to_request(params, MODEL.operation_model(action))["body"]
    return {k: str(v) for k, v in body.items() if k not in ("Action", "Version")}


def botocore_reads(action: str, xml: bytes, status: int = 200) -> dict:
    op = MODEL.operation_model(action)
    return QueryParser().parse({"body": xml, "headers": {}, "status_code": status}, op.output_shape)


def test_requests_parse_back_to_what_the_caller_wrote():
    params = {"DBClusterIdentifier": "demo", "Engine": "aurora-postgresql", "Port": 6543,
              "VpcSecurityGroupIds": ["sg-1", "sg-2"], "Tags": [{"Key": "team", "Value": "db"}],
              "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.5, "MaxCapacity": 8.0, "SecondsUntilAutoPause": 300},
              "StorageEncrypted": False, "BacktrackWindow": 3600}
    op = MODEL.operation_model("CreateDBCluster")
    assert protocol.parse(op.input_shape, form_of("CreateDBCluster", params)) == params


def test_timestamps_empty_lists_and_flattened_names():
    when = datetime(2026, 12, 2, 10, 30, 5, tzinfo=UTC)
    params = {"DBClusterIdentifier": "copy", "SourceDBClusterIdentifier": "demo", "RestoreToTime": when,
              "VpcSecurityGroupIds": []}
    op = MODEL.operation_model("RestoreDBClusterToPointInTime")
    assert protocol.parse(op.input_shape, form_of("RestoreDBClusterToPointInTime", params)) == params
    filters = {"Filters": [{"Name": "db-cluster-id", "Values": ["a", "b"]}]}
    op = MODEL.operation_model("DescribeDBClusters")
    assert protocol.parse(op.input_shape, form_of("DescribeDBClusters", filters)) == filters


def test_missing_required_and_unknown_parameters_are_errors():
    op = MODEL.operation_model("CreateDBCluster")
    with pytest.raises(protocol.ProtocolError) as e:
        protocol.parse(op.input_shape, {"DBClusterIdentifier": "demo"})
    assert e.value.code == "MissingParameter" and "Engine" in e.value.message
    with pytest.raises(protocol.ProtocolError) as e:
        protocol.parse(op.input_shape, {"DBClusterIdentifier": "demo", "Engine": "x", "Colour": "red"})
    assert e.value.code == "InvalidParameterValue"
    with pytest.raises(protocol.ProtocolError) as e:
        protocol.parse(op.input_shape, {"DBClusterIdentifier": "demo", "Engine": "x", "Port": "many"})
    assert e.value.code == "InvalidParameterValue"


def test_responses_read_back_by_botocore():
    created = datetime(2026, 12, 2, 9, 0, 0, 123000, tzinfo=UTC)
    cluster = {"DBClusterIdentifier": "demo", "Status": "available", "Port": 5432, "Endpoint": "127.0.0.1",
               "ClusterCreateTime": created, "MultiAZ": True, "AvailabilityZones": ["local-1a", "local-1b"],
               "DBClusterMembers": [{"DBInstanceIdentifier": "demo-instance-1", "IsClusterWriter": True,
                                     "PromotionTier": 1}],
               "ServerlessV2ScalingConfiguration": {"MinCapacity": 0.0, "MaxCapacity": 8.0},
               "BacktrackWindow": 3600, "VpcSecurityGroups": []}
    op = MODEL.operation_model("DescribeDBClusters")
    xml = protocol.serialize(op, {"DBClusters": [cluster], "Marker": "100"}, "rid-1")
    parsed = botocore_reads("DescribeDBClusters", xml)
    assert parsed["Marker"] == "100"
    got = parsed["DBClusters"][0]
    got["ClusterCreateTime"] = got["ClusterCreateTime"].astimezone(UTC)
    assert {k: v for k, v in got.items() if k != "VpcSecurityGroups"} == \
           {k: v for k, v in cluster.items() if k != "VpcSecurityGroups"}
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-1"
    assert b"<DescribeDBClustersResult>" in xml and b"<DBCluster>" in xml and b"<AvailabilityZone>" in xml


def test_a_result_without_wrapper_members_and_a_mistyped_member():
    op = MODEL.operation_model("CreateDBClusterEndpoint")
    xml = protocol.serialize(op, {"DBClusterEndpointIdentifier": "analytics", "StaticMembers": ["a", "b"]}, "r")
    assert botocore_reads("CreateDBClusterEndpoint", xml)["StaticMembers"] == ["a", "b"]
    with pytest.raises(KeyError):
        protocol.serialize(MODEL.operation_model("DescribeDBClusters"), {"DBClusters": [{"Colour": "red"}]}, "r")


def test_errors_read_back_by_botocore():
    xml = protocol.error_xml("DBClusterNotFoundFault", "cluster 'x' <not> found", "rid-2")
    parsed = botocore_reads("DescribeDBClusters", xml, status=404)
    assert parsed["Error"]["Code"] == "DBClusterNotFoundFault"
    assert parsed["Error"]["Message"] == "cluster 'x' <not> found"
    assert protocol.http_status("DBClusterNotFoundFault") == 404
    assert protocol.http_status("DBInstanceNotFound") == 404
    assert protocol.http_status("InvalidParameterCombination") == 400
    assert protocol.http_status("SignatureDoesNotMatch") == 403


def signed(body: bytes, key: str = KEY, secret: str = SECRET, region: str = "local-1",
           service: str = "rds", when: float | None = None) -> dict[str, str]:
    request = AWSRequest("POST", "http://127.0.0.1:8600/", data=body,
                         headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    auth = SigV4Auth(Credentials(key, secret), service, region)
    if when is None:
        auth.add_auth(request)
    else:  # signed at another time: botocore reads the clock through get_current_datetime
        with mock.patch("botocore.auth.get_current_datetime",
                        lambda: datetime.fromtimestamp(when, UTC).replace(tzinfo=None)):
            auth.add_auth(request)
    headers = {k.lower(): v for k, v in request.headers.items()}
    headers["host"] = "127.0.0.1:8600"
    return headers


def verify(body: bytes, headers: dict[str, str], query: str = "") -> str:
    return sigv4.verify("POST", "/", query, headers, body, {KEY: SECRET})


BODY = b"Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=demo"


def test_botocore_signatures_verify_for_any_region():
    assert verify(BODY, signed(BODY)) == "local-1"
    assert verify(BODY, signed(BODY, region="eu-west-1")) == "eu-west-1"


@pytest.mark.parametrize(("change", "code"), [
    (lambda b, h: (b + b"&Marker=2", h), "SignatureDoesNotMatch"),
    (lambda b, h: (b, signed(b, secret="wrong" + SECRET[5:])), "SignatureDoesNotMatch"),
    (lambda b, h: (b, signed(b, key="AKIAUNKNOWNUNKNOWN00")), "InvalidClientTokenId"),
    (lambda b, h: (b, signed(b, service="ec2")), "SignatureDoesNotMatch"),
    (lambda b, h: (b, signed(b, when=time.time() - 16 * 60)), "SignatureDoesNotMatch"),
    (lambda b, h: (b, {k: v for k, v in h.items() if k != "authorization"}), "MissingAuthenticationToken"),
    (lambda b, h: (b, {**h, "authorization": "AWS4-HMAC-SHA256 Credential=x"}), "IncompleteSignature"),
])
def test_bad_signatures_are_refused_like_aws(change, code):
    body, headers = change(BODY, signed(BODY))
    with pytest.raises(sigv4.SignatureError) as e:
        verify(body, headers)
    assert e.value.code == code


def test_a_recent_signature_within_the_window_verifies():
    assert verify(BODY, signed(BODY, when=time.time() - 10 * 60)) == "local-1"


def test_every_action_exists_in_the_model_and_maps_only_its_own_parameters():
    rds = Rds(None)
    assert len(rds.actions) >= 22
    for name, action in rds.actions.items():
        members = set(MODEL.operation_model(name).input_shape.members)
        assert action.accepts <= members, (name, action.accepts - members)


def test_parameters_that_change_behaviour_are_refused():
    create = Rds(None).actions["CreateDBCluster"]
    create.check({"DBClusterIdentifier": "demo", "Engine": "aurora-postgresql", "VpcSecurityGroupIds": ["sg-1"],
                  "DeletionProtection": False})
    with pytest.raises(RdsError) as e:
        create.check({"DBClusterIdentifier": "demo", "KmsKeyId": "key"})
    assert e.value.code == "InvalidParameterCombination"
    with pytest.raises(RdsError) as e:
        create.check({"DBClusterIdentifier": "demo", "DeletionProtection": True})
    assert e.value.code == "InvalidParameterValue"
