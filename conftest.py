"""Fixtures for tests against a real LocalStack over HTTP.

The stack under test is, in order of preference: the one at `--endpoint` / AWS_ENDPOINT_URL,
the embedded engine `webhookstack up` started, a stack at 127.0.0.1:4566 whose init hooks all
passed (`docker compose up`), or a fresh embedded engine on a free port in a temporary folder,
stopped when the session ends.
"""

from __future__ import annotations

import os

import pytest

from webhookstack.stack.model import DEFAULT_STACK


def pytest_addoption(parser):
    group = parser.getgroup("webhookstack")
    group.addoption(
        "--endpoint",
        default=None,
        help="LocalStack endpoint with the stack provisioned (default: $AWS_ENDPOINT_URL, "
        "then the running `webhookstack up` engine, else a fresh embedded engine).",
    )
    parser.addini("webhookstack_endpoint", "default for --endpoint", default="")


@pytest.fixture(scope="session")
def localstack_endpoint(request, tmp_path_factory) -> str:
    from webhookstack.engine.embedded import EmbeddedEngine, free_port
    from webhookstack.engine.readiness import is_reachable, read_init_report
    from webhookstack.paths import DEFAULT_STATE_DIR

    explicit = (
        request.config.getoption("--endpoint")
        or os.environ.get("AWS_ENDPOINT_URL")
        or request.config.getini("webhookstack_endpoint")
    )
    if explicit:
        explicit = explicit.rstrip("/")
        if not is_reachable(explicit):
            pytest.fail(f"no LocalStack answers at {explicit} (from --endpoint / AWS_ENDPOINT_URL)")
        report = read_init_report(explicit)
        if report is not None and report.failed:
            pytest.fail(f"the stack at {explicit} has failed init hooks: {report.failed}")
        yield explicit
        return
    running = EmbeddedEngine(DEFAULT_STATE_DIR).running()
    if running and is_reachable(running.endpoint):
        yield running.endpoint
        return
    # `./dev up` with Docker: compose publishes 4566. Used only when its init hooks all passed.
    compose = "http://127.0.0.1:4566"
    if is_reachable(compose) and (report := read_init_report(compose)) is not None and report.ok:
        yield compose
        return

    from webhookstack.localstack_plugins.lambda_executor.runtime_site import ensure_runtime_site

    ensure_runtime_site(DEFAULT_STACK.function.runtime)
    engine = EmbeddedEngine(tmp_path_factory.mktemp("engine"))
    result = engine.start(free_port())
    try:
        yield result.record.endpoint
    finally:
        engine.stop()


@pytest.fixture(scope="session")
def stack():
    return DEFAULT_STACK


@pytest.fixture(scope="session")
def target(localstack_endpoint):
    from webhookstack.stack.session import Target

    return Target(endpoint_url=localstack_endpoint, region="us-east-1")


@pytest.fixture(scope="session")
def aws(target):
    """boto3 clients by service name, against the stack under test."""
    cache = {}

    def client(service: str):
        if service not in cache:
            cache[service] = target.client(service)
        return cache[service]

    return client


@pytest.fixture(scope="session")
def api_id(stack, target) -> str:
    from webhookstack.stack.inspect import find_api_id

    api = find_api_id(stack, target)
    assert api, f"API {stack.api.name} is not provisioned at {target.endpoint_url}"
    return api


@pytest.fixture(scope="session")
def stage_url(localstack_endpoint, api_id):
    """stage_url("dev") -> the execute-api URL of /webhooks on that stage."""
    from webhookstack.stack.urls import stage_url as build

    return lambda stage: build(localstack_endpoint, api_id, stage)


@pytest.fixture(scope="session")
def dev_url(stage_url) -> str:
    return stage_url("dev")


@pytest.fixture(scope="session")
def prod_url(stage_url) -> str:
    return stage_url("prod")


@pytest.fixture(scope="session")
def custom_domain(localstack_endpoint, stack):
    """custom_domain("dev") -> (url on the gateway's address, Host header) for that base path.

    The request goes to 127.0.0.1 with the domain in the Host header, so no DNS is needed.
    """
    port = localstack_endpoint.rsplit(":", 1)[1]

    def build(base_path: str) -> tuple[str, str]:
        return f"{localstack_endpoint}/{base_path}/{stack.api.resource}", f"{stack.domain.name}:{port}"

    return build


@pytest.fixture(scope="session")
def events_table(target, stack):
    return target.session.resource("dynamodb", endpoint_url=target.endpoint_url).Table(stack.table.name)
