"""The handler function, called directly with API Gateway proxy events (GIVEN / WHEN / THEN).

No AWS: DynamoDB is an in-memory fake with the conditional put's semantics (and a botocore
Stubber pins the real request shape); the clock is fixed at the captured events' time.
"""

from __future__ import annotations

import base64
import hashlib
import json

import boto3
import pytest
from botocore.stub import Stubber

from webhookstack.twitch.builder import eventsub, to_proxy_event, websub_notification, websub_verification
from webhookstack.twitch.signing import eventsub_signature, websub_signature
from webhookstack.twitch.testing import CapturedLog, FakeDynamoDB, load_event, load_handler

app = load_handler()
from receiver import runtime  # noqa: E402  (importable once handler/ is on sys.path)
from receiver.logs import JsonLog  # noqa: E402
from receiver.storage import Delivery, DynamoDBEventStore  # noqa: E402
from receiver.timestamps import format_ns, parse_ns  # noqa: E402

SECRET = "local-dev-secret-not-for-production"
EVENT_TIME = "2024-05-01T12:00:00.123456789Z"
NOW = parse_ns(EVENT_TIME) + 2_000_000_000  # two seconds after the captured events were sent
ENV = {"EVENTS_TABLE": "twitch-events", "TWITCH_WEBHOOK_SECRET": SECRET, "AWS_ENDPOINT_URL": "http://emulator"}


class Context:
    function_version = "7"


class Harness:
    def __init__(self, environ=None, dynamodb=None, secretsmanager=None, now=NOW):
        self.ddb = dynamodb or FakeDynamoDB()
        self.log = CapturedLog()
        self.deps = runtime.Dependencies(
            environ=ENV if environ is None else environ, dynamodb=self.ddb, secretsmanager=secretsmanager,
            clock_ns=lambda: now, log=JsonLog(self.log),
        )
        runtime.use(self.deps)

    def __call__(self, event: dict) -> dict:
        return app.lambda_handler(event, Context())

    @property
    def items(self) -> list[dict]:
        return list(self.ddb.items.values())


@pytest.fixture
def handler():
    yield Harness()
    runtime.reset()


@pytest.fixture
def make_handler():
    yield Harness
    runtime.reset()


def signed(sub_type="stream.online", **kw):
    kw.setdefault("timestamp", EVENT_TIME)
    return eventsub(sub_type, secret=SECRET, **kw)


# -- WebSub verification ------------------------------------------------------------------------

def test_websub_subscribe_echoes_the_raw_challenge_as_text_plain(handler):
    event = load_event("websub_verify_subscribe")
    answer = handler(event)
    assert answer["statusCode"] == 200
    assert answer["body"] == event["queryStringParameters"]["hub.challenge"]
    assert answer["headers"]["Content-Type"].startswith("text/plain")
    assert answer["headers"]["X-Function-Version"] == "7"


@pytest.mark.parametrize("challenge", ['a&b <c> "quoted" \\/ ünï', "123", "null"])
def test_challenge_is_never_json_encoded(handler, challenge):
    for mode in ("subscribe", "unsubscribe"):
        answer = handler(to_proxy_event(websub_verification(mode, challenge=challenge)))
        assert (answer["statusCode"], answer["body"]) == (200, challenge)
        assert answer["headers"]["Content-Type"].startswith("text/plain")


def test_websub_denied_is_a_bare_200_and_recorded(handler):
    answer = handler(load_event("websub_denied"))
    assert (answer["statusCode"], answer["body"]) == (200, "")
    [item] = handler.items
    assert item["message_type"]["S"] == "denied"
    assert item["pk"]["S"] == "delivery#websub#req-websub_denied"


@pytest.mark.parametrize("query", [{"hub.mode": "bogus", "hub.challenge": "x"}, {"hub.mode": "subscribe"},
                                   {"hub.mode": "subscribe", "hub.challenge": "x", "hub.lease_seconds": "soon"}])
def test_malformed_verification_is_400(handler, query):
    event = to_proxy_event(websub_verification())
    event["queryStringParameters"], event["multiValueQueryStringParameters"] = query, None
    assert handler(event)["statusCode"] == 400


# -- EventSub -----------------------------------------------------------------------------------

def test_eventsub_verification_answers_the_raw_challenge_as_text_plain(handler):
    answer = handler(load_event("eventsub_verification"))
    assert answer["statusCode"] == 200
    assert answer["body"] == "pogchamp-kappa-360noscope-vohiyo"
    assert answer["headers"]["Content-Type"].startswith("text/plain")


def test_notification_is_stored_once_with_its_index_keys(handler):
    answer = handler(load_event("eventsub_stream_online"))
    assert answer["statusCode"] == 202
    assert json.loads(answer["body"]) == {"outcome": "stored", "messageId": "evt-online-1"}
    [item] = handler.items
    plain = {k: next(iter(v.values())) for k, v in item.items()}
    assert plain["pk"] == "delivery#eventsub#evt-online-1" and plain["sk"] == "delivery"
    assert plain["broadcaster_type"] == "12826#stream.online"
    assert plain["subscription_key"] == "eventsub#f1c2a387-161a-49f9-a165-0f21d7a4e1c4"
    assert plain["event_sk"] == f"{EVENT_TIME}#evt-online-1"
    assert int(plain["expires_at"]) == NOW // 10**9 + 90 * 86400
    assert (plain["function_version"], plain["stage"], plain["path"]) == ("7", "dev", "/dev/webhooks")
    assert plain["body"] == load_event("eventsub_stream_online")["body"]


def test_duplicate_message_id_is_2xx_and_not_written_twice(handler):
    first = handler(load_event("eventsub_stream_online"))
    resent = load_event("eventsub_stream_online")  # Twitch resends with the same id
    resent["headers"]["Twitch-Eventsub-Message-Retry"] = "1"
    second = handler(resent)
    assert first["statusCode"] == 202
    assert second["statusCode"] == 200
    assert json.loads(second["body"])["outcome"] == "duplicate"
    assert len(handler.items) == 1
    assert handler.items[0]["retry"]["S"] == "0"  # the first write stands
    assert [r["outcome"] for r in handler.log.records()] == ["stored", "duplicate"]


def test_duplicate_verification_still_answers_the_challenge(handler):
    handler(load_event("eventsub_verification"))
    again = handler(load_event("eventsub_verification"))
    assert (again["statusCode"], again["body"]) == (200, "pogchamp-kappa-360noscope-vohiyo")
    assert len(handler.items) == 1


def test_revocation_without_event_is_2xx_and_recorded_outside_the_type_index(handler):
    answer = handler(load_event("eventsub_revocation"))
    assert answer["statusCode"] == 202
    [item] = handler.items
    assert item["message_type"]["S"] == "revocation"
    assert "broadcaster_type" not in item and "subscription_key" in item


def test_base64_body_is_verified_over_the_decoded_bytes(handler):
    event = load_event("eventsub_channel_cheer_base64")
    assert event["isBase64Encoded"] is True
    assert handler(event)["statusCode"] == 202
    assert handler.items[0]["body"]["S"] == base64.b64decode(event["body"]).decode("utf-8")


def test_hmac_is_over_the_raw_bytes_not_reserialised_json(handler):
    request = signed("channel.cheer", message_id="raw-1")
    raw = request.body
    assert b"\\u003c" in raw and "é".encode() in raw  # escaped HTML, raw non-ASCII: as Twitch sends
    reserialised = json.dumps(json.loads(raw)).encode()
    assert reserialised != raw
    forged = request.with_headers(
        Twitch_Eventsub_Message_Signature=eventsub_signature(SECRET, "raw-1", EVENT_TIME, reserialised))
    assert handler(to_proxy_event(forged))["statusCode"] == 403
    assert handler(to_proxy_event(request))["statusCode"] == 202


def test_lower_case_header_names_from_a_captured_event(handler):
    assert handler(load_event("eventsub_channel_follow_lowercase_headers"))["statusCode"] == 202
    assert handler.items[0]["subscription_version"]["S"] == "2"


@pytest.mark.parametrize("case", ["lower", "upper"])
@pytest.mark.parametrize("single", [True, False])
def test_header_case_and_multi_value_headers_do_not_matter(handler, case, single):
    request = signed(message_id=f"case-{case}-{single}")
    answer = handler(to_proxy_event(request, header_case=case, single_value_headers=single))
    assert answer["statusCode"] == 202


@pytest.mark.parametrize("missing", [
    "Twitch-Eventsub-Message-Id", "Twitch-Eventsub-Message-Timestamp", "Twitch-Eventsub-Message-Signature",
    "Twitch-Eventsub-Message-Type", "Twitch-Eventsub-Subscription-Type", "Twitch-Eventsub-Message-Retry",
    "Content-Type",
])
def test_a_missing_header_is_a_4xx_or_accepted_never_a_5xx(handler, missing):
    request = signed(message_id="m-missing").with_headers(**{missing.replace("-", "_"): None})
    answer = handler(to_proxy_event(request))
    expected = {"Twitch-Eventsub-Message-Id": 403, "Twitch-Eventsub-Message-Timestamp": 403,
                "Twitch-Eventsub-Message-Signature": 403, "Twitch-Eventsub-Message-Type": 400}
    assert answer["statusCode"] == expected.get(missing, 202)


def test_no_headers_at_all_is_403(handler):
    event = to_proxy_event(signed())
    event["headers"] = event["multiValueHeaders"] = None
    assert handler(event)["statusCode"] == 403


def test_bad_or_missing_signature_is_403_and_nothing_is_recorded(handler):
    request = signed()
    for bad in ("sha256=" + "0" * 64, "", "sha256=zz", "md5=abc", "sha256=ünïcode"):
        event = to_proxy_event(request.with_headers(Twitch_Eventsub_Message_Signature=bad))
        assert handler(event)["statusCode"] == 403
    assert handler.items == []


def test_tampered_body_is_403(handler):
    request = signed()
    assert handler(to_proxy_event(request.with_body(request.body.replace(b"12826", b"99999"))))["statusCode"] == 403
    assert handler.items == []


@pytest.mark.parametrize("offset_s, status", [(-601, 403), (-599, 202), (599, 202), (601, 403)])
def test_ten_minute_window(make_handler, offset_s, status):
    handler = make_handler(now=parse_ns(EVENT_TIME) - offset_s * 10**9)
    assert handler(to_proxy_event(signed()))["statusCode"] == status
    assert len(handler.items) == (1 if status == 202 else 0)


@pytest.mark.parametrize("digits", range(10))
def test_timestamps_with_0_to_9_fraction_digits(make_handler, digits):
    stamp = "2024-05-01T12:00:00" + ("." + "123456789"[:digits] if digits else "") + "Z"
    handler = make_handler(now=parse_ns(stamp))
    assert handler(to_proxy_event(signed(timestamp=stamp)))["statusCode"] == 202
    assert handler.items[0]["event_time"]["S"] == "2024-05-01T12:00:00." + "123456789"[:digits].ljust(9, "0") + "Z"


@pytest.mark.parametrize("stamp", ["2024-05-01 12:00:00", "2024-05-01T12:00:00.1234567891Z", "yesterday",
                                   "2024-02-30T12:00:00Z", "2024-05-01T25:00:00Z"])
def test_unparseable_signed_timestamp_is_400(handler, stamp):
    assert handler(to_proxy_event(signed(timestamp=stamp)))["statusCode"] == 400


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b"\xff\xfe\x00", b"[" * 100_000, b'{"subscription": {}}'])
def test_bad_bodies_correctly_signed_are_400(handler, body):
    assert handler(to_proxy_event(signed(body=body), base64=True))["statusCode"] == 400


def test_invalid_base64_is_400(handler):
    event = to_proxy_event(signed(), base64=True)
    event["body"] = "not*base64!"
    assert handler(event)["statusCode"] == 400


def test_oversized_body_is_413_not_a_dynamodb_error(handler):
    body = json.dumps({"subscription": {}, "event": {"x": "a" * 300_000}}).encode()
    assert handler(to_proxy_event(signed(body=body)))["statusCode"] == 413


def test_unknown_method_is_405(handler):
    event = to_proxy_event(signed())
    event["httpMethod"] = "DELETE"
    assert handler(event)["statusCode"] == 405


def test_key_parts_that_dynamodb_would_reject_are_left_out_of_the_index(handler):
    body = json.dumps({"subscription": {"id": "", "type": "stream.online", "condition": {"broadcaster_user_id": "x" * 5000}},
                       "event": {}}).encode()
    assert handler(to_proxy_event(signed(body=body)))["statusCode"] == 202
    [item] = handler.items
    assert "broadcaster_type" not in item and "subscription_key" not in item


# -- WebSub notifications -----------------------------------------------------------------------

def test_websub_notification_is_stored_with_its_topic(handler):
    assert handler(load_event("websub_follows"))["statusCode"] == 202
    offline = load_event("websub_streams_offline")
    assert json.loads(offline["body"]) == {"data": []}
    assert handler(offline)["statusCode"] == 202
    by_id = {i["message_id"]["S"]: i for i in handler.items}
    assert by_id["ws-follow-1"]["broadcaster_type"]["S"] == "12826#users/follows"
    assert by_id["ws-offline-1"]["subscription_key"]["S"] == "websub#https://api.twitch.tv/helix/streams?user_id=12826"


def test_websub_signature_is_an_hmac_not_a_plain_hash(handler):
    request = websub_notification("streams", secret=SECRET)
    naive = "sha256=" + hashlib.sha256(SECRET.encode() + request.body).hexdigest()
    assert handler(to_proxy_event(request.with_headers(X_Hub_Signature=naive)))["statusCode"] == 403
    assert handler(to_proxy_event(request))["statusCode"] == 202


def test_websub_duplicate_notification_is_2xx_once(handler):
    assert handler(load_event("websub_follows"))["statusCode"] == 202
    assert handler(load_event("websub_follows"))["statusCode"] == 200
    assert len(handler.items) == 1


def test_unsigned_post_is_403(handler):
    event = to_proxy_event(websub_notification("streams", secret=SECRET).with_headers(X_Hub_Signature=None))
    assert handler(event)["statusCode"] == 403
    request = websub_notification("streams", secret=SECRET)
    assert websub_signature(SECRET, request.body) == request.header("X-Hub-Signature")


# -- configuration, failures, logs --------------------------------------------------------------

@pytest.mark.parametrize("environ, names", [
    ({"TWITCH_WEBHOOK_SECRET": SECRET}, "EVENTS_TABLE"),
    ({"EVENTS_TABLE": "t"}, "TWITCH_WEBHOOK_SECRET"),
    ({"EVENTS_TABLE": "t", "TWITCH_WEBHOOK_SECRET": "short"}, "ASCII, 10 to 100"),
    ({"EVENTS_TABLE": "t", "TWITCH_WEBHOOK_SECRET": "nön-ascii-secret-value"}, "ASCII, 10 to 100"),
    ({"EVENTS_TABLE": "t", "TWITCH_WEBHOOK_SECRET": SECRET}, "local placeholder"),  # not an emulator
])
def test_bad_configuration_is_a_logged_error_and_a_generic_500(make_handler, environ, names):
    handler = make_handler(environ=environ)
    answer = handler(to_proxy_event(signed()))
    assert answer["statusCode"] == 500
    assert json.loads(answer["body"]) == {"message": "internal error"}
    assert answer["headers"]["X-Function-Version"] == "7"
    [record] = handler.log.records()
    assert record["level"] == "ERROR" and names in record["error"]
    for value in environ.values():
        if value != "t":
            assert value not in handler.log.getvalue() and value not in answer["body"]


class FakeSecrets:
    def __init__(self, value):
        self.value, self.calls = value, 0

    def get_secret_value(self, SecretId):
        self.calls += 1
        return {"SecretString": self.value}


@pytest.mark.parametrize("stored", [SECRET.replace("not-for-production", "from-sm"),
                                    json.dumps({"TWITCH_WEBHOOK_SECRET": "json-secret-from-secrets-manager"})])
def test_secret_from_secrets_manager_is_read_once_per_cold_start(make_handler, stored):
    secret = stored if not stored.startswith("{") else json.loads(stored)["TWITCH_WEBHOOK_SECRET"]
    sm = FakeSecrets(stored)
    environ = {"EVENTS_TABLE": "t", "TWITCH_WEBHOOK_SECRET_ARN": "arn:aws:secretsmanager:us-east-1:1:secret:x",
               "TWITCH_WEBHOOK_SECRET": SECRET}  # the ARN wins over the description's placeholder
    handler = make_handler(environ=environ, secretsmanager=sm)
    for i in range(2):
        request = eventsub("stream.online", secret=secret, timestamp=EVENT_TIME, message_id=f"sm-{i}")
        assert handler(to_proxy_event(request))["statusCode"] == 202
    assert sm.calls == 1


def test_dynamodb_failure_is_a_generic_500_with_the_traceback_in_the_log(make_handler):
    handler = make_handler(dynamodb=FakeDynamoDB(fail_with=RuntimeError("endpoint down")))
    answer = handler(to_proxy_event(signed()))
    assert answer["statusCode"] == 500
    assert "endpoint down" not in answer["body"] and "Traceback" not in answer["body"]
    assert "Traceback" in handler.log.getvalue()


def test_one_json_log_line_per_delivery_without_secrets_signatures_or_bodies(handler):
    requests = [signed("channel.cheer", message_id="log-1"), signed(message_id="log-1"),
                signed(message_id="log-2").with_body(b'{"tampered": true}')]
    for r in requests:
        handler(to_proxy_event(r, request_id=f"rid-{r.header('Twitch-Eventsub-Message-Id')}-{len(r.body)}"))
    records = handler.log.records()
    assert len(records) == 3
    assert [r["outcome"] for r in records] == ["stored", "duplicate", "rejected"]
    for record in records:
        assert {"requestId", "messageId", "messageType", "outcome", "durationMs", "status"} <= record.keys()
        assert record["requestId"].startswith("rid-")
    text = handler.log.getvalue()
    assert SECRET not in text
    for r in requests:
        assert r.header("Twitch-Eventsub-Message-Signature")[7:] not in text
    assert "héllo" not in text and "cool_user" not in text


# -- the DynamoDB request itself ----------------------------------------------------------------

def test_store_sends_a_conditional_put_and_maps_a_failed_condition_to_duplicate():
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    delivery = Delivery(protocol="eventsub", message_id="m1", message_type="notification",
                        event_time=format_ns(NOW), received_at_ms=1, expires_at=2, body="{}")
    expected = {"TableName": "twitch-events", "Item": delivery.to_item(), "ConditionExpression": "attribute_not_exists(pk)"}
    with Stubber(client) as stub:
        stub.add_response("put_item", {}, expected)
        stub.add_client_error("put_item", "ConditionalCheckFailedException", expected_params=expected)
        stub.add_client_error("put_item", "ProvisionedThroughputExceededException", expected_params=expected)
        store = DynamoDBEventStore(client, "twitch-events")
        assert store.record(delivery) is True
        assert store.record(delivery) is False
        with pytest.raises(Exception, match="ProvisionedThroughputExceeded"):
            store.record(delivery)
