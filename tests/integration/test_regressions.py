"""Every production-bug capture in tests/regressions/ replayed through both stages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from webhookstack.replay.capture import detect_and_parse
from webhookstack.replay.paths import resource_path
from webhookstack.replay.prepare import ID_HEADERS, prepare
from webhookstack.replay.send import send
from webhookstack.stack.urls import stage_base_url

pytestmark = pytest.mark.integration

CASES = sorted((Path(__file__).parent.parent / "regressions").glob("*.json"))


def load(path: Path) -> dict:
    case = json.loads(path.read_text(encoding="utf-8"))
    missing = {"bug", "capture", "replay", "expect"} - case.keys()
    assert not missing, f"{path.name}: missing {missing}"
    return case


def test_there_is_a_case_for_each_bug_class():
    assert {p.stem for p in CASES} >= {"base64_body", "reserialised_json", "header_case", "challenge_as_json",
                                       "duplicate_delivery", "missing_header", "nine_digit_timestamp"}


@pytest.mark.parametrize("stage", ["dev", "prod"])
@pytest.mark.parametrize("case_file", CASES, ids=lambda p: p.stem)
def test_capture_replays_as_expected(case_file, stage, stack, target, api_id, events_table):
    case = load(case_file)
    capture = case["capture"]
    req = detect_and_parse(capture if isinstance(capture, str) else json.dumps(capture), case_file.name)
    prefixes = {s.name for s in stack.stages} | {bp for bp, _ in stack.domain.base_paths}
    req.path = resource_path(req.path, prefixes)[0]
    plan = case["replay"]
    at = datetime.now(UTC) if plan.get("at") == "now" else None
    secret = stack.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]
    ready, _ = prepare(req, secret, at, fresh_id=plan.get("fresh_id", False), do_resign=plan.get("resign", True))

    answers = [send(ready, stage, stage_base_url(target, api_id, stage)) for _ in range(plan.get("times", 1))]

    expect = case["expect"]
    statuses = [a.status for a in answers]
    allowed = expect["status"]
    if plan.get("times", 1) > 1:
        assert statuses == allowed, [a.text() for a in answers]
    else:
        assert statuses[0] in allowed, answers[0].text()
    assert all(s < 500 for s in statuses)
    first = answers[0]
    if "content_type" in expect:
        assert dict((k.lower(), v) for k, v in first.headers)["content-type"].startswith(expect["content_type"])
    if "body" in expect:
        assert first.text() == expect["body"]
    if "stored" in expect:
        message_id = next(ready.header(h) for h in ID_HEADERS if ready.header(h))
        protocol = "eventsub" if ready.header("Twitch-Eventsub-Message-Id") else "websub"
        item = events_table.get_item(Key={"pk": f"delivery#{protocol}#{message_id}", "sk": "delivery"}).get("Item")
        assert (item is not None) == expect["stored"]
        if item is not None:
            assert item["body"] == ready.body.decode("utf-8")
