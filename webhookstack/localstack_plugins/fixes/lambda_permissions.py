"""Fix 3: API Gateway checks the Lambda resource policy before invoking, as AWS does.

On AWS, an AWS_PROXY integration without credentials may invoke the function (or the alias
its URI names, e.g. through `${stageVariables.lambdaAlias}`) only if that function's or
alias's own resource policy allows `apigateway.amazonaws.com` from this API's execute-api
ARN. Otherwise the client gets 500 `{"message": "Internal server error"}` and the execution
log says "Invalid permissions on Lambda function". LocalStack 4.14.0 invokes anyway, so a
missing per-alias permission works locally and breaks the first production request.

The check reads LocalStack's own Lambda store (in-process, no request). A function that does
not exist is left to LocalStack's own answer. `WEBHOOKSTACK_LAMBDA_PERMISSIONS=off` restores
LocalStack's behaviour.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from webhookstack.stack.permissions import any_grants

from .guard import Expectation, GuardedPatch

LOG = logging.getLogger(__name__)

AWS_INTEGRATIONS = "localstack.services.apigateway.next_gen.execute_api.integrations.aws"
SWITCH = "WEBHOOKSTACK_LAMBDA_PERMISSIONS"


def _statements(function_arn: str) -> list[dict] | None:
    """The resource-policy statements that govern `function_arn`; None if no such function."""
    from localstack.services.lambda_.invocation.models import lambda_stores

    parts = function_arn.split(":")
    if len(parts) < 7 or parts[5] != "function":
        return None
    region, account, name = parts[3], parts[4], parts[6]
    qualifier = parts[7] if len(parts) > 7 else "$LATEST"
    function = lambda_stores[account][region].functions.get(name)
    if function is None:
        return None
    permission = function.permissions.get(qualifier)
    return list(permission.policy.Statement) if permission else []


def _build_checked_call(original: Any):
    def call_lambda(function_arn: str, event: bytes, source_arn: str, credentials: str = None) -> bytes:
        # With `credentials`, API Gateway assumes that role: IAM decides, not the resource policy.
        if credentials is None and os.environ.get(SWITCH, "on").lower() not in ("off", "0", "false"):
            statements = _statements(function_arn)
            if statements is not None and not any_grants(statements, source_arn):
                from botocore.exceptions import ClientError

                LOG.warning(
                    "Execution failed due to configuration error: Invalid permissions on Lambda function "
                    "%s: no resource-policy statement lets apigateway.amazonaws.com invoke it from %s "
                    "(add-permission with --qualifier for an alias)", function_arn, source_arn,
                )
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "Invalid permissions on Lambda function"}},
                    "Invoke",
                )
        return original(function_arn, event, source_arn, credentials)

    return call_lambda


ENFORCE = GuardedPatch(
    name="lambda-resource-policy-enforced",
    expectation=Expectation(
        AWS_INTEGRATIONS,
        "RestApiAwsProxyIntegration.call_lambda",
        "75964f5a1a6a0507fb1bf96999eaa63b5bcd8c4a3b417d212b71ff4773f215b1",
    ),
    build=_build_checked_call,
    why="AWS_PROXY: invoke only what the function's (alias's) resource policy allows",
)

#: module name -> patches to apply right after LocalStack imports it
PATCHES = {AWS_INTEGRATIONS: [ENFORCE]}
