"""Recorded calls -> IAM requests, and the two gaps the least-privilege check finds."""

from typing import Any

from tools.demo.privilege import authorization, check

ARGS = {"partition": "aws", "region": "us-east-1", "account": "123456789012"}
TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/results"


def call(service: str, operation: str, **params: Any) -> dict[str, Any]:
    return {"service": service, "operation": operation, "params": params}


def test_operations_are_authorized_as_iam_documents_them():
    listed = authorization(call("s3", "ListObjectsV2", Bucket="b", Prefix="input/"), **ARGS)
    assert (listed.action, listed.resource, listed.context) == (
        "s3:ListBucket",
        "arn:aws:s3:::b",
        (("s3:prefix", "input/"),),
    )
    versioned = authorization(call("s3", "GetObject", Bucket="b", Key="in/a b.csv", VersionId="v1"), **ARGS)
    assert (versioned.action, versioned.resource) == ("s3:GetObjectVersion", "arn:aws:s3:::b/in/a b.csv")
    assert authorization(call("s3", "CompleteMultipartUpload", Bucket="b", Key="k"), **ARGS).action == (
        "s3:PutObject"
    )
    batch = authorization(
        call("sqs", "DeleteMessageBatch", QueueUrl="http://127.0.0.1:5000/123456789012/work"), **ARGS
    )
    assert (batch.action, batch.resource) == ("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:123456789012:work")
    assert authorization(call("dynamodb", "PutItem", TableName="results"), **ARGS).resource == TABLE


def test_a_call_without_a_grant_and_a_grant_without_a_call_are_both_gaps():
    documents = [
        {
            "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:DeleteItem"], "Resource": TABLE}
            ]
        }
    ]
    calls = [
        call("dynamodb", "GetItem", TableName="results"),
        call("dynamodb", "PutItem", TableName="results"),
    ]
    result = check("services.ingest", "role", documents, calls, **ARGS, justified={})
    assert [denied.request.action for denied in result.denied] == ["dynamodb:PutItem"]
    assert result.unused == ["dynamodb:DeleteItem"]
    assert not result.ok


def test_a_justified_exception_is_listed_not_counted_and_only_for_its_worker():
    documents = [
        {"Statement": [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::b/*"}]}
    ]
    justified = {("services.ingest", "s3:GetObject"): "unversioned buckets"}
    ingest = check("services.ingest", "role", documents, [], **ARGS, justified=justified)
    assert ingest.ok
    assert ingest.justified == {"s3:GetObject": "unversioned buckets"}
    assert check("services.report", "role", documents, [], **ARGS, justified=justified).unused == [
        "s3:GetObject"
    ]


def test_a_call_with_no_resource_mapping_is_a_problem_never_a_pass():
    documents = [{"Statement": [{"Effect": "Allow", "Action": "kinesis:PutRecord", "Resource": "*"}]}]
    result = check(
        "w", "role", documents, [call("kinesis", "PutRecord", StreamName="s")], **ARGS, justified={}
    )
    assert result.problems == ["kinesis:PutRecord: no resource mapping in tools/demo/privilege.py"]
    assert not result.ok
