"""`doctor`: what AWS would reject and an emulator lets pass."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict

import click

from webhookstack.cli.common import aws_errors, console, out, resolve_target, state_dir_option, target_options


@click.command()
@click.option("--output", type=click.Choice(["table", "json"]), default="table", show_default=True)
@click.option("--no-probe", is_flag=True, help="Skip checks that invoke the function (it answers a signed "
              "verification challenge; nothing is stored).")
@target_options
@state_dir_option
@aws_errors
def doctor(output, no_probe, endpoint_url, region, profile, state_dir):
    """Check the deployed stack against rules AWS enforces and emulators do not.

    \b
    Rules: each alias a stage variable names exists and has its own invoke permission for
    this API; PROD is not $LATEST; every stage variable used in an integration URI is
    defined on every stage; the validator is attached where the description says; the
    custom domain maps each base path to an existing stage; the handler does not depend on
    header-name case. Each failure names the fix. Exit code 1 when anything fails.
    """
    from webhookstack.doctor import diagnose
    from webhookstack.stack.model import DEFAULT_STACK

    target = resolve_target(endpoint_url, region, profile, state_dir)
    checks = diagnose(DEFAULT_STACK, target, probe=not no_probe)
    failed = [c for c in checks if not c.ok]
    if output == "json":
        out.print_json(json.dumps([asdict(c) for c in checks]))
    else:
        for c in checks:
            mark = "[green]ok[/]  " if c.ok else "[red]FAIL[/]"
            out.print(f"{mark} {c.rule:<24} {c.subject}" + (f"  [dim]({c.problem})[/]" if c.ok and c.problem else ""))
            if not c.ok:
                out.print(f"       problem: {c.problem}")
                out.print(f"       fix:     {c.fix}")
        console.print(f"{len(checks) - len(failed)} ok, {len(failed)} failed")
    sys.exit(1 if failed else 0)
