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


def target_options(fn):
    fn = click.option("--profile", envvar="AWS_PROFILE", help="AWS profile (real AWS).")(fn)
    fn = click.option("--region", envvar="AWS_REGION", help="AWS region.")(fn)
    fn = click.option(
        "--endpoint-url",
        envvar="AWS_ENDPOINT_URL",
        help="Endpoint of a local stack (e.g. http://127.0.0.1:4566). Omit for real AWS. "
        "Defaults to the embedded engine when it runs.",
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


def resolve_target(endpoint_url, region, profile, state_dir: Path | None = None):
    from webhookstack.engine.embedded import EmbeddedEngine
    from webhookstack.stack.session import Target

    if endpoint_url is None and state_dir is not None and profile is None:
        rec = EmbeddedEngine(state_dir).running()
        if rec:
            endpoint_url = rec.endpoint
    return Target(endpoint_url=endpoint_url, region=region, profile=profile)


