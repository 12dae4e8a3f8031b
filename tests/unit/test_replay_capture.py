import base64
import json

import pytest

from webhookstack.replay.capture import CaptureError, detect_and_parse, from_apigw_event, from_curl, from_har
from webhookstack.replay.paths import resource_path

BODY = '{"a":"é & <b> \\/"}'


def event(**over):
    e = {
        "resource": "/webhooks", "path": "/prod/webhooks", "httpMethod": "POST",
        "headers": {"Twitch-Eventsub-Message-Id": "m1", "Host": "x.example"},
        "multiValueHeaders": {"Twitch-Eventsub-Message-Id": ["m1"], "Host": ["x.example"], "X-Dup": ["1", "2"]},
        "queryStringParameters": {"k": "2"}, "multiValueQueryStringParameters": {"k": ["1", "2"]},
        "requestContext": {"resourcePath": "/webhooks", "stage": "prod"},
        "body": BODY, "isBase64Encoded": False,
    }
    e.update(over)
    return e


def test_apigw_event_keeps_repeated_keys_header_case_and_raw_body():
    req = from_apigw_event(event())
    assert (req.method, req.path) == ("POST", "/webhooks")
    assert req.query == [("k", "1"), ("k", "2")]
    assert ("Twitch-Eventsub-Message-Id", "m1") in req.headers and ("X-Dup", "2") in req.headers
    assert all(k.lower() != "host" for k, _ in req.headers)
    assert req.body == BODY.encode()


def test_apigw_event_base64_body_is_decoded_to_the_original_bytes():
    raw = "ünïcode \x00 bytes".encode()
    req = from_apigw_event(event(body=base64.b64encode(raw).decode(), isBase64Encoded=True))
    assert req.body == raw


def test_partial_event_names_the_missing_field_and_records_assumptions():
    with pytest.raises(CaptureError, match="'httpMethod' is missing"):
        from_apigw_event({"path": "/webhooks"})
    req = from_apigw_event({"httpMethod": "GET", "path": "/webhooks", "queryStringParameters": {"hub.challenge": "c"}})
    assert any("repeated query keys" in a for a in req.assumptions)
    with pytest.raises(CaptureError, match="not valid base64"):
        from_apigw_event(event(body="%%%", isBase64Encoded=True))


def test_har_entry_with_base64_post_data():
    har = {"log": {"entries": [{"request": {
        "method": "post", "url": "https://abc.execute-api.us-east-1.amazonaws.com/prod/webhooks?x=1&x=2",
        "headers": [{"name": "Twitch-Eventsub-Message-Type", "value": "notification"}, {"name": ":authority", "value": "h"}],
        "queryString": [], "postData": {"mimeType": "application/json", "text": base64.b64encode(b"raw").decode(),
                                         "encoding": "base64"}}}]}}
    req = from_har(har)
    assert req.method == "POST" and req.path == "/prod/webhooks"
    assert req.query == [("x", "1"), ("x", "2")]
    assert req.headers == [("Twitch-Eventsub-Message-Type", "notification")]
    assert req.body == b"raw"


def test_curl_command_line_with_quotes_and_continuations():
    cmd = ("curl -X POST 'https://h.example/prod/webhooks?a=1&a=2' \\\n  -H 'Twitch-Eventsub-Message-Id: m 1' "
           "-H 'Content-Type: application/json' --data-raw '" + BODY + "'")
    req = from_curl(cmd)
    assert req.method == "POST" and req.path == "/prod/webhooks" and req.query == [("a", "1"), ("a", "2")]
    assert ("Twitch-Eventsub-Message-Id", "m 1") in req.headers
    assert req.body == BODY.encode()


def test_curl_errors_are_specific():
    with pytest.raises(CaptureError, match="has no ':'"):
        from_curl("curl -H 'broken' http://h/")
    with pytest.raises(CaptureError, match="from file"):
        from_curl("curl -d @body.json http://h/")
    with pytest.raises(CaptureError, match="no URL"):
        from_curl("curl -X GET")


def test_detect_picks_the_format_and_explains_unknown_input():
    assert detect_and_parse(json.dumps(event()), "f").source.endswith("(API Gateway event)")
    line = "2024-01-01T00:00:00Z\tabc\tINFO\t" + json.dumps(event())
    assert detect_and_parse(line, "f").method == "POST"
    with pytest.raises(CaptureError, match="neither JSON nor a curl"):
        detect_and_parse("GET / HTTP/1.1", "f")
    with pytest.raises(CaptureError, match="line 1 column"):
        detect_and_parse("{not json", "f")


@pytest.mark.parametrize("path,expected", [
    ("/_aws/execute-api/abc/dev/webhooks", "/webhooks"),
    ("/restapis/abc/dev/_user_request_/webhooks", "/webhooks"),
    ("/prod/webhooks", "/webhooks"),
    ("/webhooks", "/webhooks"),
    ("/v1/hooks/webhooks", "/webhooks"),
])
def test_resource_path_from_any_url_form(path, expected):
    assert resource_path(path, {"dev", "prod", "v1/hooks", "v1"})[0] == expected
