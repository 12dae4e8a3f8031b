"""The Twitch webhook receiver, deployed as is (entry point `app.lambda_handler`).

Minimal for now: a WebSub verification GET echoes `hub.challenge`; a POST stores the event.
Every answer says which function version ran, so DEV and PROD can be told apart.
"""

import base64
import json
import os
import time
import uuid

import boto3

# Created once per execution environment (cold start), reused by warm invocations. A client,
# not a resource: the resource layer adds ~10 ms to every cold start.
_DYNAMODB = boto3.client("dynamodb")
_TABLE_NAME = os.environ["EVENTS_TABLE"]


def lambda_handler(event, context):
    version = context.function_version
    method = event.get("httpMethod")
    request_context = event.get("requestContext") or {}
    # One line per request; the request id ties it to API Gateway's x-amzn-RequestId.
    print(json.dumps({"requestId": request_context.get("requestId"), "method": method,
                      "stage": request_context.get("stage"), "version": version}))
    if method == "GET":
        params = event.get("queryStringParameters") or {}
        challenge = params.get("hub.challenge")
        if not challenge:
            return _answer(400, {"message": "hub.challenge is required"}, version)
        # API Gateway answers application/json unless the function says otherwise.
        return {
            "statusCode": 200,
            "headers": {"Content-Type": "text/plain", "X-Function-Version": version},
            "body": challenge,
        }
    if method == "POST":
        body = event.get("body") or ""
        if event.get("isBase64Encoded"):
            body = base64.b64decode(body).decode("utf-8", errors="replace")
        event_id = str(uuid.uuid4())
        _DYNAMODB.put_item(
            TableName=_TABLE_NAME,
            Item={
                "pk": {"S": f"event#{event_id}"},
                "sk": {"S": "delivery"},
                "received_at": {"N": str(int(time.time() * 1000))},
                "function_version": {"S": version},
                "stage": {"S": request_context.get("stage", "")},
                "domain_name": {"S": request_context.get("domainName", "")},
                "path": {"S": event.get("path", "")},
                "body": {"S": body},
            },
        )
        return _answer(202, {"id": event_id, "version": version, "stage": request_context.get("stage")}, version)
    return _answer(405, {"message": f"method {method} not allowed"}, version)


def _answer(status, payload, version):
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", "X-Function-Version": version},
        "body": json.dumps(payload),
    }
