"""`publish`, `promote`, `rollback`: move aliases, never the API."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from webhookstack.cli.common import UserError, aws_errors, console, resolve_target, state_dir_option, target_options


def _stack(code_dir: Path | None):
    from webhookstack.stack.model import DEFAULT_STACK

    if code_dir is None:
        return DEFAULT_STACK
    return dataclasses.replace(DEFAULT_STACK, function=dataclasses.replace(DEFAULT_STACK.function, code_dir=code_dir))


def _run(step, *args, **kwargs):
    from webhookstack.release.flow import ReleaseError

    try:
        return step(*args, **kwargs)
    except ReleaseError as e:
        raise UserError(str(e))


def _report(move, what: str) -> None:
    if move.changed:
        console.print(f"{move.alias}: version {move.old or '-'} -> [bold]{move.new}[/] ({what})")
    else:
        console.print(f"{move.alias}: already on version {move.new}; nothing to do")


@click.command()
@click.option("--code-dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Function code to publish (default: the project's handler/).")
@target_options
@state_dir_option
@aws_errors
def publish(code_dir, endpoint_url, region, profile, state_dir):
    """Package the handler, publish a version if the code changed, point DEV at it."""
    from webhookstack.release.flow import publish as run

    with console.status("publishing"):
        move = _run(run, _stack(code_dir), resolve_target(endpoint_url, region, profile, state_dir))
    _report(move, "new version published" if move.published else "existing version with this code")


@click.command()
@click.option("--version", "version", help="Version to promote (default: the one DEV serves). Never $LATEST.")
@click.option("--by", "actor", help="Who promotes (recorded in the alias description; default user@host).")
@target_options
@state_dir_option
@aws_errors
def promote(version, actor, endpoint_url, region, profile, state_dir):
    """Point PROD at DEV's version (or --version N), recording who and when."""
    from webhookstack.release.flow import promote as run

    move = _run(run, _stack(None), resolve_target(endpoint_url, region, profile, state_dir), version, actor)
    _report(move, "promoted")


@click.command()
@click.option("--by", "actor", help="Who rolls back (recorded in the alias description).")
@target_options
@state_dir_option
@aws_errors
def rollback(actor, endpoint_url, region, profile, state_dir):
    """Point PROD back at the version it served before the last promote."""
    from webhookstack.release.flow import rollback as run

    move = _run(run, _stack(None), resolve_target(endpoint_url, region, profile, state_dir), actor)
    _report(move, "rolled back")
