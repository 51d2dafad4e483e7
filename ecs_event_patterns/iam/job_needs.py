"""A job's declared needs (`ecs_event_patterns.config.needs.Needs`) as task-role statements, each from a grant
helper with exact actions and exact ARNs; raw statements as written (their settings class checked them)."""

from __future__ import annotations

from ecs_event_patterns.config.needs import Condition, Needs, RawStatement, SecretAccess
from ecs_event_patterns.iam import arns, grants
from ecs_event_patterns.iam.documents import Statement


def needs_statements(needs: Needs) -> list[Statement]:
    """Every statement the needs grant, in the order the needs are declared."""
    statements: list[Statement] = []
    for access in needs.read_objects:
        # Reading under a prefix lists it too: a job finds its keys by listing, and without s3:ListBucket
        # S3 answers a missing key with 403 instead of 404. CDK's grantRead also gives s3:GetObject* and
        # s3:GetBucket*, and lists the whole bucket; a need gets GetObject and the listing of its prefix only.
        statements += grants.list_objects(access.bucket, [access.prefix])
        statements += grants.read_objects(access.bucket, access.prefix)
    for access in needs.write_objects:
        # CDK's grantWrite also gives s3:DeleteObject* and object tagging, legal hold and retention.
        statements += grants.write_objects(access.bucket, access.prefix)
    for table in needs.tables:
        if table.access in ("read", "read-write"):
            statements += grants.read_items(table.table, indexes=table.indexes)
        if table.access in ("write", "read-write"):
            statements += grants.write_items(table.table)
    for queue_arn in needs.send:
        statements += grants.send_messages(queue_arn)
    for topic_arn in needs.publish:
        statements += grants.publish_messages(topic_arn)
    for secret in needs.read_secrets:
        statements += _read_secret(secret)
    statements += [raw_statement(statement) for statement in needs.statements]
    return statements


def _read_secret(secret: SecretAccess) -> list[Statement]:
    parsed = arns.parse(secret.arn)
    is_secret = parsed is not None and parsed.service == arns.SECRET.service
    statements = grants.read_secret_value(secret.arn) if is_secret else grants.read_parameter(secret.arn)
    if secret.kms_key:
        statements += grants.decrypt_with(secret.kms_key)
    return statements


def raw_statement(statement: RawStatement) -> Statement:
    """The statement as IAM takes it: lists for Action and Resource, Sid and Condition only when given."""
    rendered: Statement = {"Effect": statement.Effect, "Action": list(statement.Action)}
    rendered["Resource"] = list(statement.Resource)
    if statement.Condition:
        rendered["Condition"] = Condition(statement.Condition).as_json()
    if statement.Sid:
        rendered = {"Sid": statement.Sid, **rendered}
    return rendered
