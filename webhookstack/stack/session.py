"""boto3 clients for the stack: a local endpoint, or real AWS through the usual credential chain."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property

import boto3
from botocore.config import Config

LOCAL_CREDENTIALS = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


@dataclass
class Target:
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    @cached_property
    def session(self) -> boto3.Session:
        region = self.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        if self.is_local:
            creds = {} if (self.profile or os.environ.get("AWS_ACCESS_KEY_ID")) else LOCAL_CREDENTIALS
            return boto3.Session(profile_name=self.profile, region_name=region or "us-east-1", **creds)
        return boto3.Session(profile_name=self.profile, region_name=region)

    def client(self, service: str):
        return self.session.client(
            service,
            endpoint_url=self.endpoint_url,
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=60),
        )

    @cached_property
    def region_name(self) -> str:
        region = self.session.region_name
        if not region:
            raise ValueError("no AWS region: pass --region or set AWS_REGION")
        return region

    @cached_property
    def account_id(self) -> str:
        return self.client("sts").get_caller_identity()["Account"]
