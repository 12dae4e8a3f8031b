"""The environment that makes LocalStack 4.14.0 run on the host, without Docker.

Every value here was needed to start it on a machine with no Docker engine and no network
(see ../shared/DESIGN.md §2); the reason stands beside each.
"""

from __future__ import annotations

from pathlib import Path

# The services the topology uses. LocalStack loads providers lazily, so this list is a
# guard against surprises rather than a speed-up.
# route53: API Gateway's CreateDomainName looks up hosted zones internally.
SERVICES = "apigateway,lambda,dynamodb,dynamodbstreams,logs,iam,sts,cloudwatch,route53"


def engine_environment(state_dir: Path, port: int, base: dict[str, str]) -> dict[str, str]:
    fs_root = state_dir / "fs"
    env = {k: v for k, v in base.items() if not k.startswith(("LOCALSTACK_", "AWS_"))}
    env.update(
        {
            "GATEWAY_LISTEN": f"127.0.0.1:{port}",
            # URLs LocalStack hands out (function URLs, queue URLs) must carry the real port.
            "LOCALSTACK_HOST": f"localhost.localstack.cloud:{port}",
            # These machines look like containers; LocalStack must not assume it is in one.
            "OVERRIDE_IN_DOCKER": "0",
            # All of LocalStack's files (init hooks included) under one folder.
            "FILESYSTEM_ROOT": str(fs_root),
            "TMPDIR": str(state_dir / "tmp"),
            "CONFIG_DIR": str(state_dir / "config"),
            # Otherwise it downloads a TLS certificate at start.
            "SKIP_SSL_CERT_DOWNLOAD": "1",
            # Otherwise botocore probes the EC2 metadata address for credentials.
            "AWS_EC2_METADATA_DISABLED": "true",
            "DNS_ADDRESS": "0",
            "DISABLE_EVENTS": "1",
            "SERVICES": SERVICES,
            # Our plugins (webhookstack.localstack_plugins), picked by name.
            "LAMBDA_RUNTIME_EXECUTOR": "local",
            "PROVIDER_OVERRIDE_DYNAMODB": "moto",
            "PROVIDER_OVERRIDE_DYNAMODBSTREAMS": "moto",
            # LocalStack's internal calls (API Gateway -> Lambda invoke, log shipping) skip
            # HTTP: -6 ms p50 per webhook on these machines, and ~300 MiB less RSS.
            "IN_MEMORY_CLIENT": "1",
            "PYTHONUNBUFFERED": "1",
            # Credentials for the ready.d provisioning, which runs inside LocalStack.
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
        }
    )
    return env
