"""`webhookstack replay` from each source format at both stages, and `webhookstack seed`."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from click.testing import CliRunner

from webhookstack.cli.main import cli
from webhookstack.twitch.builder import eventsub, to_proxy_event

pytestmark = pytest.mark.integration
PROD_SECRET = "production-secret-not-known-locally"


def run(args, endpoint, input=None):
    result = CliRunner().invoke(cli, [*args, "--endpoint-url", endpoint], input=input, catch_exceptions=False)
    return result.exit_code, result.output


def captured(message_type="notification"):
    return eventsub("stream.online", secret=PROD_SECRET, message_type=message_type,
                    timestamp="2024-05-01T12:00:00.123456789Z")


def har(req) -> dict:
    return {"log": {"version": "1.2", "entries": [{"request": {
        "method": req.method, "url": "https://abc123.execute-api.us-east-1.amazonaws.com/prod/webhooks",
        "headers": [{"name": k, "value": v} for k, v in req.headers],
        "queryString": [], "postData": {"mimeType": "application/json", "text": req.body.decode()}}}]}}


def curl(req) -> str:
    headers = " ".join(f"-H '{k}: {v}'" for k, v in req.headers)
    return f"curl -X POST 'https://webhooks.example.com/prod/webhooks' {headers} --data-raw '{req.body.decode()}'"


@pytest.mark.parametrize("fmt", ["event", "har", "curl"])
def test_each_capture_format_replays_at_both_stages_with_the_diff(fmt, localstack_endpoint, tmp_path):
    req = captured()
    text = {"event": lambda: json.dumps(to_proxy_event(req, stage="prod")), "har": lambda: json.dumps(har(req)),
            "curl": lambda: curl(req)}[fmt]()
    source = tmp_path / f"capture.{fmt}"
    source.write_text(text)

    # As captured: signed with production's secret, timestamp long past -> rejected here, and said so.
    code, out = run(["replay", str(source)], localstack_endpoint)
    assert out.count("403") >= 2 and "the stages answer the same" in out and code == 0

    code, out = run(["replay", str(source), "--fresh-id", "--at", "now"], localstack_endpoint)
    assert "EventSub signature recomputed" in out
    assert "│ status  │ 202" in out.replace("┃", "│") or out.count("202") >= 2, out
    assert "difference" in out


def test_a_handler_log_line_replays_the_stored_delivery(localstack_endpoint, dev_url, tmp_path, stack):
    secret = stack.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]
    original = eventsub("channel.cheer", secret=secret)
    assert requests.post(dev_url, data=original.body, headers=dict(original.headers), timeout=30).status_code == 202
    line = tmp_path / "line.log"
    line.write_text("2024-05-01T12:00:00.000Z\t" + json.dumps(
        {"level": "INFO", "message": "delivery", "messageId": original.facts["message_id"], "protocol": "eventsub",
         "outcome": "stored"}))

    code, out = run(["replay", str(line), "--at", "now"], localstack_endpoint)
    assert "stored delivery eventsub/" in out and "production signature is not stored" in out
    assert out.count("200") >= 2  # the same message id again: a duplicate, answered 2xx, not stored twice

    code, out = run(["replay", str(line), "--at", "now", "--fresh-id", "--stage", "prod"], localstack_endpoint)
    assert "202" in out and code == 0


def test_unreadable_captures_say_what_is_wrong(localstack_endpoint, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"path": "/webhooks", "body": "{}"}))
    code, out = run(["replay", str(bad)], localstack_endpoint)
    assert code == 1 and "'httpMethod' is missing" in out and "Traceback" not in out
    missing = tmp_path / "gone.log"
    missing.write_text(json.dumps({"messageId": str(uuid.uuid4()), "protocol": "eventsub"}))
    code, out = run(["replay", str(missing)], localstack_endpoint)
    assert code == 1 and "is not in table" in out


@pytest.fixture
def scratch_table(aws, stack):
    """A table shaped like the stack's, so --clear never touches the stack's own data."""
    ddb = aws("dynamodb")
    name = f"seed-test-{uuid.uuid4().hex[:8]}"
    ddb.create_table(TableName=name, BillingMode="PAY_PER_REQUEST",
                     KeySchema=[{"AttributeName": stack.table.hash_key, "KeyType": "HASH"},
                                {"AttributeName": stack.table.range_key, "KeyType": "RANGE"}],
                     AttributeDefinitions=[{"AttributeName": stack.table.hash_key, "AttributeType": "S"},
                                           {"AttributeName": stack.table.range_key, "AttributeType": "S"}])
    yield name
    ddb.delete_table(TableName=name)


def test_seed_loads_items_all_or_nothing_and_clear_empties_first(localstack_endpoint, tmp_path, aws, scratch_table):
    ddb = aws("dynamodb")
    ids = [str(uuid.uuid4()) for _ in range(30)]
    lines = [json.dumps({"Item": {"pk": {"S": f"delivery#eventsub#{i}"}, "sk": {"S": "delivery"},
                                  "body": {"S": "{}"}, "message_id": {"S": i}}}) for i in ids]
    good = tmp_path / "export.jsonl"
    good.write_text("\n".join(lines) + "\n")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([*lines[:3], '{"pk": {"S": "x"}}']) + "\n")

    def count():
        return ddb.scan(TableName=scratch_table, Select="COUNT")["Count"]

    code, out = run(["seed", str(bad), "--table", scratch_table], localstack_endpoint)
    assert code == 1 and "line 4" in out and "sk" in out
    assert count() == 0

    code, out = run(["seed", str(good), "--table", scratch_table], localstack_endpoint)
    assert code == 0 and "30 item(s) written" in out
    key = {"pk": {"S": f"delivery#eventsub#{ids[-1]}"}, "sk": {"S": "delivery"}}
    assert ddb.get_item(TableName=scratch_table, Key=key)["Item"]["body"] == {"S": "{}"}

    one = tmp_path / "one.jsonl"
    one.write_text(lines[0] + "\n")
    code, out = run(["seed", str(one), "--clear", "--table", scratch_table], localstack_endpoint)
    assert code == 0 and "1 item(s) written" in out and "30 deleted first" in out
    assert count() == 1
