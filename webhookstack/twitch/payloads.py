"""Bodies of Twitch webhook messages, shaped like Twitch's (and twitch-cli's mock events).

Default values deliberately hold what breaks naive handlers: non-ASCII names, `&`, `<`, and an
escaped `\\/` in the serialised text (the bytes are signed as they are, never re-serialised).
"""

from __future__ import annotations

import uuid

CALLBACK = "https://example.com/webhooks"
USER_NAME = "Zoë & <Cheerer>"

# type -> (version, event fields beyond the broadcaster's)
EVENTSUB_TYPES: dict[str, tuple[str, dict]] = {
    "stream.online": ("1", {"id": "9001", "type": "live", "started_at": "{time}"}),
    "stream.offline": ("1", {}),
    "channel.follow": (
        "2",
        {"user_id": "1234", "user_login": "cool_user", "user_name": USER_NAME, "followed_at": "{time}"},
    ),
    "channel.subscribe": (
        "1",
        {"user_id": "1234", "user_login": "cool_user", "user_name": USER_NAME, "tier": "1000", "is_gift": False},
    ),
    "channel.cheer": (
        "1",
        {
            "is_anonymous": False, "user_id": "1234", "user_login": "cool_user", "user_name": USER_NAME,
            "message": "héllo & <b>gg</b> https://twitch.tv/x ✨", "bits": 1000,
        },
    ),
}
WEBSUB_KINDS = ("follows", "streams")


def _broadcaster_fields(broadcaster: str) -> dict:
    return {
        "broadcaster_user_id": broadcaster,
        "broadcaster_user_login": f"streamer{broadcaster}",
        "broadcaster_user_name": f"Streamer{broadcaster} ✓",
    }


def subscription(sub_type: str, broadcaster: str, subscription_id: str | None, status: str, created_at: str) -> dict:
    version = EVENTSUB_TYPES[sub_type][0] if sub_type in EVENTSUB_TYPES else "1"
    condition = {"broadcaster_user_id": broadcaster}
    if sub_type == "channel.follow":
        condition["moderator_user_id"] = broadcaster
    return {
        "id": subscription_id or str(uuid.uuid4()),
        "status": status,
        "type": sub_type,
        "version": version,
        "cost": 0,
        "condition": condition,
        "transport": {"method": "webhook", "callback": CALLBACK},
        "created_at": created_at,
    }


def eventsub_event(sub_type: str, broadcaster: str, time: str) -> dict:
    fields = EVENTSUB_TYPES[sub_type][1]
    event = {k: (time if v == "{time}" else v) for k, v in fields.items()}
    return {**_broadcaster_fields(broadcaster), **event} if sub_type != "channel.follow" else {
        **{k: event[k] for k in ("user_id", "user_login", "user_name")},
        **_broadcaster_fields(broadcaster),
        "followed_at": event["followed_at"],
    }


def websub_topic(kind: str, broadcaster: str) -> str:
    if kind == "follows":
        return f"https://api.twitch.tv/helix/users/follows?first=1&to_id={broadcaster}"
    if kind == "streams":
        return f"https://api.twitch.tv/helix/streams?user_id={broadcaster}"
    raise ValueError(f"unknown WebSub kind {kind!r}; known: {', '.join(WEBSUB_KINDS)}")


def websub_data(kind: str, broadcaster: str, time: str, offline: bool = False) -> dict:
    if kind == "follows":
        return {"data": [{
            "from_id": "1234", "from_login": "cool_user", "from_name": USER_NAME,
            "to_id": broadcaster, "to_login": f"streamer{broadcaster}", "to_name": f"Streamer{broadcaster}",
            "followed_at": time,
        }]}
    if offline:
        return {"data": []}  # a stream went offline
    return {"data": [{
        "id": "9001", "user_id": broadcaster, "user_login": f"streamer{broadcaster}",
        "user_name": f"Streamer{broadcaster} ✓", "game_id": "509658", "type": "live",
        "title": "héllo & <welcome> / ✨", "viewer_count": 78365, "started_at": time, "language": "en",
        "thumbnail_url": "https://static-cdn.jtvnw.net/previews-ttv/live_user_x-{width}x{height}.jpg",
    }]}
