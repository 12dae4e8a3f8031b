from webhookstack.stack.model import DEFAULT_STACK
from webhookstack.stack.provision import integration_uri, source_arn, is_our_statement


def test_integration_uri_selects_the_alias_through_the_stage_variable():
    uri = integration_uri("us-east-1", "123456789012", "twitch-webhook")
    assert uri == (
        "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
        "arn:aws:lambda:us-east-1:123456789012:function:twitch-webhook:${stageVariables.lambdaAlias}/invocations"
    )


def test_description_pairs_each_stage_with_its_alias():
    assert {s.name: s.variables for s in DEFAULT_STACK.stages} == {
        "dev": {"lambdaAlias": "DEV"},
        "prod": {"lambdaAlias": "PROD"},
    }
    assert {a.name for a in DEFAULT_STACK.aliases} == {s.alias for s in DEFAULT_STACK.stages}


def test_validator_requires_the_dotted_challenge_parameter_on_get_only():
    methods = {m.http_method: m.request_parameters for m in DEFAULT_STACK.api.methods}
    assert methods == {"GET": {"method.request.querystring.hub.challenge": True}, "POST": {}}


def test_permission_statement_must_name_the_api_source_arn():
    arn = source_arn("us-east-1", "1", "abc", "webhooks")
    good = {"Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
            "Condition": {"ArnLike": {"AWS:SourceArn": arn}}}
    assert is_our_statement(good, arn)
    assert not is_our_statement(good, source_arn("us-east-1", "1", "other", "webhooks"))
