"""`webhookstack tune` against the stack under test: a recommendation, both plot files, and the
function left exactly as provisioned (DEV/PROD untouched, no tuning versions, memory restored)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from webhookstack.cli.tune import tune
from webhookstack.stack.provision import provision

pytestmark = pytest.mark.integration


def _run(localstack_endpoint, tmp_path, *args):
    result = CliRunner().invoke(
        tune, ["--endpoint-url", localstack_endpoint, "--state-dir", str(tmp_path), "--out", str(tmp_path / "out"), *args]
    )
    assert result.exit_code == 0, result.output
    return json.loads((tmp_path / "out" / "results.json").read_text()), result.output


def _function_state(lam, name):
    versions = [v["Version"] for v in lam.list_versions_by_function(FunctionName=name)["Versions"]]
    aliases = {a["Name"]: a["FunctionVersion"] for a in lam.list_aliases(FunctionName=name)["Aliases"]}
    return versions, aliases, lam.get_function_configuration(FunctionName=name)["MemorySize"]


def test_tune_the_stacks_function_leaves_it_as_provisioned(aws, stack, target, localstack_endpoint, tmp_path):
    lam = aws("lambda")
    provision(stack, target)  # the description may be newer than the engine's provisioning
    before = _function_state(lam, stack.function.name)
    results, output = _run(localstack_endpoint, tmp_path, "--memory", "128,256", "-n", "4")
    assert set(results["recommendations"]) == {"cost", "speed", "balanced"}
    assert {r["memory_mb"] for r in results["rows"]} == {128, 256}
    assert all(r["errors"] == 0 and r["trimmed_billed_ms"] >= 1 for r in results["rows"])
    assert (tmp_path / "out" / "tune.png").stat().st_size > 1000
    assert "data:image/png;base64," in (tmp_path / "out" / "tune.html").read_text()
    assert "balanced:" in output
    assert _function_state(lam, stack.function.name) == before
    assert provision(stack, target).changes == []


def test_tune_the_cpu_bound_demo_shows_the_trade_off(aws, localstack_endpoint, tmp_path):
    results, _ = _run(localstack_endpoint, tmp_path, "--demo", "--memory", "256,1769", "-n", "3", "--strategy", "speed")
    rows = {r["memory_mb"]: r for r in results["rows"]}
    assert rows[256]["trimmed_billed_ms"] > 3 * rows[1769]["trimmed_billed_ms"]  # model: 6.9x
    assert results["recommendations"]["speed"] == 1769
    with pytest.raises(aws("lambda").exceptions.ResourceNotFoundException):
        aws("lambda").get_function(FunctionName="webhookstack-tune-demo")
