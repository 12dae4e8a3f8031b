"""What every command shares: consoles, the user-facing error, AWS error translation, options."""

from __future__ import annotations

import functools
from pathlib import Path

import click
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError
from rich.console import Console

from webhookstack.paths import DEFAULT_STATE_DIR

# soft_wrap: messages carry paths and commands people copy; never break them mid-word.
console = Console(stderr=True, soft_wrap=True)
out = Console(soft_wrap=True)


class UserError(click.ClickException):
    """An error the user can act on: printed without a traceback, exit code 1."""


def aws_errors(fn):
    """Turn botocore failures into one readable line instead of a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except NoCredentialsError:
            raise UserError("no AWS credentials found: configure a profile or pass --endpoint-url for LocalStack")
        except NoRegionError:
            raise UserError("no AWS region: pass --region or set AWS_REGION")
        except ClientError as e:
            err = e.response.get("Error", {})
            raise UserError(f"{e.operation_name}: {err.get('Code')}: {err.get('Message')}")
        except BotoCoreError as e:
            raise UserError(str(e))

    return wrapper


AWS_FLAG = "webhookstack.aws"


def _remember_aws(ctx: click.Context, _param, value: bool) -> bool:
    ctx.meta[AWS_FLAG] = value
    return value


def target_options(fn):
    # Real AWS only when asked for (--aws or --profile): a stopped local engine must never turn
    # a command into a change on whatever account the shell's credentials point at.
    fn = click.option("--aws", is_flag=True, expose_value=False, callback=_remember_aws,
                      help="Target real AWS with the usual credential chain (environment, ~/.aws).")(fn)
    fn = click.option("--profile", help="Target real AWS with this profile (implies --aws).")(fn)
    fn = click.option("--region", envvar="AWS_REGION", help="AWS region.")(fn)
    fn = click.option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        help="Endpoint of a local stack (e.g. http://127.0.0.1:4566). "
        "Default: the embedded engine `webhookstack up` started.",
    )(fn)
    return fn


def state_dir_option(fn):
    return click.option(
        "--state-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_STATE_DIR,
        show_default=True,
        envvar="WEBHOOKSTACK_STATE_DIR",
        help="Folder holding the embedded engine's files.",
    )(fn)


def wants_aws(profile: str | None) -> bool:
    """True when the command was asked to target real AWS (--aws or --profile)."""
    ctx = click.get_current_context(silent=True)
    return bool(profile) or bool(ctx and ctx.meta.get(AWS_FLAG))


def resolve_target(endpoint_url, region, profile, state_dir: Path | None = None):
    """The stack a command talks to: --endpoint-url, else real AWS if asked for, else the
    running embedded engine; a clear error when there is none."""
    from webhookstack.engine.embedded import EmbeddedEngine
    from webhookstack.stack.session import Target

    if endpoint_url is None and not wants_aws(profile):
        rec = EmbeddedEngine(state_dir).running() if state_dir is not None else None
        if rec is None:
            raise UserError(
                f"no stack to talk to: the embedded engine is not running ({state_dir}); start it with "
                "`webhookstack up`, or pass --endpoint-url URL, or --aws / --profile P for real AWS"
            )
        endpoint_url = rec.endpoint
    return Target(endpoint_url=endpoint_url, region=region, profile=profile)
