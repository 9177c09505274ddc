"""The RDS Query API served by aurorad over HTTP on 127.0.0.1, for boto3, the aws CLI and
Terraform: each RDS action calls the same aurorad operation as the `aurora` command
(docs/rds-api.md)."""
