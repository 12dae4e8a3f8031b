"""Ship what a runtime printed before failing its init to CloudWatch Logs.

LocalStack stores Lambda logs only with an invocation's result; when init fails (an import
error, a crash at module level) it gets a StatusErrorException and the function's own
output is dropped. On AWS that output, and an INIT_REPORT line, are in the function's log
group: the traceback of a `Runtime.ImportModuleError` is exactly what a developer needs.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import date

LOG = logging.getLogger(__name__)


def init_report_line(init_ms: float, error_type: str | None) -> str:
    line = f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error"
    return line + (f"\tError Type: {error_type}" if error_type else "")


def ship(function_version, environment_id: str, text: str) -> None:
    """Put `text` into /aws/lambda/<name>, stream as LocalStack names it, in the background."""
    group = f"/aws/lambda/{function_version.id.function_name}"
    stream = f"{date.today():%Y/%m/%d}/[{function_version.id.qualifier}]{environment_id}"
    events = [{"timestamp": int(time.time() * 1000), "message": line + "\n"} for line in text.splitlines() if line]
    if not events:
        return

    def put() -> None:
        from localstack.aws.connect import connect_to

        logs = connect_to(region_name=function_version.id.region,
                          aws_access_key_id=function_version.id.account).logs
        try:
            try:
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
            except logs.exceptions.ResourceNotFoundException:
                try:
                    logs.create_log_group(logGroupName=group)
                except logs.exceptions.ResourceAlreadyExistsException:
                    pass
                try:
                    logs.create_log_stream(logGroupName=group, logStreamName=stream)
                except logs.exceptions.ResourceAlreadyExistsException:
                    pass
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=events)
        except Exception as e:  # the invocation's error still reaches the caller; say why logs did not
            LOG.warning("could not store the init logs of %s in %s: %s", function_version.qualified_arn, group, e)

    threading.Thread(target=put, name=f"lambda-init-logs-{environment_id}", daemon=True).start()
