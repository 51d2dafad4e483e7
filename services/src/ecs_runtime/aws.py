"""boto3 clients with the standard retry mode; the endpoint comes from boto3's own configuration.

`AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by boto3 itself, which is how tests and
the local demo point the workers at an emulator. Nothing here sets `endpoint_url`.

One function per service, each returning the client's own type from the `types-boto3` stubs, so
`mypy --strict` checks every call's names and arguments. The stubs are a development dependency only
(imported for type checking, never at run time), so the images carry none of them.
"""

from __future__ import annotations

import threading
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


class Clients:
    """One client per service, made on first use and shared by every handler call of the process."""

    def __init__(
        self,
        max_pool_connections: int = 10,
        *,
        s3: S3Client | None = None,
        sqs: SQSClient | None = None,
        dynamodb: DynamoDBClient | None = None,
    ) -> None:
        """Clients given here are used as they are (a test's, with its own endpoint)."""
        self._pool = max_pool_connections
        self._lock = threading.Lock()
        self._s3 = s3
        self._sqs = sqs
        self._dynamodb = dynamodb

    @property
    def s3(self) -> S3Client:
        with self._lock:
            if self._s3 is None:
                self._s3 = s3_client(self._pool)
            return self._s3

    @property
    def sqs(self) -> SQSClient:
        with self._lock:
            if self._sqs is None:
                self._sqs = sqs_client(self._pool)
            return self._sqs

    @property
    def dynamodb(self) -> DynamoDBClient:
        with self._lock:
            if self._dynamodb is None:
                self._dynamodb = dynamodb_client(self._pool)
            return self._dynamodb
