"""One invocation as the protocol modules see it: the event view, settings, store, clock, log fields."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from receiver.config import Settings
from receiver.errors import BadRequest
from receiver.event import ProxyEvent
from receiver.storage import Delivery, EventStore, MAX_KEY_PART
from receiver.timestamps import NS


@dataclass
class Call:
    event: ProxyEvent
    settings: Settings
    store_factory: object  # () -> EventStore, built only when something is recorded
    now_ns: int
    version: str
    log: dict = field(default_factory=dict)  # fields of the delivery log line

    @property
    def store(self) -> EventStore:
        return self.store_factory()

    def delivery(self, **fields) -> Delivery:
        ev = self.event
        return Delivery(
            received_at_ms=self.now_ns // 1_000_000,
            expires_at=self.now_ns // NS + self.settings.retention_days * 86_400,
            context={
                "version": self.version,
                "stage": ev.stage,
                "domain_name": ev.domain_name,
                "path": ev.path,
                "request_id": ev.request_id,
            },
            **fields,
        )


def message_id(value: str | None, header: str) -> str:
    if not value or len(value) > MAX_KEY_PART or not value.isprintable():
        raise BadRequest(f"{header} is missing or malformed", reason="bad_message_id")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest(f"{header} is malformed", reason="bad_message_id") from None
    return value


def json_object(raw: bytes) -> tuple[str, dict]:
    """(text, parsed) of a UTF-8 JSON object body; BadRequest for anything else."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("body is not UTF-8", reason="bad_encoding") from None
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        raise BadRequest("body is not JSON", reason="bad_json") from None
    if not isinstance(parsed, dict):
        raise BadRequest("body is not a JSON object", reason="bad_json")
    return text, parsed
