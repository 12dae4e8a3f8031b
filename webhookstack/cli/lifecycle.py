"""`up`, `down`, `status`, `provision`: the stack's lifecycle."""

from __future__ import annotations

import shutil
import subprocess
import sys

import click
from rich.table import Table

from webhookstack.cli.common import (
    UserError, aws_errors, console, out, resolve_target, state_dir_option, target_options, wants_aws,
)
from webhookstack.paths import PROJECT_ROOT


@click.command()
@click.option("--port", type=click.IntRange(1, 65535), default=4566, show_default=True, help="Gateway port.")
@click.option("--engine", type=click.Choice(["auto", "embedded", "docker"]), default="auto", show_default=True,
              help="docker: `docker compose up` (LocalStack's image); embedded: LocalStack on this machine; "
              "auto: docker when a Docker engine answers, else embedded.")
@click.option("--docker", is_flag=True, hidden=True, help="Same as --engine docker.")
@click.option("--timeout", type=float, default=120.0, show_default=True, help="Seconds to wait for readiness.")
@state_dir_option
def up(port, engine, docker, timeout, state_dir):
    """Start LocalStack 4.14.0 and provision the stack (embedded on this machine when there is no Docker)."""
    if docker:
        engine = "docker"
    if engine == "auto":
        engine = "docker" if _docker_engine_answers() else "embedded"
        console.print(f"engine: {engine} ({'a Docker engine answers' if engine == 'docker' else 'no Docker engine'}; "
                      "--engine to choose)")
    if engine == "docker":
        if port != 4566:
            raise UserError("--port applies to the embedded engine; docker-compose.yml publishes 4566")
        return _compose_up(timeout)
    from webhookstack.engine.embedded import EmbeddedEngine, EngineError

    _ensure_lambda_runtime()
    embedded = EmbeddedEngine(state_dir)
    try:
        with console.status("starting LocalStack") as status:
            result = embedded.start(port, timeout=timeout, on_progress=lambda m: status.update(m))
    except EngineError as e:
        raise UserError(str(e))
    console.print(f"[green]up[/] in {result.seconds:.1f}s (pid {result.record.pid}, log {embedded.log_file})")
    _print_stack_table(resolve_target(result.record.endpoint, None, None))


def _docker_engine_answers() -> bool:
    if shutil.which("docker") is None:
        return False
    try:
        return subprocess.run(["docker", "info"], capture_output=True, timeout=10).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _ensure_lambda_runtime():
    """Build the Lambda runtime's site (boto3 + awslambdaric) before LocalStack needs it."""
    from webhookstack.localstack_plugins.lambda_executor.runtime_site import ensure_runtime_site
    from webhookstack.stack.model import DEFAULT_STACK

    with console.status(f"preparing the {DEFAULT_STACK.function.runtime} Lambda runtime") as status:
        ensure_runtime_site(DEFAULT_STACK.function.runtime, on_progress=lambda m: status.update(m))


def _compose_up(timeout: float):
    if not _docker_engine_answers():
        raise UserError("no Docker engine answers; `webhookstack up --engine embedded` runs LocalStack on this machine")
    cmd = ["docker", "compose", "up", "-d", "--wait", "--wait-timeout", str(int(timeout))]
    rc = subprocess.run(cmd, cwd=PROJECT_ROOT).returncode
    if rc != 0:
        raise UserError("docker compose up failed; `docker compose logs localstack` shows why")
    _print_stack_table(resolve_target("http://127.0.0.1:4566", None, None))


@click.command()
@state_dir_option
def down(state_dir):
    """Stop what `up` started: the embedded engine's processes, or the compose project."""
    from webhookstack.engine.embedded import EmbeddedEngine

    rec = EmbeddedEngine(state_dir).stop()
    if rec is None and _docker_engine_answers():
        rc = subprocess.run(["docker", "compose", "down"], cwd=PROJECT_ROOT).returncode
        if rc != 0:
            raise UserError("docker compose down failed")
    elif rec is None:
        console.print(f"nothing to stop: no engine recorded in {state_dir}")
    else:
        console.print(f"stopped engine pid {rec.pid} (port {rec.port})")


@click.command()
@target_options
@state_dir_option
@aws_errors
def status(endpoint_url, region, profile, state_dir):
    """Report the engine and, per stage: stage variable -> alias -> version -> code hash."""
    from webhookstack.engine.embedded import EmbeddedEngine
    from webhookstack.engine.readiness import read_init_report

    rec = EmbeddedEngine(state_dir).running()
    if endpoint_url is None and not wants_aws(profile):
        if rec is None:
            console.print(f"embedded engine: [red]not running[/] (state {state_dir}); `webhookstack up` starts it")
            sys.exit(3)
        report = read_init_report(rec.endpoint)
        hooks = "unknown" if report is None else ("ok" if report.ok else "FAILED: " + ", ".join(s.name for s in report.failed) or "starting")
        console.print(f"embedded engine: [green]running[/] pid {rec.pid}, {rec.endpoint}, init hooks {hooks}")
        from webhookstack.localstack_plugins.lambda_executor.limits import status_line

        console.print(status_line(state_dir / "tmp", rec.pid))  # the engine's TMPDIR
    _print_stack_table(resolve_target(endpoint_url, region, profile, state_dir))


@click.command()
@target_options
@state_dir_option
@aws_errors
def provision(endpoint_url, region, profile, state_dir):
    """Create or heal the stack from its description (idempotent), locally or on AWS."""
    from webhookstack.stack.model import DEFAULT_STACK
    from webhookstack.stack.provision import provision as run

    target = resolve_target(endpoint_url, region, profile, state_dir)
    where = target.endpoint_url or f"AWS ({target.region_name})"
    console.print(f"provisioning {where}")
    outcome = run(DEFAULT_STACK, target, on_change=lambda c: console.print(f"  {c}"))
    if not outcome.changes:
        console.print("[green]nothing to change[/]: the stack matches its description")
    else:
        console.print(f"[green]{len(outcome.changes)} change(s)[/]")
    _print_stack_table(target)


def _print_stack_table(target) -> None:
    from webhookstack.stack.inspect import inspect_stack
    from webhookstack.stack.model import DEFAULT_STACK

    view = inspect_stack(DEFAULT_STACK, target)
    if view.api_id is None:
        console.print("no API provisioned yet; `webhookstack provision` creates it")
        return
    table = Table(title=f"{DEFAULT_STACK.api.name} ({view.api_id})")
    for col in ("stage", "lambdaAlias", "version", "code sha256", "last modified", "released"):
        table.add_column(col)
    for s in view.stages:
        table.add_row(s.stage, s.alias or "-", s.version or "-", (s.code_sha256 or "-")[:12],
                      (s.last_modified or "-")[:19], s.released or "-")
    out.print(table)
    # URLs outside the table: a narrow terminal must not truncate what people copy.
    for s in view.stages:
        out.print(f"{s.stage}: {stage_urls(target, view.api_id, s.stage)[0]}", soft_wrap=True)
    for _, url in domain_urls(target):
        out.print(f"custom domain: {url}", soft_wrap=True)


def stage_urls(target, api_id: str, stage: str) -> list[str]:
    from webhookstack.stack.urls import stage_url

    if target.is_local:
        return [stage_url(target.endpoint_url, api_id, stage)]
    return [f"https://{api_id}.execute-api.{target.region_name}.amazonaws.com/{stage}/webhooks"]


def domain_urls(target) -> list[tuple[str, str]]:
    from webhookstack.stack.model import DEFAULT_STACK
    from webhookstack.stack.urls import custom_domain_url

    d = DEFAULT_STACK.domain
    if not target.is_local:
        return [(bp, f"https://{d.name}/{bp}/webhooks") for bp, _ in d.base_paths] if d.certificate_arn else []
    return [(bp, custom_domain_url(target.endpoint_url, d.name, bp)) for bp, _ in d.base_paths]


@click.command()
@click.argument("stage")
@click.option("--domain", is_flag=True, help="The custom-domain URL (base path = STAGE's mapping) instead.")
@target_options
@state_dir_option
@aws_errors
def url(stage, domain, endpoint_url, region, profile, state_dir):
    """Print the webhook URL of STAGE (dev, prod), for scripts: curl "$(webhookstack url dev)"."""
    from webhookstack.stack.inspect import find_api_id
    from webhookstack.stack.model import DEFAULT_STACK

    names = [s.name for s in DEFAULT_STACK.stages]
    if stage not in names:
        raise UserError(f"no stage {stage!r}; the stack has {', '.join(names)}")
    target = resolve_target(endpoint_url, region, profile, state_dir)
    if domain:
        by_stage = {st: bp for bp, st in DEFAULT_STACK.domain.base_paths}
        urls = dict(domain_urls(target))
        if by_stage.get(stage) not in urls:
            raise UserError(f"no custom-domain mapping for stage {stage}")
        out.print(urls[by_stage[stage]], soft_wrap=True)
        return
    api_id = find_api_id(DEFAULT_STACK, target)
    if api_id is None:
        raise UserError("the API is not provisioned; `webhookstack provision` creates it")
    out.print(stage_urls(target, api_id, stage)[0], soft_wrap=True)
