import pytest
from click.testing import CliRunner

from webhookstack.cli.main import cli


def test_help_lists_the_lifecycle_commands():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("up", "down", "status", "provision"):
        assert f"  {command} " in result.output


def test_down_with_nothing_running_says_so(tmp_path):
    result = CliRunner().invoke(cli, ["down", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0
    assert "nothing to stop" in result.output


def test_status_without_engine_exits_non_zero_with_a_hint(tmp_path):
    result = CliRunner().invoke(cli, ["status", "--state-dir", str(tmp_path)])
    assert result.exit_code == 3
    assert "webhookstack up" in result.output


def test_provision_against_nothing_is_a_clear_error_not_a_traceback(tmp_path):
    result = CliRunner().invoke(
        cli, ["provision", "--endpoint-url", "http://127.0.0.1:9", "--state-dir", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "Could not connect" in result.output


def test_log_filter_terms_and_phrases():
    from webhookstack.cli.logs import matches

    assert matches("REPORT", "REPORT RequestId: x")
    assert not matches("REPORT", "START RequestId: x")
    assert matches('"Init Duration" REPORT', "REPORT RequestId: x\tInit Duration: 3 ms")
    assert not matches('"Init Duration" REPORT', "REPORT RequestId: x")
    assert matches(None, "anything") and matches('{ $.outcome = "stored" }', "left to AWS")


@pytest.mark.parametrize("command", [["provision"], ["publish"], ["promote"], ["doctor"], ["url", "dev"],
                                     ["replay", "-"], ["logs"]])
def test_no_engine_and_no_aws_flag_never_falls_through_to_real_aws(command, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "production")  # a shell pointed at a real account
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    event = '{"httpMethod": "GET", "path": "/webhooks"}'
    result = CliRunner().invoke(cli, [*command, "--state-dir", str(tmp_path)], input=event)
    assert result.exit_code == 1, result.output
    assert "no stack to talk to" in result.output and "--aws" in result.output
