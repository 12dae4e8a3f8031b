"""`webhookstack logs` shows the function's lines, per stage, with a filter."""

import pytest
import requests
from click.testing import CliRunner

from webhookstack.cli.main import cli
from webhookstack.stack.polling import wait_until

pytestmark = pytest.mark.integration


def test_logs_show_the_handler_line_and_report_for_a_request(localstack_endpoint, stage_url):
    r = requests.get(stage_url("prod"), params={"hub.challenge": "logs-cmd"}, timeout=30)
    request_id = r.headers["x-amzn-RequestId"]

    def printed():
        result = CliRunner().invoke(cli, ["logs", "--stage", "prod", "--since", "5m",
                                          "--endpoint-url", localstack_endpoint])
        return result.output if result.exit_code == 0 and request_id in result.output else None

    output = wait_until(printed, "the request's log line via `webhookstack logs`", timeout=30)
    assert "REPORT RequestId:" in output and "Billed Duration:" in output

    only_reports = CliRunner().invoke(cli, ["logs", "--filter", "REPORT", "--since", "5m",
                                            "--endpoint-url", localstack_endpoint]).output
    assert "REPORT RequestId:" in only_reports and request_id not in only_reports


def test_logs_rejects_a_bad_since(localstack_endpoint):
    result = CliRunner().invoke(cli, ["logs", "--since", "ten", "--endpoint-url", localstack_endpoint])
    assert result.exit_code == 1 and "expected a number" in result.output
