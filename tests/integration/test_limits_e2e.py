"""Lambda's resource model, end to end through LocalStack's Lambda API: CPU grows with memory,
and a function that allocates beyond its memory size is stopped and reported as AWS does."""

from __future__ import annotations

import base64
import json
import re
import uuid

import pytest

from webhookstack.tuning.demo import LOCAL_ROLE, demo_zip
from webhookstack.tuning.stats import report_from_tail

pytestmark = pytest.mark.integration

PROBE = 'def handler(event, context):\n    return open("/proc/self/cgroup").read()\n'


@pytest.fixture(scope="module")
def lam(aws):
    return aws("lambda")


@pytest.fixture
def deploy(lam):
    created = []

    def make(memory_mb: int, code: bytes | None = None) -> str:
        name = f"limits-test-{uuid.uuid4().hex[:8]}"
        lam.create_function(FunctionName=name, Runtime="python3.13", Role=LOCAL_ROLE, Handler="app.handler",
                            Code={"ZipFile": code or demo_zip()}, MemorySize=memory_mb, Timeout=60)
        created.append(name)
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.5, "MaxAttempts": 240})
        return name

    yield make
    for name in created:
        lam.delete_function(FunctionName=name)


def _invoke(lam, name: str, event: dict):
    response = lam.invoke(FunctionName=name, Payload=json.dumps(event).encode(), LogType="Tail")
    return response, json.loads(response["Payload"].read()), base64.b64decode(response["LogResult"]).decode()


@pytest.fixture(scope="module")
def limits_enforced(lam):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", PROBE)
    name = f"limits-probe-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.13", Role=LOCAL_ROLE, Handler="app.handler",
                        Code={"ZipFile": buf.getvalue()}, MemorySize=128)
    try:
        lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 0.5, "MaxAttempts": 240})
        cgroup = json.loads(lam.invoke(FunctionName=name)["Payload"].read())
    finally:
        lam.delete_function(FunctionName=name)
    if "webhookstack-" not in cgroup:
        pytest.skip("the engine under test runs Lambda unlimited (see `webhookstack status`)")


def _best_billed(lam, name: str, rounds: int, runs: int = 3) -> int:
    _invoke(lam, name, {"rounds": 10})  # cold start out of the way
    return min(report_from_tail(base64.b64encode(_invoke(lam, name, {"rounds": rounds})[2].encode()).decode()).billed_ms
               for _ in range(runs))


def test_cpu_bound_handler_runs_about_4x_slower_at_a_quarter_of_1769_mb(lam, deploy, limits_enforced):
    full, quarter = deploy(1769), deploy(442)
    full_ms = _best_billed(lam, full, 12000)
    quarter_ms = _best_billed(lam, quarter, 12000)
    ratio = quarter_ms / full_ms
    print(f"billed: 1769 MB {full_ms} ms, 442 MB {quarter_ms} ms, ratio {ratio:.2f} (model {1769 / 442:.2f})")
    assert 3.0 <= ratio <= 5.0


def test_allocating_beyond_memory_size_is_stopped_and_reported_like_aws(lam, deploy, limits_enforced):
    name = deploy(128)
    _invoke(lam, name, {"rounds": 1})
    response, payload, tail = _invoke(lam, name, {"allocate_mb": 200})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.OutOfMemory"
    assert re.fullmatch(r"RequestId: \S+ Error: Runtime exited with error: signal: killed", payload["errorMessage"])
    report = next(line for line in tail.splitlines() if line.startswith("REPORT"))
    assert "\tMemory Size: 128 MB\tMax Memory Used: 128 MB\t" in report
    assert report.endswith("Status: error\tError Type: Runtime.OutOfMemory")
    # within the limit it works, and the next invoke is a cold start
    response, payload, tail = _invoke(lam, name, {"allocate_mb": 30})
    assert "FunctionError" not in response and payload == {"allocated_mb": 30}
    assert "Init Duration" in tail
