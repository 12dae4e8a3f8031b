"""Re-sign a captured Twitch delivery with the local secret (and, with --at, a new timestamp).

A production signature is made with the production secret, which the local stack does not
have (and must not): without re-signing every replay is a 403. EventSub signs
message id + timestamp + raw body; WebSub signs the raw body.
"""

from __future__ import annotations

from datetime import datetime

from webhookstack.replay.capture import CapturedRequest
from webhookstack.twitch.signing import eventsub_signature, rfc3339, websub_signature


def resign(req: CapturedRequest, secret: str, at: datetime | None = None) -> list[str]:
    """Re-sign in place; returns what was changed, for the output."""
    notes = []
    message_id = req.header("Twitch-Eventsub-Message-Id")
    if message_id is not None:
        timestamp = req.header("Twitch-Eventsub-Message-Timestamp") or ""
        if at is not None:
            # Keep the capture's precision: 9-digit fractions are one of the bug classes.
            fraction = timestamp.rstrip("Z").partition(".")[2]
            timestamp = rfc3339(at, digits=len(fraction.split("+")[0].split("-")[0]) or 9)
            req.replace_header("Twitch-Eventsub-Message-Timestamp", timestamp)
            notes.append(f"Twitch-Eventsub-Message-Timestamp set to {timestamp}")
        req.replace_header("Twitch-Eventsub-Message-Signature", eventsub_signature(secret, message_id, timestamp, req.body))
        notes.append("EventSub signature recomputed with the local secret")
    elif req.header("X-Hub-Signature") is not None or req.method == "POST":
        req.replace_header("X-Hub-Signature", websub_signature(secret, req.body))
        notes.append("WebSub X-Hub-Signature recomputed with the local secret")
        if at is not None:
            notes.append("--at ignored: WebSub signatures do not cover a timestamp")
    else:
        notes.append("nothing to re-sign (no Twitch signature headers, not a POST)")
    return notes
