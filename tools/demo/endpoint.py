"""The AWS-compatible endpoint the demo deploys onto: boto3 clients for it, in the stack's region."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3  # type: ignore[import-untyped,unused-ignore]
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

# Emulators accept any key; these are the demo's own identity (the deployer's), never a task's.
DEMO_ACCESS_KEY = "demo"
DEMO_SECRET_KEY = "demo"  # noqa: S105 - an emulator's placeholder, not a credential


@dataclass(frozen=True)
class Endpoint:
    url: str
    region: str
    _clients: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def client(self, service: str) -> Any:
        """One client per service, kept: creating one loads its model (a noticeable cost on 2 cores)."""
        with self._lock:
            if service not in self._clients:
                session = boto3.session.Session(
                    aws_access_key_id=DEMO_ACCESS_KEY,
                    aws_secret_access_key=DEMO_SECRET_KEY,
                    region_name=self.region,
                )
                make: Any = session.client  # any service name: boto3's typed overloads list literals only
                self._clients[service] = make(service, endpoint_url=self.url)
            return self._clients[service]


def unreachable(url: str, region: str = "us-east-1") -> str | None:
    """Why `url` is no usable AWS endpoint (one STS call, one attempt, 5 s), or None when it answers."""
    session = boto3.session.Session(
        aws_access_key_id=DEMO_ACCESS_KEY, aws_secret_access_key=DEMO_SECRET_KEY, region_name=region
    )
    make: Any = session.client
    config = Config(connect_timeout=5, read_timeout=5, retries={"total_max_attempts": 1})
    try:
        make("sts", endpoint_url=url, config=config).get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        return str(error)
    return None
