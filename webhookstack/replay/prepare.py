"""Make a captured request replayable here: fresh message id, moved timestamp, local signature."""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta

from webhookstack.replay.capture import CapturedRequest
from webhookstack.replay.resign import resign

ID_HEADERS = ("Twitch-Eventsub-Message-Id", "Twitch-Notification-Id")
WINDOW = timedelta(minutes=10)


def prepare(req: CapturedRequest, secret: str | None, at: datetime | None = None, fresh_id: bool = False,
            do_resign: bool = False) -> tuple[CapturedRequest, list[str]]:
    """A copy of `req` ready to send, and notes on what changed (for the output)."""
    req = copy.deepcopy(req)
    notes = []
    if fresh_id:
        for name in ID_HEADERS:
            if req.header(name) is not None:
                new = str(uuid.uuid4())
                req.replace_header(name, new)
                notes.append(f"{name} replaced by {new} (a new delivery, not a duplicate)")
    if do_resign or at is not None or fresh_id:
        if not secret:
            raise ValueError("re-signing needs a secret: the function has no TWITCH_WEBHOOK_SECRET; pass --secret")
        notes += resign(req, secret, at)
    stale = _age(req.header("Twitch-Eventsub-Message-Timestamp"))
    if stale is not None and stale > WINDOW:
        notes.append(f"the message timestamp is {int(stale.total_seconds() // 60)} minutes old: the handler answers "
                     "403 outside its 10-minute window; add --at now to replay it as fresh")
    return req, notes


def _age(timestamp: str | None) -> timedelta | None:
    if not timestamp:
        return None
    head = timestamp.rstrip("Z").partition(".")[0]
    try:
        moment = datetime.fromisoformat(head).replace(tzinfo=UTC)
    except ValueError:
        return None
    return datetime.now(UTC) - moment
