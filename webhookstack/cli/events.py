"""`events`: read stored deliveries back through the table's access patterns (docs/storage.md)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import click
from rich.table import Table

from webhookstack.cli.common import UserError, aws_errors, out, resolve_target, state_dir_option, target_options

COLUMNS = ("event_time", "protocol", "message_type", "subscription_type", "broadcaster_id", "message_id",
           "function_version", "stage")


def output_option(fn):
    return click.option("--output", "-o", type=click.Choice(["table", "json"]), default="table", show_default=True)(fn)


def show(items: list[dict], output: str, title: str) -> None:
    if output == "json":
        out.print_json(json.dumps(items, default=str))
        return
    table = Table(title=title)
    for c in COLUMNS:
        table.add_column(c)
    for item in items:
        table.add_row(*(str(item.get(c, "-")) for c in COLUMNS))
    out.print(table)
    if not items:
        out.print("no matching events")


def queries(endpoint_url, region, profile, state_dir):
    from webhookstack.stack.model import DEFAULT_STACK
    from webhookstack.twitch.queries import EventQueries

    target = resolve_target(endpoint_url, region, profile, state_dir)
    if target.endpoint_url is None and target.profile is None:
        raise UserError("no engine running; `webhookstack up` first, or pass --endpoint-url")
    return EventQueries(target.client("dynamodb"), DEFAULT_STACK.table)


@click.group()
def events():
    """Query stored Twitch deliveries (one Query per access pattern).

    \b
      webhookstack events by-broadcaster 12826 --type stream.online --since 2024-01-01T00:00:00Z
      webhookstack events latest SUBSCRIPTION_ID [SUBSCRIPTION_ID ...]
      webhookstack events get MESSAGE_ID
    """


@events.command("by-broadcaster")
@click.argument("broadcaster")
@click.option("--type", "sub_type", required=True, help="Subscription type, e.g. stream.online (WebSub: streams).")
@click.option("--since", help="RFC 3339 start (default: 24 hours ago).")
@click.option("--until", help="RFC 3339 end (default: now).")
@click.option("--limit", type=click.IntRange(1, 10000), help="At most this many events.")
@output_option
@target_options
@state_dir_option
@aws_errors
def by_broadcaster(broadcaster, sub_type, since, until, limit, output, endpoint_url, region, profile, state_dir):
    """Notifications of BROADCASTER of one type in a time range, oldest first."""
    now = datetime.now(timezone.utc)
    since = since or (now - timedelta(days=1)).isoformat()
    until = until or now.isoformat()
    try:
        items = queries(endpoint_url, region, profile, state_dir).by_broadcaster_type(broadcaster, sub_type, since, until, limit)
    except ValueError as e:
        raise UserError(f"--since/--until: {e}")
    show(items, output, f"{sub_type} events of {broadcaster}")


@events.command("latest")
@click.argument("subscription_ids", nargs=-1, required=True)
@click.option("--protocol", type=click.Choice(["eventsub", "websub"]), default="eventsub", show_default=True,
              help="websub subscriptions are identified by their topic URL.")
@output_option
@target_options
@state_dir_option
@aws_errors
def latest(subscription_ids, protocol, output, endpoint_url, region, profile, state_dir):
    """The newest delivery of each given subscription (one Query each)."""
    q = queries(endpoint_url, region, profile, state_dir)
    items = [i for i in (q.latest(s, protocol) for s in subscription_ids) if i]
    show(items, output, "latest per subscription")


@events.command("get")
@click.argument("message_id")
@click.option("--protocol", type=click.Choice(["eventsub", "websub"]), default="eventsub", show_default=True)
@output_option
@target_options
@state_dir_option
@aws_errors
def get(message_id, protocol, output, endpoint_url, region, profile, state_dir):
    """One delivery by message id (the deduplication key), body included with --output json."""
    item = queries(endpoint_url, region, profile, state_dir).get(message_id, protocol)
    if item is None:
        raise UserError(f"no {protocol} delivery {message_id}")
    show([item], output, f"delivery {message_id}")
