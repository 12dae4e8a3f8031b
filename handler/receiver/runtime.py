"""What an execution environment keeps between invocations: settings, boto3 clients, the log.

Created on the first invocation (a configuration error is then a logged 500, not an import
crash), reused by warm invocations. Tests install their own `Dependencies` with `use()` and
drop them with `reset()`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping

from receiver import config
from receiver.logs import JsonLog
from receiver.storage import DynamoDBEventStore, EventStore


def _client(service: str):
    import boto3  # provided by the Lambda runtime
    from botocore.config import Config

    # Short timeouts: Twitch wants an answer within a couple of seconds and retries on failure.
    return boto3.client(
        service, config=Config(connect_timeout=2, read_timeout=4, retries={"max_attempts": 2, "mode": "standard"})
    )


class Dependencies:
    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        dynamodb=None,
        secretsmanager=None,
        store: EventStore | None = None,
        clock_ns: Callable[[], int] = time.time_ns,
        log: JsonLog | None = None,
    ):
        self.environ = os.environ if environ is None else environ
        self._dynamodb = dynamodb
        self._secretsmanager = secretsmanager
        self._store = store
        self.clock_ns = clock_ns
        self.log = log or JsonLog()
        self._settings: config.Settings | None = None

    def settings(self) -> config.Settings:
        """Loaded once; a failure is not cached, so a fixed secret is picked up without a redeploy."""
        if self._settings is None:
            self._settings = config.load(self.environ, self.secretsmanager)
        return self._settings

    def secretsmanager(self):
        if self._secretsmanager is None:
            self._secretsmanager = _client("secretsmanager")
        return self._secretsmanager

    def store(self) -> EventStore:
        if self._store is None:
            if self._dynamodb is None:
                self._dynamodb = _client("dynamodb")
            self._store = DynamoDBEventStore(self._dynamodb, self.settings().table)
        return self._store


    def prewarm(self) -> None:
        """Load settings and build clients now: in Lambda's init phase, which gets a full CPU burst,
        rather than in the first invocation. A failure here is left for the invocation to report."""
        try:
            self.store()
        except Exception:  # noqa: BLE001 - the first invocation logs it and answers a generic 500
            self._store = None


_current: Dependencies | None = None


def current() -> Dependencies:
    global _current
    if _current is None:
        _current = Dependencies()
    return _current


def prewarm() -> None:
    """Called at import by app.py; only inside Lambda (tests import the module without AWS)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        current().prewarm()


def use(dependencies: Dependencies) -> None:
    global _current
    _current = dependencies


def reset() -> None:
    use(None)
