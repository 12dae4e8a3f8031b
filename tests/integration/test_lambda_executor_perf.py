"""Numbers for the `local` executor through LocalStack: cold start, warm latency, child RSS.

Prints them (run with ``-s`` to see) and records them as junit properties; the assertions are
loose ceilings that catch a regression by an order of magnitude, not a noisy 2-core machine.
"""

from __future__ import annotations

import io
import json
import statistics
import time
import uuid
import zipfile

import boto3
import pytest
from botocore.config import Config

pytestmark = pytest.mark.integration

CODE = '''
def handler(event, context):
    if event.get("memory"):
        with open("/proc/self/status") as f:
            return {k: v.split()[0] for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}
    return {"ok": True}
'''


def test_cold_start_warm_latency_and_rss(localstack_endpoint, record_property):
    lam = boto3.client(
        "lambda",
        endpoint_url=localstack_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1, "mode": "standard"}),
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", CODE)
    name = f"exec-perf-{uuid.uuid4().hex[:8]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.13",
        Role="arn:aws:iam::000000000000:role/lambda-role",
        Handler="app.handler",
        Code={"ZipFile": buf.getvalue()},
    )
    try:
        deadline = time.monotonic() + 300
        while lam.get_function_configuration(FunctionName=name)["State"] == "Pending":
            assert time.monotonic() < deadline, "function stayed Pending"
            time.sleep(0.05)

        started = time.perf_counter()
        lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
        cold_ms = (time.perf_counter() - started) * 1000

        samples = []
        for _ in range(200):
            started = time.perf_counter()
            response = lam.invoke(FunctionName=name, Payload=b"{}")
            response["Payload"].read()
            samples.append((time.perf_counter() - started) * 1000)
            assert "FunctionError" not in response
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[int(len(samples) * 0.95) - 1]

        memory = json.loads(lam.invoke(FunctionName=name, Payload=b'{"memory": 1}')["Payload"].read())
        rss_mb = int(memory["VmRSS"]) / 1024
    finally:
        lam.delete_function(FunctionName=name)

    numbers = {"cold_ms": cold_ms, "warm_p50_ms": p50, "warm_p95_ms": p95, "child_rss_mb": rss_mb}
    for key, value in numbers.items():
        record_property(key, round(value, 2))
    print("\nlocal executor:", ", ".join(f"{k}={v:.1f}" for k, v in numbers.items()))
    assert cold_ms < 5000
    assert p50 < 100
    assert rss_mb < 100
