import json
from datetime import UTC, datetime

import pytest

from webhookstack.replay.capture import from_apigw_event
from webhookstack.replay.prepare import prepare
from webhookstack.replay.seed import SeedError, read_items
from webhookstack.twitch.builder import eventsub, to_proxy_event
from webhookstack.twitch.signing import eventsub_signature

LOCAL = "local-secret-for-tests"


def capture(timestamp="2024-05-01T12:00:00.123456789Z"):
    return from_apigw_event(to_proxy_event(eventsub("stream.online", secret="prod-secret-xyz", timestamp=timestamp)))


def test_resign_at_now_keeps_the_captured_precision_and_verifies_with_the_local_secret():
    ready, notes = prepare(capture(), LOCAL, at=datetime.now(UTC))
    ts = ready.header("Twitch-Eventsub-Message-Timestamp")
    assert len(ts.rstrip("Z").partition(".")[2]) <= 9 and ts.startswith(str(datetime.now(UTC).year))
    mid = ready.header("Twitch-Eventsub-Message-Id")
    assert ready.header("Twitch-Eventsub-Message-Signature") == eventsub_signature(LOCAL, mid, ts, ready.body)
    assert any("recomputed" in n for n in notes)


def test_fresh_id_changes_the_id_and_leaves_the_capture_untouched():
    original = capture()
    ready, _ = prepare(original, LOCAL, fresh_id=True)
    assert ready.header("Twitch-Eventsub-Message-Id") != original.header("Twitch-Eventsub-Message-Id")
    assert original.header("Twitch-Eventsub-Message-Signature") != ready.header("Twitch-Eventsub-Message-Signature")


def test_an_old_timestamp_gets_a_hint_instead_of_a_silent_403():
    _, notes = prepare(capture(), LOCAL, do_resign=True)
    assert any("--at now" in n for n in notes)


def test_resigning_without_a_secret_is_a_clear_error():
    with pytest.raises(ValueError, match="needs a secret"):
        prepare(capture(), None, do_resign=True)


def test_seed_reads_export_lines_scan_output_and_rejects_bad_values(tmp_path):
    item = {"pk": {"S": "a"}, "sk": {"S": "delivery"}, "n": {"N": "1"}, "m": {"M": {"x": {"L": [{"S": "y"}]}}}}
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"Item": item}) + "\n\n" + json.dumps(item) + "\n")
    assert read_items(export, ("pk", "sk")) == [item, item]
    scan = tmp_path / "scan.json"
    scan.write_text(json.dumps({"Items": [item], "Count": 1}))
    assert read_items(scan, ("pk", "sk")) == [item]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"pk": {"S": "a"}, "sk": {"S": "b"}, "x": "plain"}) + "\n")
    with pytest.raises(SeedError, match="line 1 attribute x: not a DynamoDB JSON value"):
        read_items(bad, ("pk", "sk"))
    nested = tmp_path / "nested.jsonl"
    nested.write_text(json.dumps({"pk": {"S": "a"}, "sk": {"S": "b"}, "m": {"M": {"z": {"Q": 1}}}}) + "\n")
    with pytest.raises(SeedError, match="attribute m.z"):
        read_items(nested, ("pk", "sk"))
