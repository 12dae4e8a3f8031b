"""HMAC-SHA256 signatures as Twitch computes them, compared in constant time.

WebSub:   X-Hub-Signature            = "sha256=" + hex(HMAC(secret, raw_body))
EventSub: Twitch-Eventsub-Message-Signature
                                      = "sha256=" + hex(HMAC(secret, message_id + timestamp + raw_body))

Always over the raw bytes: re-serialising parsed JSON changes `&`, `<`, non-ASCII and `\\/`
escapes, and the signature with them.
"""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def sign(secret: bytes, message: bytes) -> str:
    return PREFIX + hmac.new(secret, message, hashlib.sha256).hexdigest()


def eventsub_message(message_id: str, timestamp: str, raw_body: bytes) -> bytes:
    return message_id.encode("utf-8", "surrogatepass") + timestamp.encode("utf-8", "surrogatepass") + raw_body


def is_valid(secret: bytes, message: bytes, provided: str | None) -> bool:
    """True iff `provided` is the signature of `message`. Never raises, whatever `provided` holds."""
    if not provided:
        return False
    expected = sign(secret, message).encode("ascii")
    # Bytes, not str: compare_digest refuses non-ASCII str, and a header may hold anything.
    # The algorithm name is case-insensitive, the hex digest is compared as lower case.
    candidate = provided.strip().lower().encode("utf-8", "surrogatepass")
    return hmac.compare_digest(expected, candidate)
