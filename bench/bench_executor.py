"""Benchmark the `local` Lambda executor through LocalStack: cold start, warm invoke, child RSS.

    .venv/bin/python bench/bench_executor.py [--endpoint URL] [--invokes 200]

Without --endpoint it starts its own engine on a free port and stops it afterwards.
A trivial handler, invoked directly (no API Gateway), so the figures are the executor's
plus LocalStack's invoke pipeline.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

from webhookstack.engine.embedded import EmbeddedEngine, free_port
from webhookstack.localstack_plugins.lambda_executor.runtime_site import ensure_runtime_site
from webhookstack.stack.polling import wait_until
from webhookstack.stack.session import Target

CODE = '''
def handler(event, context):
    if event.get("memory"):
        with open("/proc/self/status") as f:
            return {k: v.split()[0] for k, v in (l.split(":", 1) for l in f) if k in ("VmRSS", "VmHWM")}
    return {"ok": True}
'''


def run(endpoint: str, invokes: int) -> dict[str, float]:
    lam = Target(endpoint_url=endpoint, region="us-east-1").client("lambda")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("app.py", CODE)
    name = f"bench-exec-{uuid.uuid4().hex[:8]}"
    lam.create_function(FunctionName=name, Runtime="python3.13", Role="arn:aws:iam::000000000000:role/bench",
                        Handler="app.handler", Code={"ZipFile": buf.getvalue()})
    try:
        wait_until(lambda: lam.get_function_configuration(FunctionName=name)["State"] == "Active", "function Active")
        t = time.perf_counter()
        lam.invoke(FunctionName=name, Payload=b"{}")["Payload"].read()
        cold_ms = (time.perf_counter() - t) * 1000
        samples = []
        for _ in range(invokes):
            t = time.perf_counter()
            r = lam.invoke(FunctionName=name, Payload=b"{}")
            r["Payload"].read()
            samples.append((time.perf_counter() - t) * 1000)
            if "FunctionError" in r:
                raise RuntimeError("the benchmark handler failed")
        samples.sort()
        memory = json.loads(lam.invoke(FunctionName=name, Payload=b'{"memory": 1}')["Payload"].read())
    finally:
        lam.delete_function(FunctionName=name)
    return {
        "cold_invoke_ms": cold_ms,
        "warm_p50_ms": statistics.median(samples),
        "warm_p95_ms": samples[int(len(samples) * 0.95) - 1],
        "child_rss_mib": int(memory["VmRSS"]) / 1024,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", help="an already running LocalStack")
    ap.add_argument("--invokes", type=int, default=200)
    args = ap.parse_args()
    ensure_runtime_site("python3.13")
    if args.endpoint:
        results = run(args.endpoint, args.invokes)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-exec-") as tmp:
            engine = EmbeddedEngine(Path(tmp))
            started = engine.start(free_port())
            try:
                results = run(started.record.endpoint, args.invokes)
            finally:
                engine.stop()
    table = Table(title=f"local executor, {args.invokes} direct invokes")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for k, v in results.items():
        table.add_row(k, f"{v:.2f}")
    Console().print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
