"""`webhookstack tune`'s pieces without a stack: REPORT parsing, the cost model, strategies,
the runner's bookkeeping (against a fake Lambda client), plots."""

from __future__ import annotations

import base64
import io
import json

import pytest
from botocore.exceptions import ClientError

from webhookstack.localstack_plugins.lambda_executor.report import report_line
from webhookstack.tuning import events, pricing, stats, strategies
from webhookstack.tuning.runner import Tuner, TuneRun, sweep
from webhookstack.tuning.summary import summarise

# -- REPORT lines ------------------------------------------------------------------------


def test_report_lines_parse_warm_cold_and_aws_error_forms():
    cold = stats.report_from_line(report_line("r1", 12.341, 256, 41, 55.5))
    assert (cold.request_id, cold.duration_ms, cold.billed_ms, cold.memory_size_mb) == ("r1", 12.34, 13, 256)
    assert cold.max_memory_used_mb == 41 and cold.init_ms == 55.5 and cold.error_type is None
    aws = ("REPORT RequestId: 3f2c\tDuration: 1003.55 ms\tBilled Duration: 1004 ms\tMemory Size: 128 MB\t"
           "Max Memory Used: 128 MB\tStatus: error Error Type: Runtime.OutOfMemory")
    assert stats.report_from_line(aws).error_type == "Runtime.OutOfMemory"


def test_report_is_found_in_a_base64_log_tail():
    tail = "START RequestId: r Version: 3\nhello\nEND RequestId: r\n" + report_line("r", 1.2, 128, 30) + "\n"
    assert stats.report_from_tail(base64.b64encode(tail.encode()).decode()).billed_ms == 2
    assert stats.report_from_tail(base64.b64encode(b"no report").decode()) is None


def test_trimmed_mean_drops_the_ends():
    assert stats.trimmed_mean([1, 2, 3, 4, 100], 0.2) == 3
    assert stats.trimmed_mean([5], 0.4) == 5
    assert stats.trimmed_mean([1, 9], 0.45) == 5


# -- cost model: hand-computed ---------------------------------------------------------------


def test_cost_per_invocation_matches_hand_computed_values():
    x86, arm = pricing.price_for("x86_64"), pricing.price_for("arm64")
    # 100 ms at 1024 MB = 0.1 GB-s -> 0.1 * 0.0000166667
    assert pricing.compute_cost(100, 1024, x86) == pytest.approx(1.66667e-6)
    # 1 ms at 128 MB = 0.000125 GB-s
    assert pricing.compute_cost(1, 128, x86) == pytest.approx(2.0833375e-9)
    assert pricing.compute_cost(250, 1769, arm) == pytest.approx(0.25 * 1769 / 1024 * 0.0000133334)
    # power-tuning's base prices are these, rounded
    assert x86.per_ms_at_128mb == pytest.approx(2.1e-9, rel=0.01)
    assert arm.per_ms_at_128mb == pytest.approx(1.7e-9, rel=0.02)
    assert x86.per_request == arm.per_request == pytest.approx(2e-7)
    with pytest.raises(ValueError, match="known: x86_64, arm64"):
        pricing.price_for("mips")


# -- strategies -----------------------------------------------------------------------------

CPU_BOUND = [  # memory, trimmed billed ms: the shape of a single-threaded CPU-bound function
    (128, 1380), (256, 700), (512, 352), (1024, 178), (1769, 104), (3008, 104)
]


def _candidates(rows, price=pricing.PRICES["x86_64"]):
    return [strategies.Candidate(m, d, pricing.compute_cost(d, m, price)) for m, d in rows]


def test_strategies_on_a_cpu_bound_shape():
    cands = _candidates(CPU_BOUND)
    assert strategies.recommend(cands, "cost").memory_mb == 128  # 1380 ms * 128 MB is the least MB-ms
    assert strategies.recommend(cands, "speed").memory_mb == 1769  # ties on speed: the cheaper
    # 1769 MB: 4 % dearer than the cheapest, the fastest; 3008 MB is as fast at 1.7x the cost
    assert strategies.recommend(cands, "balanced").memory_mb == 1769
    assert strategies.recommend(cands, "balanced", weight=0.9).memory_mb == 1024
    assert strategies.recommend(cands, "balanced", weight=1).memory_mb == 128
    assert strategies.recommend(cands, "balanced", weight=0).memory_mb == 1769


def test_durations_below_the_1ms_billing_granularity_do_not_count():
    cands = [strategies.Candidate(128, 1.1, 2.3e-9), strategies.Candidate(256, 1.0, 4.2e-9)]
    assert {strategies.recommend(cands, s).memory_mb for s in strategies.STRATEGIES} == {128}


def test_balanced_score_is_the_weighted_sum_of_min_max_normalised_values():
    cands = [strategies.Candidate(128, 100, 1.0), strategies.Candidate(256, 50, 2.0), strategies.Candidate(512, 0, 3.0)]
    assert strategies.balanced_scores(cands, 0.5) == {128: 0.5, 256: 0.5, 512: 0.5}
    assert strategies.balanced_scores(cands, 0.25) == {128: 0.75, 256: 0.5, 512: 0.25}
    with pytest.raises(ValueError, match="unknown strategy"):
        strategies.recommend(cands, "vibes")
    with pytest.raises(ValueError, match="nothing to recommend"):
        strategies.recommend([], "cost")


def test_builtin_events_are_api_gateway_proxy_events():
    assert events.DEFAULT_EVENT in events.names()
    verify = json.loads(events.load("websub-verify"))
    assert verify["httpMethod"] == "GET" and verify["queryStringParameters"]["hub.challenge"]
    assert json.loads(events.load("websub-notify"))["body"] == '{"data": []}'
    with pytest.raises(KeyError):
        events.load("nope")


# -- runner against a fake Lambda ---------------------------------------------------------------


class FakeLambda:
    """Just enough of the Lambda API for the runner's bookkeeping."""

    class exceptions:
        ResourceNotFoundException = ClientError

    def __init__(self, fail_at_memory=None, billed=lambda m: 1000 * 128 // m):
        self.memory = 128
        self.versions = {"1": {"Version": "1", "Description": "", "MemorySize": 128}}
        self.aliases = {"DEV": "1", "PROD": "1"}
        self.fail_at_memory, self.billed = fail_at_memory, billed
        self.calls = []

    def get_function_configuration(self, FunctionName):
        return {"MemorySize": self.memory, "State": "Active", "LastUpdateStatus": "Successful", "Architectures": ["x86_64"]}

    def update_function_configuration(self, FunctionName, MemorySize):
        self.memory = MemorySize

    def publish_version(self, FunctionName, Description):
        v = str(max(map(int, self.versions)) + 1)
        self.versions[v] = {"Version": v, "Description": Description, "MemorySize": self.memory}
        return {"Version": v}

    def create_alias(self, FunctionName, Name, FunctionVersion, Description=""):
        self.aliases[Name] = FunctionVersion

    def delete_alias(self, FunctionName, Name):
        del self.aliases[Name]

    def delete_function(self, FunctionName, Qualifier):
        del self.versions[Qualifier]

    def get_paginator(self, op):
        fake = self

        class Pages:
            def paginate(self, FunctionName):
                if op == "list_aliases":
                    return [{"Aliases": [{"Name": n, "FunctionVersion": v} for n, v in fake.aliases.items()]}]
                return [{"Versions": [{"Version": "$LATEST"}, *fake.versions.values()]}]

        return Pages()

    def invoke(self, FunctionName, Qualifier, Payload, LogType):
        memory = self.versions[self.aliases[Qualifier]]["MemorySize"]
        if memory == self.fail_at_memory:
            raise KeyboardInterrupt  # Ctrl-C in the middle of a sweep
        line = report_line("rid", self.billed(memory) - 0.5, memory, 40)
        return {"Payload": io.BytesIO(b"{}"), "LogResult": base64.b64encode(line.encode()).decode()}


def test_runner_measures_each_size_and_leaves_the_function_as_it_found_it():
    lam = FakeLambda()
    run = Tuner(lam, sleep=lambda s: None).run("fn", [128, 256, 512], 5, b"{}")
    assert [r.memory_mb for r in run.results] == [128, 256, 512]
    assert [r.trimmed_billed_ms() for r in run.results] == [1000, 500, 250]
    assert lam.memory == 128 and lam.aliases == {"DEV": "1", "PROD": "1"} and list(lam.versions) == ["1"]


def test_interrupted_runner_still_cleans_up_and_restores_memory():
    lam = FakeLambda(fail_at_memory=512)
    with pytest.raises(KeyboardInterrupt):
        Tuner(lam, sleep=lambda s: None).run("fn", [256, 512, 1024], 3, b"{}")
    assert lam.memory == 128 and lam.aliases == {"DEV": "1", "PROD": "1"} and list(lam.versions) == ["1"]


def test_sweep_removes_only_tuning_leftovers():
    lam = FakeLambda()
    lam.versions["2"] = {"Version": "2", "Description": "webhookstack tune 256 MB"}
    lam.versions["3"] = {"Version": "3", "Description": "webhookstack tune 512 MB"}
    lam.aliases.update({"TUNE-256": "2", "DEV": "3"})  # DEV moved onto a tuning version: keep it
    assert sweep(lam, "fn") == ["alias TUNE-256", "version 2"]
    assert list(lam.versions) == ["1", "3"]


def test_summary_and_plots(tmp_path):
    pytest.importorskip("matplotlib")
    from webhookstack.tuning.plots import write_plots

    run = TuneRun("fn", "x86_64", 128)
    for memory, billed in CPU_BOUND:
        result = stats.MemoryResult(memory)
        result.reports = [stats.Report(f"r{i}", billed - 0.3, billed, memory, 40) for i in range(5)]
        run.results.append(result)
    failed = stats.MemoryResult(64)
    failed.errors, failed.error_types = 2, {"Runtime.OutOfMemory": 2}
    run.results.insert(0, failed)
    summary = summarise(run, pricing.PRICES["x86_64"], "balanced")
    assert summary.recommendations == {"cost": 128, "speed": 1769, "balanced": 1769}
    assert not summary.rows[0].usable and summary.rows[0].cost_per_invocation is None
    png, page = write_plots(summary, tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = page.read_text()
    assert "data:image/png;base64," in text and "Runtime.OutOfMemory x2" in text and "balanced" in text
