"""HMAC-SHA256 signatures of Twitch webhooks (twitch-cli and Twitch's docs)."""

from __future__ import annotations

import hashlib
import hmac
import secrets as _secrets
from datetime import datetime, timezone


def _bytes(value: str | bytes) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def websub_signature(secret: str | bytes, raw_body: bytes) -> str:
    """`X-Hub-Signature`: an HMAC of the raw body (not sha256(secret + body))."""
    return "sha256=" + hmac.new(_bytes(secret), raw_body, hashlib.sha256).hexdigest()


def eventsub_signature(secret: str | bytes, message_id: str, timestamp: str, raw_body: bytes) -> str:
    """`Twitch-Eventsub-Message-Signature`: HMAC of message id + timestamp + raw body."""
    message = _bytes(message_id) + _bytes(timestamp) + raw_body
    return "sha256=" + hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def rfc3339(moment: datetime | None = None, digits: int = 9) -> str:
    """Twitch's timestamp form: UTC, up to 9 fractional digits, trailing zeros trimmed."""
    moment = (moment or datetime.now(timezone.utc)).astimezone(timezone.utc)
    base = moment.strftime("%Y-%m-%dT%H:%M:%S")
    # datetime has microseconds; pad to nanoseconds with random digits the way Twitch's clock shows them
    nanos = f"{moment.microsecond:06d}{_secrets.randbelow(1000):03d}"[:digits].rstrip("0")
    return f"{base}.{nanos}Z" if nanos else f"{base}Z"


def check_secret(secret: str) -> str:
    if not secret.isascii() or not 10 <= len(secret) <= 100:
        raise ValueError("a Twitch webhook secret is ASCII, 10 to 100 characters")
    return secret
