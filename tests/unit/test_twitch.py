"""The signed-request builder, the key formats shared by handler and CLI, and `send` / `events`."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from click.testing import CliRunner

from webhookstack.cli.main import cli
from webhookstack.stack.model import DEFAULT_STACK
from webhookstack.twitch import queries
from webhookstack.twitch.builder import eventsub, serialise, websub_notification, websub_verification
from webhookstack.twitch.signing import eventsub_signature, rfc3339, websub_signature
from webhookstack.twitch.testing import load_handler

load_handler()
from receiver import storage  # noqa: E402

SECRET = "local-dev-secret-not-for-production"


def test_eventsub_signature_is_hmac_of_id_timestamp_and_raw_body():
    # Twitch's documented recipe, spelled out independently.
    expected = hmac.new(b"s3cre7-s3cre7", b"id-1" + b"2023-01-01T00:00:00.1Z" + b'{"a":1}', hashlib.sha256).hexdigest()
    assert eventsub_signature("s3cre7-s3cre7", "id-1", "2023-01-01T00:00:00.1Z", b'{"a":1}') == "sha256=" + expected
    assert websub_signature("k" * 10, b"x") == "sha256=" + hmac.new(b"k" * 10, b"x", hashlib.sha256).hexdigest()


def test_bodies_are_serialised_like_twitch_go_encoder():
    assert serialise({"m": "a&b <c> é"}) == '{"m":"a\\u0026b \\u003cc\\u003e é"}'.encode()


@pytest.mark.parametrize("sub_type", ["stream.online", "stream.offline", "channel.follow", "channel.subscribe", "channel.cheer"])
@pytest.mark.parametrize("message_type", ["notification", "verification", "revocation"])
def test_eventsub_requests_are_signed_and_shaped_like_twitch(sub_type, message_type):
    r = eventsub(sub_type, secret=SECRET, message_type=message_type, message_id="m", timestamp="2024-01-01T00:00:00Z")
    doc = json.loads(r.body)
    assert r.header("twitch-eventsub-message-signature") == eventsub_signature(SECRET, "m", "2024-01-01T00:00:00Z", r.body)
    assert doc["subscription"]["type"] == sub_type
    assert ("event" in doc) == (message_type == "notification")
    assert ("challenge" in doc) == (message_type == "verification")
    assert doc["subscription"]["version"] == ("2" if sub_type == "channel.follow" else "1")


def test_websub_requests():
    r = websub_notification("streams", secret=SECRET, offline=True)
    assert json.loads(r.body) == {"data": []}
    assert r.header("X-Hub-Signature") == websub_signature(SECRET, r.body)
    v = websub_verification("denied")
    assert dict(v.query)["hub.mode"] == "denied" and "hub.challenge" not in dict(v.query)


def test_rfc3339_trims_trailing_zeros():
    from datetime import datetime, timezone

    assert rfc3339(datetime(2024, 1, 1, tzinfo=timezone.utc), digits=6) == "2024-01-01T00:00:00Z"


def test_key_design_is_the_same_in_model_handler_and_cli():
    table = DEFAULT_STACK.table
    assert (table.hash_key, table.range_key) == storage.KEY_ATTRIBUTES["table"]
    assert table.ttl_attribute == storage.TTL_ATTRIBUTE
    for name in (queries.BY_BROADCASTER_TYPE, queries.BY_SUBSCRIPTION):
        assert (table.index(name).hash_key, table.index(name).range_key) == storage.KEY_ATTRIBUTES[name]
    assert queries.delivery_key("eventsub", "m")["pk"] == storage.delivery_pk("eventsub", "m")
    assert queries.time_bound("2024-01-01T00:00:00.5Z") == "2024-01-01T00:00:00.500000000Z"
    assert queries.time_bound("2024-01-01T01:00:00+01:00", upper=True) == "2024-01-01T00:00:00.000000999Z~"


def test_function_environment_carries_an_obviously_fake_secret_locally_only():
    secret = DEFAULT_STACK.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]
    assert secret.isascii() and 10 <= len(secret) <= 100 and "not-for-production" in secret
    assert "TWITCH_WEBHOOK_SECRET" not in DEFAULT_STACK.function_environment(local=False)


# -- CLI ----------------------------------------------------------------------------------------

def test_send_dry_run_prints_the_request_without_the_signature():
    result = CliRunner().invoke(cli, ["send", "eventsub", "channel.cheer", "--to", "http://127.0.0.1:9/webhooks",
                                      "--message-id", "dry-1", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "Twitch-Eventsub-Message-Id: dry-1" in result.output
    assert "hidden" in result.output and SECRET not in result.output


def test_send_to_a_remote_url_needs_a_secret(monkeypatch):
    monkeypatch.delenv("TWITCH_WEBHOOK_SECRET", raising=False)
    result = CliRunner().invoke(cli, ["send", "eventsub", "stream.online", "--to", "https://example.com/hook", "--dry-run"])
    assert result.exit_code == 1 and "--secret" in result.output


def test_send_posts_the_signed_request_and_prints_the_answer():
    seen = {}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            seen["headers"] = dict(self.headers)
            seen["body"] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(202)
            self.send_header("X-Function-Version", "9")
            self.end_headers()
            self.wfile.write(b'{"outcome": "stored"}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.handle_request, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/dev/webhooks"
        result = CliRunner().invoke(cli, ["send", "eventsub", "stream.online", "--to", url, "--message-id", "x-1",
                                          "--timestamp", "2024-01-01T00:00:00Z"])
    finally:
        server.server_close()
    assert result.exit_code == 0, result.output
    assert "HTTP 202" in result.output and '"outcome": "stored"' in result.output
    assert seen["headers"]["Twitch-Eventsub-Message-Signature"] == eventsub_signature(
        SECRET, "x-1", "2024-01-01T00:00:00Z", seen["body"])


def test_events_help_lists_the_access_patterns():
    result = CliRunner().invoke(cli, ["events", "--help"])
    assert result.exit_code == 0
    for command in ("by-broadcaster", "latest", "get"):
        assert command in result.output
