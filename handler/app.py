"""Lambda entry point (`app.lambda_handler`): API Gateway REST proxy events -> the Twitch receiver.

Everything lives in the `receiver` package next to this file; see its docstring.
"""

from receiver import runtime
from receiver.resolver import handle

runtime.prewarm()  # boto3 clients and settings during init, not in the first request


def lambda_handler(event, context):
    return handle(event, context, runtime.current())
