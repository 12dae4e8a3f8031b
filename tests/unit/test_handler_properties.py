"""Property-based tests (hypothesis) over bodies, headers and encodings.

- a signature is valid iff it was computed over the exact raw bytes delivered;
- no input makes the handler answer 5xx;
- header-name case never changes the answer.
"""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from webhookstack.twitch.builder import eventsub, serialise, to_proxy_event
from webhookstack.twitch.signing import eventsub_signature
from webhookstack.twitch.testing import CapturedLog, FakeDynamoDB, load_handler

app = load_handler()
from receiver import runtime  # noqa: E402
from receiver.logs import JsonLog  # noqa: E402
from receiver.timestamps import format_ns, parse_ns  # noqa: E402

SECRET = "local-dev-secret-not-for-production"
STAMP = "2024-05-01T12:00:00.5Z"
ENV = {"EVENTS_TABLE": "t", "TWITCH_WEBHOOK_SECRET": SECRET, "AWS_ENDPOINT_URL": "http://emulator"}
PROPS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Context:
    function_version = "3"


def call(event: dict) -> dict:
    runtime.use(runtime.Dependencies(environ=ENV, dynamodb=FakeDynamoDB(), clock_ns=lambda: parse_ns(STAMP),
                                     log=JsonLog(CapturedLog())))
    try:
        return app.lambda_handler(event, Context())
    finally:
        runtime.reset()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
json_objects = st.dictionaries(st.text(max_size=10), json_values, max_size=5)


def with_event(doc: dict) -> dict:
    return {**doc, "subscription": {"type": "stream.online", "condition": {"broadcaster_user_id": "1"}}, "event": doc}


@PROPS
@given(doc=json_objects, encode_base64=st.booleans())
def test_any_json_object_signed_over_its_raw_bytes_is_accepted(doc, encode_base64):
    raw = serialise(with_event(doc))
    answer = call(to_proxy_event(eventsub("stream.online", secret=SECRET, timestamp=STAMP, body=raw), base64=encode_base64))
    assert answer["statusCode"] == 202, answer


@PROPS
@given(body=st.binary(max_size=300), signed_over=st.binary(max_size=300), encode_base64=st.booleans())
def test_signature_is_valid_iff_computed_over_the_delivered_bytes(body, signed_over, encode_base64):
    request = eventsub("stream.online", secret=SECRET, timestamp=STAMP, message_id="m", body=body)
    request = request.with_headers(Twitch_Eventsub_Message_Signature=eventsub_signature(SECRET, "m", STAMP, signed_over))
    if not encode_base64:
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            encode_base64 = True  # API Gateway hands non-text bodies over as base64
    status = call(to_proxy_event(request, base64=encode_base64))["statusCode"]
    if signed_over == body:
        assert status in (202, 400)  # authenticated; 400 only if the bytes are not a notification
    else:
        assert status == 403


@PROPS
@given(doc=json_objects, pattern=st.lists(st.booleans(), min_size=1, max_size=60))
def test_header_name_case_never_changes_the_answer(doc, pattern):
    request = eventsub("stream.online", secret=SECRET, timestamp=STAMP, message_id="case", body=serialise(with_event(doc)))

    def scramble(name: str) -> str:
        return "".join(c.upper() if pattern[i % len(pattern)] else c.lower() for i, c in enumerate(name))

    event = to_proxy_event(request)
    event["headers"] = {scramble(k): v for k, v in event["headers"].items()}
    event["multiValueHeaders"] = {scramble(k): v for k, v in event["multiValueHeaders"].items()}
    assert call(event)["statusCode"] == call(to_proxy_event(request))["statusCode"] == 202


header_names = st.sampled_from([
    "Twitch-Eventsub-Message-Id", "twitch-eventsub-message-signature", "TWITCH-EVENTSUB-MESSAGE-TIMESTAMP",
    "Twitch-Eventsub-Message-Type", "X-Hub-Signature", "Twitch-Notification-Id", "Link", "Content-Type",
]) | st.text(max_size=20)
header_values = st.text(max_size=80) | st.sampled_from(["sha256=", "notification", "webhook_callback_verification",
                                                          "revocation", STAMP, "sha256=" + "0" * 64])


@PROPS
@given(
    method=st.sampled_from(["GET", "POST", "PUT", None, ""]),
    headers=st.none() | st.dictionaries(header_names, header_values, max_size=8),
    multi=st.none() | st.dictionaries(header_names, st.lists(header_values, max_size=2), max_size=4),
    query=st.none() | st.dictionaries(st.sampled_from(["hub.mode", "hub.challenge", "hub.topic", "hub.lease_seconds"]) | st.text(max_size=10),
                                      st.text(max_size=30), max_size=4),
    body=st.none() | st.text(max_size=200),
    is_b64=st.sampled_from([True, False, None, "yes"]),
    context=st.none() | st.dictionaries(st.sampled_from(["requestId", "stage", "domainName"]), st.text(max_size=10) | st.integers()),
)
def test_arbitrary_events_never_get_a_5xx(method, headers, multi, query, body, is_b64, context):
    event = {"httpMethod": method, "headers": headers, "multiValueHeaders": multi, "queryStringParameters": query,
             "body": body, "isBase64Encoded": is_b64, "requestContext": context}
    answer = call(event)
    assert answer["statusCode"] < 500
    assert answer["headers"]["X-Function-Version"] == "3"


@PROPS
@given(body=st.binary(max_size=200))
def test_base64_and_plain_deliveries_of_the_same_text_get_the_same_answer(body):
    text = body.decode("utf-8", "replace").encode("utf-8")
    request = eventsub("stream.online", secret=SECRET, timestamp=STAMP, body=text)
    assert call(to_proxy_event(request))["statusCode"] == call(to_proxy_event(request, base64=True))["statusCode"]


@PROPS
@given(ns=st.integers(min_value=0, max_value=253402300799 * 10**9), digits=st.integers(0, 9),
       offset_min=st.integers(-23 * 60 - 59, 23 * 60 + 59))
def test_rfc3339_timestamps_with_any_precision_and_offset_parse_exactly(ns, digits, offset_min):
    ns -= ns % 10 ** (9 - digits)
    canonical = format_ns(ns)
    sign = "+" if offset_min >= 0 else "-"
    local = parse_ns(canonical) + offset_min * 60 * 10**9
    if local < 0 or local > 253402300799 * 10**9:
        return
    text = format_ns(local)[:-1]
    text = text[: 20 + digits].rstrip(".") if digits else text[:19]
    text += f"{sign}{abs(offset_min) // 60:02d}:{abs(offset_min) % 60:02d}"
    assert parse_ns(text) == ns
    assert parse_ns(canonical) == ns
