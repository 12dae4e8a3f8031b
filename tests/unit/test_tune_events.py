import json

from webhookstack.tuning import events
from webhookstack.twitch.signing import eventsub_signature


def test_generated_notification_event_is_freshly_signed_each_time():
    make = events.signed_notifications("a-local-secret-123")
    first, second = json.loads(make()), json.loads(make())
    h = first["headers"]
    mid, ts = h["Twitch-Eventsub-Message-Id"], h["Twitch-Eventsub-Message-Timestamp"]
    assert h["Twitch-Eventsub-Message-Signature"] == eventsub_signature("a-local-secret-123", mid, ts, first["body"].encode())
    assert mid != second["headers"]["Twitch-Eventsub-Message-Id"]
    assert "eventsub-notification" in events.names()
