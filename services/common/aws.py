"""boto3 clients with the standard retry mode; the endpoint comes from boto3's own configuration.

`AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by boto3 itself, which is how tests and
the local demo point the workers at an emulator. Nothing here sets `endpoint_url`.

One function per service, each returning the client's own type from the `types-boto3` stubs, so
`mypy --strict` checks every call's names and arguments. The stubs are a development dependency only
(imported for type checking, never at run time), so the images carry none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import boto3
from botocore.config import Config

if TYPE_CHECKING:
    from types_boto3_dynamodb import DynamoDBClient
    from types_boto3_s3 import S3Client
    from types_boto3_sqs import SQSClient


def client_config(max_pool_connections: int = 10) -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=max_pool_connections,
        connect_timeout=10,
        # Above SQS's 20 s long poll so a receive is never cut short.
        read_timeout=60,
    )


# boto3 clients are thread-safe, so one serves a whole pool of jobs; `max_pool_connections` sizes its
# connection pool for that many concurrent calls.


def s3_client(max_pool_connections: int = 10) -> S3Client:
    return boto3.session.Session().client("s3", config=client_config(max_pool_connections))


def sqs_client(max_pool_connections: int = 10) -> SQSClient:
    return boto3.session.Session().client("sqs", config=client_config(max_pool_connections))


def dynamodb_client(max_pool_connections: int = 10) -> DynamoDBClient:
    return boto3.session.Session().client("dynamodb", config=client_config(max_pool_connections))
