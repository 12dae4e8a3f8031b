"""The `local` Lambda executor inside a real LocalStack, driven through boto3.

Uses the session fixture ``localstack_endpoint`` (root conftest.py): e.g.
``pytest -m integration tests/integration/test_lambda_executor_e2e.py --endpoint http://127.0.0.1:4610``.
Each test deploys its own small function (unique name), so tests are independent.
"""

from __future__ import annotations

import base64
import io
import json
import re
import time
import uuid
import zipfile

import boto3
import pytest

from webhookstack.stack.polling import wait_until
from botocore.config import Config

from webhookstack.localstack_plugins.lambda_executor.interpreters import (
    SUPPORTED_RUNTIMES,
    find_interpreter,
    python_version_for_runtime,
)

pytestmark = pytest.mark.integration

ROLE = "arn:aws:iam::000000000000:role/lambda-role"

PROBE_CODE = '''
import json, os, sys, time
print("init of", os.environ["AWS_LAMBDA_FUNCTION_NAME"])

def handler(event, context):
    print("event", json.dumps(event))
    action = event.get("action")
    if action == "sleep":
        time.sleep(event["seconds"])
    elif action == "raise":
        raise ValueError("kaboom " + event.get("note", ""))
    elif action == "exit":
        os._exit(event["code"])
    elif action == "aws":
        import boto3
        return {
            "account": boto3.client("sts").get_caller_identity()["Account"],
            "tables": boto3.client("dynamodb").list_tables()["TableNames"],
            "endpoint": os.environ.get("AWS_ENDPOINT_URL"),
        }
    elif action == "imports":
        out = {}
        for name in ("localstack", "boto3", "botocore", "awslambdaric", "requests", "plux"):
            try:
                mod = __import__(name)
                out[name] = getattr(mod, "__version__", "yes")
            except ImportError:
                out[name] = None
        out["sys_path"] = sys.path
        return out
    elif action == "memory":
        with open("/proc/self/status") as f:
            return {k: v.strip() for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}
    return {
        "version": VERSION,
        "request_id": context.aws_request_id,
        "function_version": context.function_version,
        "invoked_arn": context.invoked_function_arn,
        "env": {k: os.environ.get(k) for k in event.get("env", [])},
        "python": "%d.%d" % sys.version_info[:2],
        "remaining_ms": context.get_remaining_time_in_millis(),
    }

VERSION = "__VERSION__"
'''


def zip_code(source: str, filename: str = "app.py") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(filename, source)
    return buf.getvalue()


def probe_zip(version: str = "v1") -> bytes:
    return zip_code(PROBE_CODE.replace("__VERSION__", version))


def poll(probe, what: str, timeout: float = 30.0):
    return wait_until(probe, what, timeout=timeout)


@pytest.fixture(scope="module")
def clients(localstack_endpoint):
    session = boto3.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name="us-east-1"
    )
    # no retries: a retried invoke would hide (and repeat) what is under test
    config = Config(retries={"max_attempts": 1, "mode": "standard"}, read_timeout=60)
    return {
        name: session.client(name, endpoint_url=localstack_endpoint, config=config)
        for name in ("lambda", "logs")
    }


@pytest.fixture(scope="module")
def lam(clients):
    return clients["lambda"]


@pytest.fixture(scope="module")
def logs(clients):
    return clients["logs"]


def wait_settled(lam, name: str, qualifier: str | None = None) -> dict:
    kwargs = {"FunctionName": name, **({"Qualifier": qualifier} if qualifier else {})}

    def settled():
        cfg = lam.get_function_configuration(**kwargs)
        pending = cfg["State"] == "Pending" or cfg.get("LastUpdateStatus") == "InProgress"
        return None if pending else cfg

    # generous: on a fresh machine the first function of a runtime builds its runtime site
    return poll(settled, f"function {name} to leave Pending", timeout=300)


@pytest.fixture
def deploy(lam):
    """deploy(code=..., **create_function overrides) -> function name; deleted afterwards."""
    created: list[str] = []

    def make(code: bytes | None = None, **overrides) -> str:
        name = f"exec-test-{uuid.uuid4().hex[:10]}"
        params = {
            "FunctionName": name,
            "Runtime": "python3.13",
            "Role": ROLE,
            "Handler": "app.handler",
            "Code": {"ZipFile": code if code is not None else probe_zip()},
            "Timeout": 3,
            # One vCPU: these tests are about the executor's semantics, not Lambda's CPU model
            # (at 128 MB, 0.07 vCPU, importing boto3 can outlast the 3 s timeout on a busy machine).
            "MemorySize": 1769,
            **overrides,
        }
        lam.create_function(**params)
        created.append(name)
        wait_settled(lam, name)
        return name

    yield make
    for name in created:
        try:
            lam.delete_function(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            pass


def invoke(lam, name: str, event: dict | None = None, qualifier: str | None = None):
    kwargs = {"FunctionName": name, "Payload": json.dumps(event or {}).encode(), "LogType": "Tail"}
    if qualifier:
        kwargs["Qualifier"] = qualifier
    response = lam.invoke(**kwargs)
    payload = json.loads(response["Payload"].read() or b"null")
    tail = base64.b64decode(response.get("LogResult", "")).decode()
    return response, payload, tail


def report_of(tail: str) -> dict[str, str]:
    line = next(line for line in tail.splitlines() if line.startswith("REPORT RequestId:"))
    fields = dict(part.split(": ", 1) for part in line.split("\t"))
    return fields


def test_cold_then_warm_invoke(lam, deploy):
    name = deploy()
    response, payload, tail = invoke(lam, name, {"a": 1})
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    assert payload["version"] == "v1" and payload["python"] == "3.13"
    assert payload["function_version"] == "$LATEST"
    assert 0 < payload["remaining_ms"] <= 3000
    cold = report_of(tail)
    assert "Init Duration" in cold
    assert tail.index("init of") < tail.index("START RequestId:")  # init output before START
    assert f"START RequestId: {payload['request_id']} Version: $LATEST" in tail
    assert 'event {"a": 1}' in tail

    response, payload2, tail2 = invoke(lam, name, {"a": 2})
    assert payload2["request_id"] != payload["request_id"]
    warm = report_of(tail2)
    assert "Init Duration" not in warm
    assert "init of" not in tail2  # same process: module code did not run again


def test_versions_and_aliases_run_their_own_code(lam, deploy):
    name = deploy(code=probe_zip("v1"))
    v1 = lam.publish_version(FunctionName=name)["Version"]
    lam.update_function_code(FunctionName=name, ZipFile=probe_zip("v2"))
    wait_settled(lam, name)
    v2 = lam.publish_version(FunctionName=name)["Version"]
    assert (v1, v2) == ("1", "2")
    lam.create_alias(FunctionName=name, Name="PROD", FunctionVersion=v1)
    lam.create_alias(FunctionName=name, Name="DEV", FunctionVersion=v2)
    for qualifier, expected_code, expected_version in [
        ("PROD", "v1", "1"),
        ("DEV", "v2", "2"),
        ("1", "v1", "1"),
        (None, "v2", "$LATEST"),
    ]:
        response, payload, tail = invoke(lam, name, {}, qualifier)
        assert payload["version"] == expected_code, qualifier
        assert payload["function_version"] == expected_version
        assert f"Version: {expected_version}" in tail
        assert response["ExecutedVersion"] == expected_version
        if qualifier == "PROD":
            assert payload["invoked_arn"].endswith(f":function:{name}:PROD")


def test_function_environment_variables_are_visible(lam, deploy):
    name = deploy(Environment={"Variables": {"FOO": "bar", "PATH": "/custom/bin:/usr/bin:/bin"}})
    _, payload, _ = invoke(
        lam,
        name,
        {"env": ["FOO", "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_REGION",
                 "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV", "PATH", "AWS_LAMBDA_RUNTIME_API"]},
    )
    env = payload["env"]
    assert env["FOO"] == "bar"
    assert env["AWS_LAMBDA_FUNCTION_NAME"] == name
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1769"
    assert env["AWS_REGION"] == "us-east-1"
    assert env["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.13"
    assert env["PATH"] == "/custom/bin:/usr/bin:/bin"  # unreserved: the function's value wins
    assert env["LAMBDA_TASK_ROOT"] and env["LAMBDA_TASK_ROOT"] != "/var/task"
    assert env["AWS_LAMBDA_RUNTIME_API"].startswith("127.0.0.1:")


def test_aws_endpoint_url_reaches_localstack(lam, deploy, localstack_endpoint):
    name = deploy()
    response, payload, _ = invoke(lam, name, {"action": "aws"})
    assert "FunctionError" not in response, payload
    assert payload["account"] == "000000000000"
    assert isinstance(payload["tables"], list)
    port = localstack_endpoint.rsplit(":", 1)[1]
    assert payload["endpoint"] == f"http://127.0.0.1:{port}"


def test_function_sees_runtime_site_not_localstack(lam, deploy):
    name = deploy()
    _, payload, _ = invoke(lam, name, {"action": "imports"})
    assert payload["localstack"] is None
    assert payload["plux"] is None and payload["requests"] is None
    assert payload["boto3"] == "1.42.54" and payload["botocore"] == "1.42.54"
    assert payload["awslambdaric"]
    assert not any(".venv" in p or "site-packages" in p for p in payload["sys_path"])


def test_timeout_kills_and_next_invoke_cold_starts(lam, deploy):
    name = deploy(Timeout=1)
    invoke(lam, name, {})  # warm up
    started = time.monotonic()
    response, payload, tail = invoke(lam, name, {"action": "sleep", "seconds": 10})
    elapsed = time.monotonic() - started
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Sandbox.Timedout"
    assert re.fullmatch(
        r"RequestId: \S+ Error: Task timed out after 1\.00 seconds", payload["errorMessage"]
    )
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \S+ Task timed out after 1\.00 seconds$",
                     tail, re.M)
    assert report_of(tail)["Duration"] == "1000.00 ms"
    assert elapsed < 5, f"timeout took {elapsed:.1f}s to report"

    response, payload, tail = invoke(lam, name, {})
    assert "FunctionError" not in response and payload["version"] == "v1"
    assert "Init Duration" in report_of(tail)  # a fresh process


def test_import_error_surfaces_as_aws_does(lam, deploy):
    name = deploy(code=zip_code("import no_such_module_here\n\ndef handler(e, c):\n    return 1\n"))
    for _ in range(2):  # and again: every invoke retries init, none hangs
        response, payload, _ = invoke(lam, name, {})
        assert response["FunctionError"] == "Unhandled"
        assert payload["errorType"] == "Runtime.ImportModuleError"
        assert payload["errorMessage"] == (
            "Unable to import module 'app': No module named 'no_such_module_here'"
        )


def test_init_failure_output_reaches_cloudwatch_logs(lam, logs, deploy):
    code = 'print("loading config")\nimport no_such_module_here\n\ndef handler(e, c):\n    return 1\n'
    name = deploy(code=zip_code(code))
    response, _, _ = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"

    def shipped():
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        text = "".join(e["message"] for e in events)
        return text if "INIT_REPORT" in text else None

    text = poll(shipped, "the init failure in CloudWatch Logs")
    assert "loading config" in text  # the function's own output before the failure
    assert "No module named 'no_such_module_here'" in text
    assert "Status: error\tError Type: Runtime.ImportModuleError" in text


def test_missing_handler_function(lam, deploy):
    name = deploy(Handler="app.nope")
    response, payload, _ = invoke(lam, name, {})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.HandlerNotFound"


def test_handler_exception_has_type_message_and_stack(lam, deploy):
    name = deploy()
    response, payload, tail = invoke(lam, name, {"action": "raise", "note": "x"})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError"
    assert payload["errorMessage"] == "kaboom x"
    assert any("in handler" in frame for frame in payload["stackTrace"])
    assert "[ERROR] ValueError: kaboom x" in tail
    # the environment survives a handled exception: no new init
    _, _, tail = invoke(lam, name, {})
    assert "Init Duration" not in report_of(tail)


def test_runtime_exit_is_reported_and_recovers(lam, deploy):
    name = deploy()
    invoke(lam, name, {})
    response, payload, tail = invoke(lam, name, {"action": "exit", "code": 3})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert payload["errorMessage"].endswith("Error: Runtime exited with error: exit status 3")
    assert "Error Type: Runtime.ExitError" in tail
    response, payload, tail = invoke(lam, name, {})
    assert "FunctionError" not in response and "Init Duration" in report_of(tail)


def test_report_lines_reach_cloudwatch_logs(lam, logs, deploy):
    name = deploy(MemorySize=256)
    _, first, _ = invoke(lam, name, {"n": 1})
    _, second, _ = invoke(lam, name, {"n": 2})
    group = f"/aws/lambda/{name}"

    def reports():
        try:
            events = logs.filter_log_events(logGroupName=group, filterPattern="REPORT")["events"]
        except logs.exceptions.ResourceNotFoundException:
            return None
        found = {e["message"].split()[2]: e["message"] for e in events if e["message"].startswith("REPORT")}
        return found if {first["request_id"], second["request_id"]} <= found.keys() else None

    found = poll(reports, "REPORT lines in CloudWatch Logs")
    pattern = (
        r"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 256 MB\tMax Memory Used: [1-9]\d* MB{init}\n?"
    )
    assert re.fullmatch(
        pattern.format(rid=first["request_id"], init=r"\tInit Duration: \d+\.\d\d ms"),
        found[first["request_id"]],
    )
    assert re.fullmatch(pattern.format(rid=second["request_id"], init=""), found[second["request_id"]])
    messages = [e["message"] for e in logs.filter_log_events(logGroupName=group)["events"]]
    assert any(m.startswith(f"START RequestId: {second['request_id']} Version: $LATEST") for m in messages)
    assert any(m.startswith('event {"n": 2}') for m in messages)


def test_unsupported_runtime_fails_readably(lam):
    name = f"exec-test-node-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="nodejs20.x",
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": zip_code("exports.handler = async () => 1;", "index.js")},
    )
    try:
        cfg = wait_settled(lam, name)
        assert cfg["State"] == "Failed"
        assert "runtime nodejs20.x is not supported by the local executor" in cfg["StateReason"]
        with pytest.raises(lam.exceptions.ResourceConflictException):
            lam.invoke(FunctionName=name, Payload=b"{}")
    finally:
        # Plain LocalStack 4.14.0 answers 500 here (start.d fix `failed_function_delete`).
        lam.delete_function(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function(FunctionName=name)


@pytest.mark.parametrize("runtime", SUPPORTED_RUNTIMES)
def test_each_python_runtime_uses_its_own_interpreter(lam, deploy, runtime):
    if find_interpreter(python_version_for_runtime(runtime)) is None:
        pytest.skip(f"no {runtime} interpreter on this machine")
    name = deploy(Runtime=runtime)
    response, payload, _ = invoke(lam, name, {})
    assert "FunctionError" not in response, payload
    assert payload["python"] == python_version_for_runtime(runtime)
