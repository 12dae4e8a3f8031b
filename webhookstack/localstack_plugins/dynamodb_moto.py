"""`dynamodb:moto` and `dynamodbstreams:moto`: DynamoDB with no download.

LocalStack's own DynamoDB providers fetch DynamoDB Local (Java) on first use, which fails
offline. moto ships with LocalStack and implements the API in-process; these providers
declare every operation "not implemented here" so LocalStack's fallback dispatcher hands
each call to moto. Selected with PROVIDER_OVERRIDE_DYNAMODB=moto (and ...STREAMS=moto).
"""

from localstack.services.plugins import Service, aws_provider


@aws_provider(api="dynamodb", name="moto")
def dynamodb_moto():
    from localstack.aws.api.dynamodb import DynamodbApi
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.state import StateVisitor

    class MotoDynamoDBProvider(DynamodbApi):
        def accept_state_visitor(self, visitor: StateVisitor):
            from moto.dynamodb.models import dynamodb_backends

            visitor.visit(dynamodb_backends)

    return Service.for_provider(MotoDynamoDBProvider(), dispatch_table_factory=MotoFallbackDispatcher)


@aws_provider(api="dynamodbstreams", name="moto")
def dynamodbstreams_moto():
    from localstack.aws.api.dynamodbstreams import DynamodbstreamsApi
    from localstack.services.moto import MotoFallbackDispatcher
    from localstack.state import StateVisitor

    class MotoDynamoDBStreamsProvider(DynamodbstreamsApi):
        def accept_state_visitor(self, visitor: StateVisitor):
            from moto.dynamodbstreams.models import dynamodbstreams_backends

            visitor.visit(dynamodbstreams_backends)

    return Service.for_provider(
        MotoDynamoDBStreamsProvider(), dispatch_table_factory=MotoFallbackDispatcher
    )
