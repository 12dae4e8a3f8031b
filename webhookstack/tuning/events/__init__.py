"""Built-in test events for ``webhookstack tune --event NAME`` (the JSON files beside this one).

- ``websub-verify`` (default): an API Gateway REST proxy event (format 1.0) for the WebSub
  verification GET, with ``hub.challenge``. It has no side effects on any version of the handler.
- ``websub-notify``: the notification POST with ``{"data": []}`` (stream offline). Unsigned, so a
  handler that checks signatures answers 403 quickly; one that stores events writes one item per
  invocation.
- ``empty``: ``{}``.
"""

from __future__ import annotations

from pathlib import Path

EVENTS_DIR = Path(__file__).parent
DEFAULT_EVENT = "websub-verify"


def names() -> list[str]:
    return sorted(p.stem for p in EVENTS_DIR.glob("*.json"))


def load(name: str) -> bytes:
    path = EVENTS_DIR / f"{name}.json"
    if not path.is_file():
        raise KeyError(f"no built-in event {name!r}; choose one of {', '.join(names())}")
    return path.read_bytes()
