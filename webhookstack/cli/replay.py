"""`replay` a captured request at the stages side by side; `seed` the table from an export."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.panel import Panel
from rich.table import Table

from webhookstack.cli.common import UserError, aws_errors, console, out, resolve_target, state_dir_option, target_options


def _read_source(source: str) -> tuple[str, str]:
    if source == "-":
        return sys.stdin.read(), "stdin"
    path = Path(source)
    if not path.is_file():
        raise UserError(f"{source}: no such file (use - for standard input)")
    try:
        return path.read_text(encoding="utf-8"), str(path)
    except UnicodeDecodeError:
        raise UserError(f"{source}: not UTF-8 text; a capture is JSON (event, HAR) or a curl command line") from None


def _parse_at(value: str | None) -> datetime | None:
    if value is None:
        return None
    if value == "now":
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--at {value!r}: expected an ISO 8601 time such as 2024-05-01T12:00:00Z, or 'now'") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


@click.command()
@click.argument("source")
@click.option("--stage", "stages", multiple=True, help="Stage to replay at (repeatable; default: dev and prod).")
@click.option("--diff/--no-diff", default=True, show_default=True, help="Show the differences between the stages' answers.")
@click.option("--resign", is_flag=True, help="Re-sign with the local secret (a production signature cannot verify locally).")
@click.option("--secret", envvar="TWITCH_WEBHOOK_SECRET", help="Secret for --resign (default: the deployed function's).")
@click.option("--at", "at", help="Set the message timestamp to this time (ISO 8601 or 'now') and re-sign: "
              "moves an old capture into the 10-minute window.")
@click.option("--fresh-id", is_flag=True, help="Give each replay a new message id (and re-sign), so the "
              "handler treats it as a new delivery rather than a duplicate of the captured one.")
@click.option("--entry", type=int, default=0, show_default=True, help="Which HAR entry to replay.")
@click.option("--from-endpoint", help="For a log line: read the stored delivery from this endpoint's table "
              "(default: the stack replayed at, e.g. after `webhookstack seed`).")
@click.option("--from-profile", help="For a log line: read the stored delivery from real AWS with this profile.")
@target_options
@state_dir_option
@aws_errors
def replay(source, stages, diff, resign, secret, at, fresh_id, entry, from_endpoint, from_profile,
           endpoint_url, region, profile, state_dir):
    """Replay a captured request (API Gateway event JSON, HAR file, curl command line, a
    CloudWatch line holding an event, or the handler's own log line) at each stage, byte for
    byte, and compare the answers. A log line carries no body: the delivery is read back from
    the table by its message id and re-signed.

    SOURCE is a file, or - for standard input. Exit code 1 when the stages answer differently.
    """
    from webhookstack.replay.capture import CaptureError, detect_and_parse, from_har
    from webhookstack.replay.delivery import DeliveryRef, fetch_item, from_stored_delivery
    from webhookstack.stack.session import Target
    from webhookstack.replay.paths import resource_path
    from webhookstack.replay.prepare import prepare
    from webhookstack.replay.send import differences, send
    from webhookstack.stack.inspect import find_api_id, webhook_secret
    from webhookstack.stack.model import DEFAULT_STACK as stack
    from webhookstack.stack.urls import stage_base_url

    text, name = _read_source(source)
    try:
        if entry:
            import json

            req = from_har(json.loads(text), entry, name)
        else:
            req = detect_and_parse(text, name)
    except CaptureError as e:
        raise UserError(str(e))
    except ValueError as e:
        raise UserError(f"{name}: {e}")
    target = resolve_target(endpoint_url, region, profile, state_dir)
    if isinstance(req, DeliveryRef):
        source_target = target
        if from_endpoint or from_profile:
            source_target = Target(endpoint_url=from_endpoint, region=region, profile=from_profile)
        try:
            item = fetch_item(source_target.client("dynamodb"), stack.table.name, req)
            req = from_stored_delivery(item, req, f"/{stack.api.resource}")
        except CaptureError as e:
            raise UserError(str(e))
        resign = True  # a stored delivery carries no signature
    stages = stages or tuple(s.name for s in stack.stages)
    for s in stages:
        try:
            stack.stage(s)
        except KeyError:
            raise UserError(f"no stage {s!r}; the stack has {', '.join(x.name for x in stack.stages)}") from None
    prefixes = {s.name for s in stack.stages} | {bp for bp, _ in stack.domain.base_paths}
    req.path, stripped = resource_path(req.path, prefixes)
    if stripped:
        req.assumptions.append(f"captured under {stripped}; replayed as resource path {req.path}")
    api_id = find_api_id(stack, target)
    if api_id is None:
        raise UserError("the API is not provisioned here; `webhookstack provision` first")
    when = _parse_at(at)
    key = secret
    if (resign or when is not None or fresh_id) and not key:
        key = webhook_secret(target.client("lambda"), stack.function.name, stack.stage(stages[0]).alias)
    console.print(f"[bold]{req.method} {req.path}[/] from {req.source}: {len(req.headers)} headers, "
                  f"{len(req.query)} query values, {len(req.body)} body bytes")
    for n in req.assumptions:
        console.print(f"  assumed: {n}")
    answers = []
    for stage in stages:
        try:
            ready, notes = prepare(req, key, when, fresh_id, resign)
        except ValueError as e:
            raise UserError(str(e))
        for n in notes:
            console.print(f"  {stage}: {n}")
        answers.append(send(ready, stage, stage_base_url(target, api_id, stage)))
    table = Table(show_lines=True)
    table.add_column("")
    for a in answers:
        table.add_column(a.stage)
    table.add_row("status", *(str(a.status) for a in answers))
    table.add_row("headers", *("\n".join(f"{k}: {v}" for k, v in a.headers) for a in answers))
    table.add_row("body", *(a.text()[:2000] for a in answers))
    out.print(table)
    found = [d for a, b in zip(answers, answers[1:]) for d in differences(a, b)] if diff else []
    if diff and len(answers) > 1:
        out.print(Panel("\n".join(found) or "the stages answer the same", title="difference"))
    sys.exit(1 if found else 0)


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--clear", is_flag=True, help="Delete every item of the table first.")
@click.option("--table", "table_name", help="Table to load (default: the stack's).")
@target_options
@state_dir_option
@aws_errors
def seed(file, clear, table_name, endpoint_url, region, profile, state_dir):
    """Load DynamoDB JSON items (one per line, as an export or `aws dynamodb scan` writes them)
    into the table, so local state matches a bug report. Nothing is written if any line is bad."""
    from rich.progress import Progress

    from webhookstack.replay.seed import SeedError, seed as run
    from webhookstack.stack.model import DEFAULT_STACK

    target = resolve_target(endpoint_url, region, profile, state_dir)
    if not target.is_local and clear:
        raise UserError("--clear on a real AWS table is refused; delete items there deliberately")
    name = table_name or DEFAULT_STACK.table.name
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task(f"loading {name}", total=None)
            result = run(target.client("dynamodb"), name, file, clear,
                         on_progress=lambda done, total: progress.update(task, completed=done, total=total))
    except SeedError as e:
        raise UserError(str(e))
    console.print(f"{name}: {result.written} item(s) written" + (f", {result.deleted} deleted first" if clear else ""))
