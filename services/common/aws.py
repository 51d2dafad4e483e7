"""boto3 clients with the standard retry mode; the endpoint comes from boto3's own configuration.

`AWS_ENDPOINT_URL` (or `AWS_ENDPOINT_URL_<SERVICE>`) is honoured by boto3 itself, which is how tests and
the local demo point the workers at an emulator. Nothing here sets `endpoint_url`.
"""

from __future__ import annotations

from typing import Any

import boto3  # type: ignore[import-untyped]
from botocore.config import Config  # type: ignore[import-untyped]


def client_config(max_pool_connections: int = 10) -> Config:
    return Config(
        retries={"mode": "standard", "max_attempts": 5},
        max_pool_connections=max_pool_connections,
        connect_timeout=10,
        # Above SQS's 20 s long poll so a receive is never cut short.
        read_timeout=60,
    )


def client(service: str, max_pool_connections: int = 10) -> Any:
    """A client for `service`; boto3 clients are thread-safe, so one serves a whole pool of jobs."""
    return boto3.session.Session().client(service, config=client_config(max_pool_connections))
