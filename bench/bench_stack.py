"""Benchmark the embedded stack: cold `up`, first-invoke cold start, warm POST latency, memory.

    .venv/bin/python bench/bench_stack.py [--requests 300]

Starts its own engine on a free port in a temporary folder and stops it at the end.
Prints a table with each figure, its target (issue 2) and the ratio figure/target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
import requests
from rich.console import Console
from rich.table import Table

from webhookstack.engine.embedded import EmbeddedEngine, free_port
from webhookstack.localstack_plugins.lambda_executor.runtime_site import ensure_runtime_site
from webhookstack.stack.inspect import find_api_id
from webhookstack.stack.model import DEFAULT_STACK
from webhookstack.stack.polling import wait_until
from webhookstack.stack.session import Target
from webhookstack.stack.urls import stage_url
from webhookstack.twitch.builder import eventsub

TARGETS = {"up_s": 5.0, "p50_ms": 15.0, "p95_ms": 25.0, "cold_ms": 300.0}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def rss_mib(proc: psutil.Process) -> float:
    return proc.memory_info().rss / 2**20


def init_durations(target: Target) -> list[float]:
    logs = target.client("logs")
    group = f"/aws/lambda/{DEFAULT_STACK.function.name}"
    found = []
    try:
        for page in logs.get_paginator("filter_log_events").paginate(logGroupName=group):
            for e in page["events"]:
                if m := re.search(r"Init Duration: ([\d.]+) ms", e["message"]):
                    found.append(float(m.group(1)))
    except logs.exceptions.ResourceNotFoundException:
        pass  # LocalStack ships Lambda logs asynchronously: the group may not exist yet
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--requests", type=int, default=300, help="warm POSTs to time (at least 200)")
    ap.add_argument("--limits", choices=["on", "off"], default="on",
                    help="Lambda's CPU/memory model (cgroups): 'on' gives a 128 MB function 0.07 vCPU as AWS "
                         "does; 'off' measures the pipeline alone")
    args = ap.parse_args()
    # The engine inherits this; the executor reads it at start (limits.py).
    os.environ["WEBHOOKSTACK_LAMBDA_LIMITS"] = args.limits
    if args.requests < 200:
        ap.error("--requests must be at least 200")

    ensure_runtime_site(DEFAULT_STACK.function.runtime)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        engine = EmbeddedEngine(Path(tmp))
        port = free_port()
        t0 = time.perf_counter()
        started = engine.start(port)
        results["up_s"] = time.perf_counter() - t0
        try:
            target = Target(endpoint_url=started.record.endpoint, region="us-east-1")
            url = stage_url(target.endpoint_url, find_api_id(DEFAULT_STACK, target), "dev")
            http = requests.Session()
            secret = DEFAULT_STACK.function_environment(local=True)["TWITCH_WEBHOOK_SECRET"]
            # Signed, each with its own message id: every request is verified and written.
            deliveries = [eventsub("stream.online", secret=secret) for _ in range(args.requests + 21)]

            def post(d):
                return http.post(url, data=d.body, headers=dict(d.headers), timeout=60)

            t = time.perf_counter()
            first = post(deliveries.pop())
            results["cold_ms"] = (time.perf_counter() - t) * 1000
            assert first.status_code == 202, first.text
            inits = wait_until(lambda: init_durations(target), "the cold start's REPORT line", 30)
            results["init_duration_ms"] = inits[0]
            for _ in range(20):  # warm-up, not timed
                post(deliveries.pop())
            samples = []
            for _ in range(args.requests):
                d = deliveries.pop()
                t = time.perf_counter()
                r = post(d)
                samples.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 202, r.text
            results["p50_ms"] = statistics.median(samples)
            results["p95_ms"] = percentile(samples, 0.95)
            results["max_ms"] = max(samples)
            engine_proc = psutil.Process(started.record.pid)
            results["engine_rss_mib"] = rss_mib(engine_proc)
            lambdas = [p for p in engine_proc.children(recursive=True) if "awslambdaric" in " ".join(p.cmdline())]
            for i, p in enumerate(lambdas):
                results[f"lambda_{i}_rss_mib"] = rss_mib(p)
        finally:
            engine.stop()

    table = Table(title=f"webhookstack bench ({args.requests} warm signed POSTs dev -> Lambda -> DynamoDB, "
                        f"{DEFAULT_STACK.function.memory_mb} MB, limits {args.limits})")
    for col in ("figure", "value", "target", "value/target"):
        table.add_column(col, justify="right" if col != "figure" else "left")
    for key, value in results.items():
        tgt = TARGETS.get(key)
        table.add_row(key, f"{value:.2f}", f"{tgt:g}" if tgt else "-", f"{value / tgt:.2f}" if tgt else "-")
    Console().print(table)
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"stack-limits-{args.limits}-{time.strftime('%Y%m%dT%H%M%S')}.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
