import pytest

from webhookstack.stack.permissions import grants

ARN = "arn:aws:execute-api:us-east-1:1:abc/prod/GET/webhooks"


def stmt(**over):
    s = {"Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "lambda:InvokeFunction",
         "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:1:abc/*/*/webhooks"}}}
    s.update(over)
    return s


@pytest.mark.parametrize("statement,allowed", [
    (stmt(), True),
    (stmt(Condition={}), True),  # no condition: any source
    (stmt(Condition={"ArnEquals": {"AWS:SourceArn": ARN}}), True),
    (stmt(Condition={"ArnLike": {"AWS:SourceArn": "arn:aws:execute-api:us-east-1:1:zzz/*/*/webhooks"}}), False),
    (stmt(Principal={"Service": "s3.amazonaws.com"}), False),
    (stmt(Action=["lambda:GetFunction"]), False),
    (stmt(Action=["lambda:*"]), True),
    (stmt(Effect="Deny"), False),
    (stmt(Principal="*"), True),
])
def test_grants(statement, allowed):
    assert grants(statement, ARN) is allowed
