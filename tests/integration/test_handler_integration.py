"""The handler through real stages: deduplication in DynamoDB, the GSIs provisioning created, 403s."""

from __future__ import annotations

import json
import uuid

import pytest
import requests
from click.testing import CliRunner

from webhookstack.cli.main import cli
from webhookstack.twitch.builder import eventsub
from webhookstack.twitch.queries import EventQueries

pytestmark = pytest.mark.integration


def secret(stack) -> str:
    return stack.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]


def post(url, request) -> requests.Response:
    return requests.post(url, data=request.body, headers=dict(request.headers), timeout=30)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_duplicate_delivery_through_a_stage_is_2xx_and_written_once(stage_url, aws, stack, stage):
    broadcaster, sub_id = uuid.uuid4().hex[:12], str(uuid.uuid4())
    request = eventsub("stream.online", secret=secret(stack), broadcaster=broadcaster, subscription_id=sub_id)
    first = post(stage_url(stage), request)
    resent = post(stage_url(stage), request.with_headers(Twitch_Eventsub_Message_Retry="1"))
    assert first.status_code == 202, first.text
    assert resent.status_code == 200, resent.text
    assert json.loads(resent.text)["outcome"] == "duplicate"

    q = EventQueries(aws("dynamodb"), stack.table)
    # Both GSIs exist (provisioning made them) and each holds the delivery exactly once.
    found = q.by_broadcaster_type(broadcaster, "stream.online", "2000-01-01T00:00:00Z", "2100-01-01T00:00:00Z")
    assert [i["message_id"] for i in found] == [request.facts["message_id"]]
    assert found[0]["retry"] == "0" and found[0]["stage"] == stage
    latest = q.latest(sub_id)
    assert latest["message_id"] == request.facts["message_id"]


def test_latest_per_subscription_and_the_events_cli(stage_url, aws, stack, localstack_endpoint):
    sub_id, broadcaster = str(uuid.uuid4()), uuid.uuid4().hex[:12]
    sent = []
    for _ in range(3):  # timestamps "now", so increasing in the order sent
        request = eventsub("channel.follow", secret=secret(stack), broadcaster=broadcaster, subscription_id=sub_id)
        assert post(stage_url("dev"), request).status_code == 202
        sent.append(request.facts["message_id"])
    assert EventQueries(aws("dynamodb"), stack.table).latest(sub_id)["message_id"] == sent[-1]

    runner = CliRunner()
    result = runner.invoke(cli, ["events", "latest", sub_id, "--output", "json", "--endpoint-url", localstack_endpoint])
    assert result.exit_code == 0, result.output
    assert [i["message_id"] for i in json.loads(result.output)] == [sent[-1]]
    result = runner.invoke(cli, ["events", "by-broadcaster", broadcaster, "--type", "channel.follow", "-o", "json",
                                 "--endpoint-url", localstack_endpoint])
    assert result.exit_code == 0, result.output
    assert [i["message_id"] for i in json.loads(result.output)] == sent


def test_forged_and_stale_deliveries_are_403_and_not_stored(dev_url, events_table, stack):
    forged = eventsub("stream.online", secret="someone-elses-secret")
    stale = eventsub("stream.online", secret=secret(stack), timestamp="2020-01-01T00:00:00.123456789Z")
    for request in (forged, stale):
        r = post(dev_url, request)
        assert r.status_code == 403, r.text
        key = {"pk": f"delivery#eventsub#{request.facts['message_id']}", "sk": "delivery"}
        assert "Item" not in events_table.get_item(Key=key)
    assert post(dev_url, eventsub("stream.online", secret=secret(stack)).with_body(b"not json")).status_code == 403


def test_cli_send_through_the_dev_stage(localstack_endpoint, aws, stack):
    message_id = f"cli-{uuid.uuid4()}"
    args = ["send", "eventsub", "channel.subscribe", "--to", "dev", "--message-id", message_id,
            "--endpoint-url", localstack_endpoint]
    first = CliRunner().invoke(cli, args)
    again = CliRunner().invoke(cli, args)
    assert first.exit_code == 0 and "HTTP 202" in first.output, first.output
    assert again.exit_code == 0 and "HTTP 200" in again.output and "duplicate" in again.output, again.output
    assert EventQueries(aws("dynamodb"), stack.table).get(message_id)["subscription_type"] == "channel.subscribe"
