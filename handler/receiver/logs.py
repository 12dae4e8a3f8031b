"""One structured JSON line per delivery, on stdout (CloudWatch Logs in Lambda).

Fields: requestId (API Gateway's, ties the line to `x-amzn-RequestId`), protocol, messageId,
messageType, subscriptionType, outcome, reason, status, durationMs, stage, version, retry.
Never: bodies, signatures, secrets. Values from unauthenticated headers are cut short; json.dumps
escapes control characters, so a line stays one line whatever a client sends.
"""

from __future__ import annotations

import json
import sys
import traceback

MAX_FIELD = 128


def _clip(value):
    if isinstance(value, str) and len(value) > MAX_FIELD:
        return value[:MAX_FIELD] + "…"
    return value


class JsonLog:
    def __init__(self, stream=None):
        self._stream = stream

    @property
    def stream(self):
        return self._stream or sys.stdout

    def emit(self, level: str, message: str, **fields) -> None:
        record = {"level": level, "message": message}
        record.update({k: _clip(v) for k, v in fields.items() if v is not None})
        self.stream.write(json.dumps(record, ensure_ascii=True, default=str) + "\n")
        self.stream.flush()

    def exception(self, message: str, **fields) -> None:
        """An unexpected failure: the traceback goes to the log (never to the client)."""
        self.emit("ERROR", message, error=traceback.format_exc(limit=20), **fields)
