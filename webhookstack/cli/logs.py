"""`logs`: the function's CloudWatch Logs (handler lines, START/END/REPORT), like `sam logs`."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import click
from rich.text import Text

from webhookstack.cli.common import UserError, aws_errors, console, out, resolve_target, state_dir_option, target_options

_SINCE = re.compile(r"^(\d+)([smhd])$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def since_ms(value: str) -> int:
    """'10m' -> epoch ms ten minutes ago."""
    m = _SINCE.match(value.strip())
    if not m:
        raise UserError(f"--since {value!r}: expected a number and s, m, h or d (e.g. 10m)")
    return int((time.time() - int(m.group(1)) * _UNIT[m.group(2)]) * 1000)


def matches(pattern: str | None, message: str) -> bool:
    """CloudWatch's plain term patterns (every term, or quoted phrase, must appear), applied here
    too because emulators may ignore filterPattern; JSON and metric patterns are left to AWS."""
    if not pattern or pattern.lstrip().startswith(("{", "[")):
        return True
    terms = re.findall(r'"([^"]*)"|(\S+)', pattern)
    return all((quoted or bare) in message for quoted, bare in terms)


def _stream_filter(alias_version: str | None) -> str | None:
    # LocalStack (and AWS) name streams YYYY/MM/DD/[VERSION]id: the version picks an alias's code.
    return f"[{alias_version}]" if alias_version else None


@click.command()
@click.option("--stage", help="Only what this stage's alias runs (dev, prod).")
@click.option("--since", "since", default="10m", show_default=True, help="How far back: 30s, 10m, 2h, 1d.")
@click.option("--filter", "pattern", help="Terms every line must contain (CloudWatch filter pattern), e.g. "
              "REPORT or a message id.")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until Ctrl-C.")
@target_options
@state_dir_option
@aws_errors
def logs(stage, since, pattern, follow, endpoint_url, region, profile, state_dir):
    """Print the function's log lines: its own output and START/END/REPORT (Duration, Billed
    Duration, Max Memory Used, Init Duration)."""
    from webhookstack.stack.model import DEFAULT_STACK as stack

    target = resolve_target(endpoint_url, region, profile, state_dir)
    client, lam = target.client("logs"), target.client("lambda")
    group = f"/aws/lambda/{stack.function.name}"
    version = None
    if stage:
        try:
            alias = stack.stage(stage).alias
        except KeyError:
            raise UserError(f"no stage {stage!r}; the stack has {', '.join(s.name for s in stack.stages)}") from None
        version = lam.get_alias(FunctionName=stack.function.name, Name=alias)["FunctionVersion"]
    start = since_ms(since)
    seen: set[str] = set()
    try:
        while True:
            kwargs = {"logGroupName": group, "startTime": start}
            if pattern:
                kwargs["filterPattern"] = pattern
            try:
                pages = list(client.get_paginator("filter_log_events").paginate(**kwargs))
            except client.exceptions.ResourceNotFoundException:
                pages = []
                if not follow:
                    raise UserError(f"no log group {group} yet: the function has not run")
            marker = _stream_filter(version)
            for page in pages:
                for e in page["events"]:
                    if e["eventId"] in seen or (marker and marker not in e["logStreamName"]):
                        continue
                    if not matches(pattern, e["message"]):
                        continue
                    seen.add(e["eventId"])
                    when = datetime.fromtimestamp(e["timestamp"] / 1000, UTC).strftime("%H:%M:%S.%f")[:-3]
                    # Text, not markup: log lines carry brackets ("[ERROR]", "[$LATEST]").
                    out.print(Text.assemble((when, "dim"), " ", e["message"].rstrip()), soft_wrap=True)
            if not follow:
                return
            time.sleep(1)  # polling CloudWatch Logs, as `sam logs --tail` does
    except KeyboardInterrupt:
        console.print("stopped")
