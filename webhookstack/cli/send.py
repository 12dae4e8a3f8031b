"""`send`: signed Twitch webhook requests to a stage or any URL (like twitch-cli `event trigger`)."""

from __future__ import annotations

import json

import click

from webhookstack.cli.common import UserError, aws_errors, out, resolve_target, state_dir_option, target_options

SECRET_ENV = "TWITCH_WEBHOOK_SECRET"


def local_secret() -> str:
    """The placeholder secret the stack description gives the local function."""
    from webhookstack.stack.model import DEFAULT_STACK

    return DEFAULT_STACK.function_environment(local=True).get(SECRET_ENV, "")


def resolve_url(to: str, endpoint_url, region, profile, state_dir) -> tuple[str, bool]:
    """(url, is_local) for `--to`: a stage name (resolved from the running stack) or a URL."""
    from webhookstack.twitch.transport import is_local_url

    if "://" in to:
        return to, is_local_url(to)
    from webhookstack.cli.lifecycle import stage_urls
    from webhookstack.stack.inspect import find_api_id
    from webhookstack.stack.model import DEFAULT_STACK

    names = [s.name for s in DEFAULT_STACK.stages]
    if to not in names:
        raise UserError(f"--to {to!r}: give a stage ({', '.join(names)}) or a URL")
    target = resolve_target(endpoint_url, region, profile, state_dir)
    api_id = find_api_id(DEFAULT_STACK, target)
    if api_id is None:
        raise UserError("the API is not provisioned; `webhookstack provision` creates it")
    return stage_urls(target, api_id, to)[0], target.is_local


def pick_secret(secret: str | None, is_local: bool) -> str:
    from webhookstack.twitch.signing import check_secret

    if secret is None:
        if not is_local:
            raise UserError(f"--secret (or ${SECRET_ENV}) is required for a non-local target")
        secret = local_secret()
    try:
        return check_secret(secret)
    except ValueError as e:
        raise UserError(str(e))


def do_send(request, show_signature: bool, dry_run: bool, as_json: bool) -> None:
    from webhookstack.twitch.transport import send

    if dry_run:
        out.print(request.describe(show_signature), markup=False, highlight=False, soft_wrap=True)
        return
    try:
        answer = send(request)
    except (OSError, ValueError) as e:
        raise UserError(f"cannot reach {request.url}: {e}")
    body = answer.body.decode("utf-8", "replace")
    if as_json:
        out.print_json(json.dumps({"status": answer.status, "headers": dict(answer.headers), "body": body,
                                   "request": request.facts}))
        return
    out.print(f"HTTP {answer.status} {answer.reason}", markup=False, highlight=False)
    for k, v in answer.headers:
        out.print(f"{k}: {v}", markup=False, highlight=False, soft_wrap=True)
    out.print("", markup=False)
    out.print(body, markup=False, highlight=False, soft_wrap=True)
    if answer.status >= 400:
        raise SystemExit(1)


def common_options(fn):
    fn = click.option("--json", "as_json", is_flag=True, help="Print the answer as JSON.")(fn)
    fn = click.option("--show-signature", is_flag=True, help="With --dry-run: print the signature too.")(fn)
    fn = click.option("--dry-run", is_flag=True, help="Print the signed request instead of sending it.")(fn)
    fn = click.option("--broadcaster", default="12826", show_default=True, help="Broadcaster user id.")(fn)
    fn = click.option("--timestamp", help="Message timestamp (RFC 3339); default now. An old one tests the 10-minute window.")(fn)
    fn = click.option("--message-id", help="Message id; default a new UUID. Repeat one to test deduplication.")(fn)
    fn = click.option(
        "--secret", envvar=SECRET_ENV,
        help="HMAC secret (ASCII, 10-100 chars). Default for a local target: the stack description's placeholder.",
    )(fn)
    fn = click.option("--to", "to", default="dev", show_default=True,
                      help="dev, prod (resolved from the running stack, like `webhookstack url`) or a URL.")(fn)
    fn = target_options(fn)
    fn = state_dir_option(fn)
    return fn


@click.group()
def send():
    """Send a signed Twitch webhook to a stage or URL and print the answer.

    \b
    Examples:
      webhookstack send eventsub stream.online --to dev
      webhookstack send eventsub channel.follow --message-type verification --to prod
      webhookstack send eventsub stream.offline --message-id m-1   # twice: the second is a duplicate
      webhookstack send websub streams --offline --dry-run
      webhookstack send websub verify --mode denied
    """


@send.command("eventsub")
@click.argument("sub_type", metavar="TYPE", type=click.Choice(
    ["stream.online", "stream.offline", "channel.follow", "channel.subscribe", "channel.cheer"]))
@click.option("--message-type", type=click.Choice(["notification", "verification", "revocation"]),
              default="notification", show_default=True, help="EventSub message type.")
@click.option("--subscription-id", help="Subscription id; default a new UUID.")
@common_options
@aws_errors
def send_eventsub(sub_type, message_type, subscription_id, to, secret, message_id, timestamp, broadcaster,
                  dry_run, show_signature, as_json, endpoint_url, region, profile, state_dir):
    """An EventSub message of TYPE (channel.follow is version 2), signed over id + timestamp + body."""
    from webhookstack.twitch.builder import eventsub

    url, is_local = resolve_url(to, endpoint_url, region, profile, state_dir)
    request = eventsub(sub_type, secret=pick_secret(secret, is_local), message_type=message_type,
                       message_id=message_id, timestamp=timestamp, broadcaster=broadcaster,
                       subscription_id=subscription_id)
    do_send(request.with_url(url), show_signature, dry_run, as_json)


@send.command("websub")
@click.argument("kind", type=click.Choice(["follows", "streams", "verify"]))
@click.option("--offline", is_flag=True, help="streams: an empty `data` list (the stream went offline).")
@click.option("--mode", type=click.Choice(["subscribe", "unsubscribe", "denied"]), default="subscribe",
              show_default=True, help="verify: the hub.mode of the verification GET.")
@click.option("--topic-kind", type=click.Choice(["follows", "streams"]), default="streams", show_default=True,
              help="verify: the topic the verification is about.")
@click.option("--challenge", help="verify: hub.challenge; default random.")
@common_options
@aws_errors
def send_websub(kind, offline, mode, topic_kind, challenge, to, secret, message_id, timestamp, broadcaster,
                dry_run, show_signature, as_json, endpoint_url, region, profile, state_dir):
    """A legacy Twitch Webhooks (WebSub) notification (follows, streams) or the hub's verification GET."""
    from webhookstack.twitch.builder import websub_notification, websub_verification

    url, is_local = resolve_url(to, endpoint_url, region, profile, state_dir)
    if kind == "verify":
        request = websub_verification(mode, kind=topic_kind, broadcaster=broadcaster, challenge=challenge)
    else:
        request = websub_notification(kind, secret=pick_secret(secret, is_local), offline=offline,
                                      notification_id=message_id, timestamp=timestamp, broadcaster=broadcaster)
    do_send(request.with_url(url), show_signature, dry_run, as_json)
