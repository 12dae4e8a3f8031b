"""publish -> DEV, promote -> PROD, rollback: aliases move, the API deployment does not."""

from __future__ import annotations

import dataclasses
import shutil
import uuid

import pytest
import requests

from webhookstack.release.flow import ReleaseError, promote, publish, rollback
from webhookstack.release.history import parse
from webhookstack.stack.provision import provision

pytestmark = pytest.mark.integration


@pytest.fixture
def edited_stack(stack, tmp_path):
    """The stack with an edited copy of the handler (same behaviour, different code hash)."""
    code = tmp_path / "handler"
    shutil.copytree(stack.function.code_dir, code, ignore=shutil.ignore_patterns("__pycache__"))
    (code / "RELEASE").write_text(uuid.uuid4().hex)
    return dataclasses.replace(stack, function=dataclasses.replace(stack.function, code_dir=code))


@pytest.fixture
def restore(stack, target):
    yield
    provision(stack, target)  # DEV back to handler/'s code; PROD stays wherever the test left it valid


def served_version(url: str) -> str:
    r = requests.get(url, params={"hub.challenge": "v"}, timeout=30)
    assert r.status_code == 200, r.text
    return r.headers["X-Function-Version"]


def deployments(aws, api_id) -> dict[str, str]:
    return {s["stageName"]: s["deploymentId"] for s in aws("apigateway").get_stages(restApiId=api_id)["item"]}


def test_publish_moves_dev_only_and_stages_serve_different_code(edited_stack, target, stage_url, restore):
    prod_before = served_version(stage_url("prod"))
    move = publish(edited_stack, target)
    assert move.published and move.changed
    assert served_version(stage_url("dev")) == move.new
    assert served_version(stage_url("prod")) == prod_before != move.new
    # Publishing the same code again publishes nothing.
    again = publish(edited_stack, target)
    assert not again.published and again.new == move.new


def test_promote_and_rollback_switch_prod_without_redeploying(edited_stack, target, stage_url, aws, api_id, stack, restore):
    before = deployments(aws, api_id)
    old_prod = served_version(stage_url("prod"))
    new = publish(edited_stack, target).new

    promoted = promote(stack, target, actor="tester@ci")
    assert (promoted.old, promoted.new) == (old_prod, new)
    assert served_version(stage_url("prod")) == new
    alias = aws("lambda").get_alias(FunctionName=stack.function.name, Name="PROD")
    record = parse(alias["Description"])
    assert record.by == "tester@ci" and record.action == "promote" and record.previous[-1] == old_prod

    rolled = rollback(stack, target, actor="tester@ci")
    assert (rolled.old, rolled.new) == (new, old_prod)
    assert served_version(stage_url("prod")) == old_prod
    assert deployments(aws, api_id) == before


@pytest.mark.parametrize("version,message", [("$LATEST", "refusing"), ("99999", "does not exist")])
def test_promote_refuses_latest_and_unknown_versions(stack, target, aws, version, message):
    prod = aws("lambda").get_alias(FunctionName=stack.function.name, Name="PROD")["FunctionVersion"]
    with pytest.raises(ReleaseError, match=message):
        promote(stack, target, version=version)
    assert aws("lambda").get_alias(FunctionName=stack.function.name, Name="PROD")["FunctionVersion"] == prod
