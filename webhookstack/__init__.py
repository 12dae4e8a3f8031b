"""webhookstack: the Twitch webhook topology (API Gateway -> Lambda aliases -> DynamoDB), offline.

Keep this module import-free: `localstack_init/` scripts import subpackages of it inside
LocalStack's own process (on the host and in the Docker image), where only LocalStack's
dependencies exist.
"""

__version__ = "0.1.0"
