"""The start.d API Gateway fixes, over real HTTP against LocalStack 4.14.0.

Each module run creates its own REST API (unique name) with MOCK integrations, so it needs
neither Lambda nor network and runs the same against Docker. The MOCK integration response
echoes `$context`, so a response body says whether the integration ran and what it saw.

Needs `route53` in LocalStack's SERVICES: 4.14.0's CreateDomainName looks up hosted zones.
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlsplit

import boto3
import pytest
import requests

pytestmark = pytest.mark.integration

ECHO = json.dumps(
    {
        "invoked": True,
        "stage": "$context.stage",
        "path": "$context.path",
        "resourcePath": "$context.resourcePath",
        "domainName": "$context.domainName",
        "domainPrefix": "$context.domainPrefix",
        "challenge": "$input.params('hub.challenge')",
    }
)


@pytest.fixture(scope="module")
def apigw(localstack_endpoint):
    return boto3.client(
        "apigateway",
        endpoint_url=localstack_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


@pytest.fixture(scope="module")
def api_id(apigw):
    """GET /webhooks requires hub.challenge (validator); stages dev and prod."""
    api = apigw.create_rest_api(name=f"fixes-{uuid.uuid4().hex[:8]}")["id"]
    try:
        root = next(r["id"] for r in apigw.get_resources(restApiId=api)["items"] if r["path"] == "/")
        res = apigw.create_resource(restApiId=api, parentId=root, pathPart="webhooks")["id"]
        validator = apigw.create_request_validator(
            restApiId=api, name="params", validateRequestParameters=True
        )["id"]
        apigw.put_method(
            restApiId=api,
            resourceId=res,
            httpMethod="GET",
            authorizationType="NONE",
            requestValidatorId=validator,
            requestParameters={"method.request.querystring.hub.challenge": True},
        )
        apigw.put_integration(
            restApiId=api,
            resourceId=res,
            httpMethod="GET",
            type="MOCK",
            requestTemplates={"application/json": '{"statusCode": 200}'},
        )
        apigw.put_method_response(restApiId=api, resourceId=res, httpMethod="GET", statusCode="200")
        apigw.put_integration_response(
            restApiId=api,
            resourceId=res,
            httpMethod="GET",
            statusCode="200",
            responseTemplates={"application/json": ECHO},
        )
        for stage in ("dev", "prod"):
            apigw.create_deployment(restApiId=api, stageName=stage)
        yield api
    finally:
        apigw.delete_rest_api(restApiId=api)


@pytest.fixture(scope="module")
def domain(apigw, api_id):
    """A custom domain: dev -> dev, prod -> prod, v1 -> prod, v1/hooks -> dev."""
    name = f"wh-{uuid.uuid4().hex[:8]}.localhost"
    apigw.create_domain_name(domainName=name)
    try:
        for base_path, stage in [("dev", "dev"), ("prod", "prod"), ("v1", "prod"), ("v1/hooks", "dev")]:
            apigw.create_base_path_mapping(domainName=name, basePath=base_path, restApiId=api_id, stage=stage)
        yield name
    finally:
        apigw.delete_domain_name(domainName=name)


def execute_api_url(endpoint: str, api_id: str, stage: str) -> str:
    return f"{endpoint}/_aws/execute-api/{api_id}/{stage}/webhooks"


def via_host(endpoint: str, host: str, path: str, **params) -> requests.Response:
    """GET `path` on LocalStack with the Host header of a custom domain (with the port, as a browser sends it)."""
    port = urlsplit(endpoint).port
    return requests.get(f"{endpoint}{path}", params=params, headers={"Host": f"{host}:{port}"}, timeout=30)


# -- fix 1: required parameters with dots ------------------------------------------------------
def assert_missing_challenge(r: requests.Response) -> None:
    assert r.status_code == 400, r.text
    assert r.headers["x-amzn-ErrorType"] == "BadRequestException"
    assert r.json() == {"message": "Missing required request parameters: [hub.challenge]"}
    assert r.text == '{"message": "Missing required request parameters: [hub.challenge]"}'
    assert "invoked" not in r.text  # the integration did not run


def test_missing_challenge_answers_400_without_invoking(localstack_endpoint, api_id):
    r = requests.get(execute_api_url(localstack_endpoint, api_id, "dev"), params={"hub.mode": "subscribe"}, timeout=30)
    assert_missing_challenge(r)


def test_blank_challenge_counts_as_missing(localstack_endpoint, api_id):
    r = requests.get(execute_api_url(localstack_endpoint, api_id, "dev"), params={"hub.challenge": ""}, timeout=30)
    assert_missing_challenge(r)


def test_present_challenge_passes_on(localstack_endpoint, api_id):
    r = requests.get(execute_api_url(localstack_endpoint, api_id, "prod"), params={"hub.challenge": "c-1"}, timeout=30)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["invoked"] is True
    assert body["challenge"] == "c-1"
    assert body["stage"] == "prod"


# -- fix 2: custom domain names ----------------------------------------------------------------
@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_custom_domain_base_path_selects_the_stage(localstack_endpoint, domain, stage):
    r = via_host(localstack_endpoint, domain, f"/{stage}/webhooks", **{"hub.challenge": "c-2"})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stage"] == stage
    assert body["resourcePath"] == "/webhooks"  # base path stripped for resource matching
    assert body["path"] == f"/{stage}/webhooks"  # ...and kept in $context.path
    assert body["domainName"] == domain  # bare, no port
    assert body["domainPrefix"] == domain.split(".")[0]
    assert body["challenge"] == "c-2"


def test_custom_domain_longest_base_path_wins(localstack_endpoint, domain):
    longest = via_host(localstack_endpoint, domain, "/v1/hooks/webhooks", **{"hub.challenge": "x"})
    assert longest.status_code == 200, longest.text
    assert longest.json()["stage"] == "dev"
    assert longest.json()["path"] == "/v1/hooks/webhooks"

    shorter = via_host(localstack_endpoint, domain, "/v1/webhooks", **{"hub.challenge": "x"})
    assert shorter.status_code == 200, shorter.text
    assert shorter.json()["stage"] == "prod"
    assert shorter.json()["resourcePath"] == "/webhooks"


def test_custom_domain_validator_still_applies(localstack_endpoint, domain):
    assert_missing_challenge(via_host(localstack_endpoint, domain, "/dev/webhooks"))


@pytest.mark.parametrize("path", ["/staging/webhooks", "/devx/webhooks", "/"])
def test_custom_domain_unknown_base_path_is_forbidden(localstack_endpoint, domain, path):
    r = via_host(localstack_endpoint, domain, path, **{"hub.challenge": "x"})
    assert r.status_code == 403, r.text
    assert r.text == '{"message":"Forbidden"}'
    assert r.headers["x-amzn-ErrorType"] == "ForbiddenException"


def test_hosts_that_are_not_custom_domains_are_unaffected(localstack_endpoint, apigw, api_id, domain):
    # LocalStack's own routes, execute-api and the AWS API keep working while a domain exists
    assert requests.get(f"{localstack_endpoint}/_localstack/health", timeout=30).status_code == 200
    r = requests.get(execute_api_url(localstack_endpoint, api_id, "dev"), params={"hub.challenge": "y"}, timeout=30)
    assert r.status_code == 200 and r.json()["stage"] == "dev", r.text
    assert api_id in [a["id"] for a in apigw.get_rest_apis(limit=500)["items"]]

    # a host that is not a registered domain is not routed to the API, nor refused as a domain
    other = via_host(localstack_endpoint, f"not-{domain}", "/dev/webhooks", **{"hub.challenge": "y"})
    assert "invoked" not in other.text
    assert other.text != '{"message":"Forbidden"}'
    assert other.headers.get("x-amzn-ErrorType") != "ForbiddenException"


# -- fix 2 through Lambda: the proxy event ------------------------------------------------------
ECHO_HANDLER = """
import json
def handler(event, context):
    rc = event["requestContext"]
    return {"statusCode": 200, "body": json.dumps({
        "resource": event["resource"], "path": event["path"],
        "requestContext": {k: rc.get(k) for k in ("path", "resourcePath", "stage", "domainName", "domainPrefix")},
    })}
"""


@pytest.fixture(scope="module")
def proxy_domain(localstack_endpoint, apigw):
    """GET /webhooks -> AWS_PROXY -> a Lambda echoing its event; domain base path `dev` -> dev."""
    import io
    import zipfile

    from webhookstack.stack.polling import wait_until

    lam = boto3.client(
        "lambda",
        endpoint_url=localstack_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    name = f"fixes-echo-{uuid.uuid4().hex[:8]}"
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as z:
        z.writestr("app.py", ECHO_HANDLER)
    arn = lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Handler="app.handler",
        Role="arn:aws:iam::000000000000:role/fixes-echo",
        Code={"ZipFile": code.getvalue()},
    )["FunctionArn"]
    api = apigw.create_rest_api(name=name)["id"]
    domain = f"{name}.localhost"
    try:
        wait_until(
            lambda: lam.get_function(FunctionName=name)["Configuration"]["State"] == "Active",
            f"function {name} active",
        )
        root = apigw.get_resources(restApiId=api)["items"][0]["id"]
        res = apigw.create_resource(restApiId=api, parentId=root, pathPart="webhooks")["id"]
        apigw.put_method(restApiId=api, resourceId=res, httpMethod="GET", authorizationType="NONE")
        apigw.put_integration(
            restApiId=api,
            resourceId=res,
            httpMethod="GET",
            type="AWS_PROXY",
            integrationHttpMethod="POST",
            uri=f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations",
        )
        # As on AWS, API Gateway may invoke the function only with its resource policy's consent.
        lam.add_permission(FunctionName=name, StatementId="apigw", Action="lambda:InvokeFunction",
                           Principal="apigateway.amazonaws.com",
                           SourceArn=f"arn:aws:execute-api:us-east-1:000000000000:{api}/*/GET/webhooks")
        apigw.create_deployment(restApiId=api, stageName="dev")
        apigw.create_domain_name(domainName=domain)
        apigw.create_base_path_mapping(domainName=domain, basePath="dev", restApiId=api, stage="dev")
        yield domain
    finally:
        try:
            apigw.delete_domain_name(domainName=domain)
        except apigw.exceptions.NotFoundException:
            pass
        apigw.delete_rest_api(restApiId=api)
        lam.delete_function(FunctionName=name)


def test_proxy_event_keeps_the_base_path_and_names_the_domain(localstack_endpoint, proxy_domain):
    r = via_host(localstack_endpoint, proxy_domain, "/dev/webhooks")
    assert r.status_code == 200, r.text
    event = r.json()
    assert event["resource"] == "/webhooks"
    assert event["path"] == "/dev/webhooks"
    assert event["requestContext"] == {
        "path": "/dev/webhooks",
        "resourcePath": "/webhooks",
        "stage": "dev",
        "domainName": proxy_domain,
        "domainPrefix": proxy_domain.split(".")[0],
    }
