"""Built-in test events for ``webhookstack tune --event NAME`` (the JSON files beside this one).

- ``websub-verify`` (default): an API Gateway REST proxy event (format 1.0) for the WebSub
  verification GET, with ``hub.challenge``. It has no side effects on any version of the handler.
- ``websub-notify``: the notification POST with ``{"data": []}`` (stream offline). Unsigned, so a
  handler that checks signatures answers 403 quickly; one that stores events writes one item per
  invocation.
- ``empty``: ``{}``.
- ``eventsub-notification``: made at run time, not a file: a ``channel.follow`` notification
  signed with the function's secret, a new message id per invocation, so every invocation is
  verified and stored (the handler's real work: HMAC, DynamoDB conditional put).
"""

from __future__ import annotations

import json
from pathlib import Path

EVENTS_DIR = Path(__file__).parent
DEFAULT_EVENT = "websub-verify"


GENERATED = ("eventsub-notification",)


def names() -> list[str]:
    return sorted([*(p.stem for p in EVENTS_DIR.glob("*.json")), *GENERATED])


def signed_notifications(secret: str):
    """A factory of API Gateway events, each a freshly signed EventSub delivery."""
    from webhookstack.twitch.builder import eventsub, to_proxy_event

    def make() -> bytes:
        return json.dumps(to_proxy_event(eventsub("channel.follow", secret=secret), stage="dev")).encode()

    return make


def load(name: str) -> bytes:
    if name in GENERATED:
        raise KeyError(f"{name!r} is generated per invocation; use signed_notifications(secret)")
    path = EVENTS_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no built-in event {name!r}; choose one of {', '.join(names())}")
    return path.read_bytes()
