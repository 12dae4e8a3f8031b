"""PROD's release history, kept in the alias description so it lives where the alias lives.

Lambda allows 256 characters there; a compact JSON record with the last versions PROD
served fits, and any tool (console, CLI) shows who moved PROD and when.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

MAX_DESCRIPTION = 256
KEEP = 10


@dataclass(frozen=True)
class AliasRecord:
    action: str = ""
    by: str = ""
    at: str = ""
    previous: tuple[str, ...] = field(default_factory=tuple)  # oldest first

    def describe(self) -> str:
        prev = list(self.previous)
        while True:
            text = json.dumps({"action": self.action, "by": self.by, "at": self.at, "prev": prev}, separators=(",", ":"))
            if len(text) <= MAX_DESCRIPTION or not prev:
                return text[:MAX_DESCRIPTION]
            prev = prev[1:]


def parse(description: str | None) -> AliasRecord:
    """The record in an alias description; an empty record for descriptions we did not write."""
    try:
        data = json.loads(description or "")
    except json.JSONDecodeError:
        return AliasRecord()
    if not isinstance(data, dict):
        return AliasRecord()
    prev = data.get("prev") or []
    return AliasRecord(
        action=str(data.get("action", "")),
        by=str(data.get("by", "")),
        at=str(data.get("at", "")),
        previous=tuple(str(v) for v in prev if isinstance(v, (str, int))),
    )


def now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def after_promote(record: AliasRecord, old_version: str, by: str) -> AliasRecord:
    previous = (*record.previous, old_version)[-KEEP:]
    return AliasRecord("promote", by, now(), previous)


def after_rollback(record: AliasRecord, by: str) -> tuple[str, AliasRecord]:
    """The version to go back to, and the record after going there."""
    if not record.previous:
        raise LookupError("no previous PROD version recorded")
    *rest, target = record.previous
    return target, AliasRecord("rollback", by, now(), tuple(rest))
