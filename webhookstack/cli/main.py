"""`webhookstack` command line: one module per group of commands, registered here."""

from __future__ import annotations

import os

import click

from webhookstack.cli import doctor, lifecycle, logs, release, replay
from webhookstack.cli import tune
from webhookstack.cli import events, send


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="webhookstack")
def cli():
    """The Twitch webhook topology (API Gateway -> Lambda DEV/PROD -> DynamoDB), offline.

    \b
    Start here:
      webhookstack up        start LocalStack 4.14.0 on this machine and provision the stack
      webhookstack status    what runs, where, and which version each stage serves
      webhookstack down      stop what `up` started
    """




for command in (
    lifecycle.up, lifecycle.down, lifecycle.status, lifecycle.provision, lifecycle.url,
    release.publish, release.promote, release.rollback, doctor.doctor,
    replay.replay, replay.seed, logs.logs,
    tune.tune,
    send.send, events.events,
):
    cli.add_command(command)


def main():
    # Real AWS credentials come from the usual chain; never probe the EC2 metadata address.
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    cli()


if __name__ == "__main__":
    main()
