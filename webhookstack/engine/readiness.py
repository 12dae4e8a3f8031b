"""LocalStack's init state, as `/_localstack/init/ready` reports it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass


@dataclass(frozen=True)
class InitScript:
    stage: str
    name: str
    state: str


@dataclass(frozen=True)
class InitReport:
    completed: bool
    scripts: tuple[InitScript, ...]

    @property
    def failed(self) -> tuple[InitScript, ...]:
        return tuple(s for s in self.scripts if s.state == "ERROR")

    @property
    def ok(self) -> bool:
        return self.completed and all(s.state == "SUCCESSFUL" for s in self.scripts)


def read_init_report(endpoint: str, timeout: float = 2.0) -> InitReport | None:
    """The init report, or None while nothing answers on the port."""
    try:
        # All stages, not just /init/ready: a failed start.d fix must count as a failure too.
        with urllib.request.urlopen(f"{endpoint}/_localstack/init", timeout=timeout) as r:
            body = json.load(r)
    except (urllib.error.URLError, ConnectionError, TimeoutError, json.JSONDecodeError):
        return None
    return InitReport(
        completed=bool((body.get("completed") or {}).get("READY")),
        scripts=tuple(
            InitScript(s.get("stage", ""), s.get("name", ""), s.get("state", ""))
            for s in body.get("scripts", [])
        ),
    )


def is_reachable(endpoint: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{endpoint}/_localstack/health", timeout=timeout) as r:
            return r.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError):
        return False
