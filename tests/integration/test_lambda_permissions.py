"""API Gateway enforces the Lambda resource policy per alias, as AWS does (LocalStack does not)."""

from __future__ import annotations

import pytest
import requests

from webhookstack.stack.provision import permission_statement_id, provision, source_arn

pytestmark = pytest.mark.integration


def verify(url: str) -> requests.Response:
    return requests.get(url, params={"hub.challenge": "perm"}, timeout=30)


@pytest.fixture
def heal(stack, target):
    yield
    provision(stack, target)


def test_a_stage_whose_alias_lacks_permission_answers_500_and_heals(stack, target, aws, api_id, stage_url, heal):
    provision(stack, target)
    lam = aws("lambda")
    lam.remove_permission(FunctionName=stack.function.name, Qualifier="PROD",
                          StatementId=permission_statement_id(api_id, "PROD"))
    broken = verify(stage_url("prod"))
    assert broken.status_code == 500
    assert broken.json() == {"message": "Internal server error"}
    assert verify(stage_url("dev")).status_code == 200  # DEV keeps its own permission

    provision(stack, target)
    assert verify(stage_url("prod")).text == "perm"


def test_a_permission_on_the_function_does_not_cover_its_alias(stack, target, aws, api_id, stage_url, heal):
    provision(stack, target)
    lam = aws("lambda")
    lam.remove_permission(FunctionName=stack.function.name, Qualifier="PROD",
                          StatementId=permission_statement_id(api_id, "PROD"))
    # The classic mistake: granted on the unqualified function, invoked through an alias.
    lam.add_permission(FunctionName=stack.function.name, StatementId="function-wide", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=source_arn(target.region_name, target.account_id, api_id, stack.api.resource))
    try:
        assert verify(stage_url("prod")).status_code == 500
    finally:
        lam.remove_permission(FunctionName=stack.function.name, StatementId="function-wide")


def test_a_permission_for_another_api_does_not_count(stack, target, aws, api_id, stage_url, heal):
    provision(stack, target)
    lam = aws("lambda")
    sid = permission_statement_id(api_id, "PROD")
    lam.remove_permission(FunctionName=stack.function.name, Qualifier="PROD", StatementId=sid)
    lam.add_permission(FunctionName=stack.function.name, Qualifier="PROD", StatementId=sid,
                       Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=source_arn(target.region_name, target.account_id, "otherapi1", stack.api.resource))
    assert verify(stage_url("prod")).status_code == 500
