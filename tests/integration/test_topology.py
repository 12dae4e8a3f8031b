"""The provisioned topology over real HTTP: stages -> aliases -> versions -> DynamoDB."""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from webhookstack.stack.package import build_package
from webhookstack.twitch.builder import eventsub, websub_notification
from webhookstack.stack.polling import wait_until
from webhookstack.stack.provision import provision

pytestmark = pytest.mark.integration


def alias_version(aws, stack, alias: str) -> str:
    return aws("lambda").get_alias(FunctionName=stack.function.name, Name=alias)["FunctionVersion"]


def local_secret(stack) -> str:
    return stack.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]


def post_signed(url: str, request, **headers) -> requests.Response:
    """POST a signed Twitch request (webhookstack.twitch.builder) as is: raw bytes, its headers."""
    return requests.post(url, data=request.body, headers={**dict(request.headers), **headers}, timeout=30)


def verify(url: str, challenge: str, **kwargs) -> requests.Response:
    return requests.get(url, params={"hub.mode": "subscribe", "hub.challenge": challenge}, timeout=30, **kwargs)


@pytest.mark.parametrize("stage,alias", [("dev", "DEV"), ("prod", "PROD")])
def test_verification_echoes_challenge_from_the_stage_alias(stage_url, aws, stack, stage, alias):
    challenge = f"chal-{uuid.uuid4()}"
    r = verify(stage_url(stage), challenge)
    assert r.status_code == 200, r.text
    assert r.text == challenge
    assert r.headers["Content-Type"].startswith("text/plain")
    assert r.headers["X-Function-Version"] == alias_version(aws, stack, alias)


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_post_stores_one_row_with_the_version_that_ran(stage_url, events_table, aws, stack, stage):
    request = eventsub("channel.cheer", secret=local_secret(stack))  # body holds é, &, < as Twitch sends them
    r = post_signed(stage_url(stage), request)
    assert r.status_code == 202, r.text
    message_id = request.facts["message_id"]
    item = events_table.get_item(Key={"pk": f"delivery#eventsub#{message_id}", "sk": "delivery"}).get("Item")
    assert item is not None
    assert item["body"] == request.body.decode("utf-8")
    assert item["stage"] == stage
    assert item["function_version"] == r.headers["X-Function-Version"]
    assert r.headers["X-Function-Version"] == alias_version(aws, stack, stack.stage(stage).alias)


def _log_messages(aws, stack) -> str:
    logs = aws("logs")
    group = f"/aws/lambda/{stack.function.name}"
    messages = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            messages += [e["message"] for e in page["events"]]
    except logs.exceptions.ResourceNotFoundException:
        pass  # Lambda logs arrive asynchronously; the group may not exist yet
    return "".join(messages)


def test_validator_rejects_missing_challenge_without_running_lambda(dev_url, aws, stack):
    rejected = requests.get(dev_url, params={"hub.mode": "subscribe"}, timeout=30)
    assert rejected.status_code == 400
    assert rejected.json() == {"message": "Missing required request parameters: [hub.challenge]"}
    rejected_id = rejected.headers.get("x-amzn-RequestId")
    assert rejected_id

    # A request that does reach Lambda: once its log line is in, an earlier one would be too.
    accepted = verify(dev_url, "sync")
    assert accepted.status_code == 200
    accepted_id = accepted.headers["x-amzn-RequestId"]
    messages = wait_until(
        lambda: (m := _log_messages(aws, stack)) and accepted_id in m and m, "the accepted request's log line", 30
    )
    assert rejected_id not in messages


@pytest.mark.parametrize("base_path", ["dev", "prod"])
def test_custom_domain_base_paths_route_to_their_stage(custom_domain, events_table, aws, stack, base_path):
    url, host = custom_domain(base_path)
    stage = dict(stack.domain.base_paths)[base_path]
    challenge = f"dom-{uuid.uuid4()}"
    r = requests.get(url, params={"hub.challenge": challenge}, headers={"Host": host}, timeout=30)
    assert r.status_code == 200, r.text
    assert r.text == challenge
    assert r.headers["X-Function-Version"] == alias_version(aws, stack, stack.stage(stage).alias)

    request = websub_notification("streams", secret=local_secret(stack), offline=True)  # {"data": []}
    posted = post_signed(url, request, Host=host)
    assert posted.status_code == 202, posted.text
    key = {"pk": f"delivery#websub#{request.facts['message_id']}", "sk": "delivery"}
    item = events_table.get_item(Key=key)["Item"]
    assert item["stage"] == stage
    assert item["domain_name"] == stack.domain.name
    assert item["path"] == f"/{base_path}/{stack.api.resource}"


def test_dev_and_prod_run_different_code_side_by_side(stage_url, aws, stack, target):
    lam = aws("lambda")
    name = stack.function.name
    prod_before = alias_version(aws, stack, "PROD")
    # New code: the handler plus a marker file, so the code hash differs.
    package = build_package(stack.function.code_dir, {"BUILD": uuid.uuid4().hex.encode()})
    lam.update_function_code(FunctionName=name, ZipFile=package.zip_bytes)
    wait_until(
        lambda: lam.get_function_configuration(FunctionName=name)["LastUpdateStatus"] == "Successful",
        "code update",
    )
    new_version = lam.publish_version(FunctionName=name, CodeSha256=package.code_sha256)["Version"]
    lam.update_alias(FunctionName=name, Name="DEV", FunctionVersion=new_version)
    try:
        dev = verify(stage_url("dev"), "a")
        prod = verify(stage_url("prod"), "b")
        assert dev.headers["X-Function-Version"] == new_version
        assert prod.headers["X-Function-Version"] == prod_before
        assert new_version != prod_before
        sha = {
            v: lam.get_function_configuration(FunctionName=name, Qualifier=v)["CodeSha256"]
            for v in (new_version, prod_before)
        }
        assert sha[new_version] == package.code_sha256 != sha[prod_before]
    finally:
        # Back to the code in handler/: provisioning moves DEV to it again.
        provision(stack, target)


def test_provisioning_twice_changes_nothing(stack, target):
    provision(stack, target)  # heals whatever other tests left behind
    second = provision(stack, target)
    assert second.changes == []


def test_provisioning_heals_a_removed_permission_and_a_changed_stage_variable(stack, target, aws, api_id):
    from webhookstack.stack.provision import permission_statement_id

    lam, apigw = aws("lambda"), aws("apigateway")
    sid = permission_statement_id(api_id, "PROD")
    lam.remove_permission(FunctionName=stack.function.name, Qualifier="PROD", StatementId=sid)
    apigw.update_stage(
        restApiId=api_id, stageName="prod",
        patchOperations=[{"op": "replace", "path": "/variables/lambdaAlias", "value": "DEV"}],
    )
    outcome = provision(stack, target)
    healed = {c.resource for c in outcome.changes}
    assert f"permission {stack.function.name}:PROD" in healed
    assert "stage prod" in healed
    policy = json.loads(lam.get_policy(FunctionName=stack.function.name, Qualifier="PROD")["Policy"])
    assert sid in {s["Sid"] for s in policy["Statement"]}
    assert apigw.get_stage(restApiId=api_id, stageName="prod")["variables"]["lambdaAlias"] == "PROD"
