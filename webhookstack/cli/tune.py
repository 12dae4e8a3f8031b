"""`tune`: run a function at several memory sizes; recommend one; plot duration and cost."""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from webhookstack.cli.common import UserError, aws_errors, console, out, resolve_target, state_dir_option, target_options


def _memory_list(_ctx, _param, value: str) -> list[int]:
    try:
        sizes = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter("a comma-separated list of MB, e.g. 128,256,512") from None
    bad = [m for m in sizes if not 128 <= m <= 10240]
    if not sizes or bad:
        raise click.BadParameter(f"Lambda memory sizes are 128-10240 MB (got {value})")
    return sorted(set(sizes))


@click.command()
@click.option("--function", "function", help="Function name or ARN [default: the stack's function].")
@click.option("--memory", default="128,256,512,1024,1769,3008", show_default=True, callback=_memory_list,
              help="Memory sizes (MB) to try, comma-separated.")
@click.option("--invocations", "-n", type=click.IntRange(1, 1000), default=10, show_default=True,
              help="Invocations per memory size.")
@click.option("--payload", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="Event JSON file.")
@click.option("--event", help="Built-in event: websub-verify (default), websub-notify, empty, or eventsub-notification (signed fresh per invocation: the handler's real work).")
@click.option("--strategy", type=click.Choice(["cost", "speed", "balanced"]), default="balanced", show_default=True)
@click.option("--balanced-weight", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Weight of cost in the balanced strategy (1 - weight for speed).")
@click.option("--arch", type=click.Choice(["x86_64", "arm64"]), help="Price table [default: the function's architecture].")
@click.option("--trim", type=click.FloatRange(0, 0.45), default=0.2, show_default=True,
              help="Fraction of billed durations dropped at each end before averaging.")
@click.option("--demo", is_flag=True, help="Tune a CPU-bound demo function (deployed for the run, then deleted).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for results.json, tune.png, tune.html [default: STATE_DIR/tuning/<function>-<time>].")
@click.option("--cleanup", is_flag=True, help="Only remove TUNE-* aliases and tuning versions an interrupted run left.")
@target_options
@state_dir_option
@aws_errors
def tune(function, memory, invocations, payload, event, strategy, balanced_weight, arch, trim, demo, out_dir, cleanup,
         endpoint_url, region, profile, state_dir):
    """Measure billed duration and cost at several memory sizes and recommend one (power tuning).

    Each size gets its own version and TUNE-<MB> alias (DEV and PROD are never touched), invoked
    N times; billed durations come from the REPORT lines. Against the embedded stack by default;
    --aws or --profile (with --region) for real AWS, where invocations are billed.
    """
    if payload and event:
        raise UserError("--payload and --event are alternatives: pass one")
    target = resolve_target(endpoint_url, region, profile, state_dir)
    do_cli(target, function, memory, invocations, payload, event, strategy, balanced_weight, arch, trim, demo,
           out_dir, cleanup, state_dir)


def do_cli(target, function, memory, invocations, payload, event, strategy, balanced_weight, arch, trim, demo,
           out_dir, cleanup, state_dir):
    from webhookstack.stack.inspect import webhook_secret
    from webhookstack.stack.model import DEFAULT_STACK
    from webhookstack.tuning import events
    from webhookstack.tuning.demo import DEMO_EVENT, DEMO_FUNCTION, LOCAL_ROLE, deploy_demo
    from webhookstack.tuning.plots import write_plots
    from webhookstack.tuning.pricing import price_for
    from webhookstack.tuning.runner import Tuner, sweep
    from webhookstack.tuning.summary import summarise

    lam = target.client("lambda")
    if demo and function:
        raise UserError("--demo tunes its own function; drop --function")
    function = function or (DEMO_FUNCTION if demo else DEFAULT_STACK.function.name)
    if cleanup:
        removed = sweep(lam, function)
        console.print(f"removed {', '.join(removed)}" if removed else f"nothing to clean up on {function}")
        return
    if payload:
        body = payload.read_bytes()
    elif demo and not event:
        body = DEMO_EVENT
    elif event in events.GENERATED:
        secret = webhook_secret(lam, function)
        if not secret:
            raise UserError(f"--event {event} signs with the function's TWITCH_WEBHOOK_SECRET, which {function} "
                            "does not have in its environment")
        body = events.signed_notifications(secret)
    else:
        try:
            body = events.load(event or events.DEFAULT_EVENT)
        except KeyError as e:
            raise UserError(str(e.args[0])) from None
    try:
        json.loads(body() if callable(body) else body)
    except ValueError as e:
        raise UserError(f"the event is not JSON: {e}") from None

    where = target.endpoint_url or f"AWS ({target.region_name})"
    if demo:
        role = LOCAL_ROLE if target.is_local else _stack_role(lam, DEFAULT_STACK.function.name)
        with console.status(f"deploying the CPU-bound demo function {function}"):
            deploy_demo(lam, role, function)
    previous = signal.signal(signal.SIGTERM, _sigterm_as_interrupt)
    progress = _RichProgress()
    try:
        console.print(f"tuning [bold]{function}[/] on {where}: {', '.join(map(str, memory))} MB x {invocations} invocations")
        with progress.bars:
            run = Tuner(lam, target.client("logs"), progress).run(function, memory, invocations, body, arch)
    except KeyboardInterrupt:
        raise UserError("interrupted; the tuning aliases and versions were removed and the memory size restored")
    finally:
        signal.signal(signal.SIGTERM, previous)
        if demo:
            lam.delete_function(FunctionName=function)
    summary = summarise(run, price_for(run.architecture), strategy, trim, balanced_weight)
    _print_table(summary)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder = out_dir or Path(state_dir) / "tuning" / f"{function.rsplit(':', 1)[-1]}-{stamp}"
    png, page = write_plots(summary, folder)
    (folder / "results.json").write_text(json.dumps(summary.to_json(), indent=2))
    out.print(f"plot: {png}", soft_wrap=True)
    out.print(f"page: {page}", soft_wrap=True)
    if summary.strategy not in summary.recommendations:
        raise UserError("every memory size failed: no recommendation (see the errors column)")


def _sigterm_as_interrupt(_signum, _frame):
    raise KeyboardInterrupt


def _stack_role(lam, stack_function: str) -> str:
    try:
        return lam.get_function_configuration(FunctionName=stack_function)["Role"]
    except lam.exceptions.ResourceNotFoundException:
        raise UserError(f"--demo on AWS reuses the role of {stack_function}; provision the stack first") from None


def _print_table(summary) -> None:
    table = Table(title=f"{summary.function} ({summary.architecture}, USD {summary.price.per_gb_second}/GB-s)")
    for col in ("memory MB", "ok/errors", "avg billed ms", "trimmed billed ms", "max mem MB", "USD / 1M inv", "recommended"):
        table.add_column(col, justify="right")
    for r in summary.rows:
        marks = ", ".join(s for s, m in summary.recommendations.items() if m == r.memory_mb)
        errors = f"{r.errors}" + (f" ({', '.join(r.error_types)})" if r.error_types else "")
        table.add_row(
            str(r.memory_mb), f"{r.invocations - r.errors}/{errors}",
            "-" if r.avg_billed_ms is None else f"{r.avg_billed_ms:.1f}",
            "-" if r.trimmed_billed_ms is None else f"{r.trimmed_billed_ms:.1f}",
            str(r.max_memory_used_mb),
            "-" if r.cost_per_million is None else f"{r.cost_per_million:.4f}",
            marks,
        )
    out.print(table)
    out.print(f"requests: USD {summary.request_cost_per_million:.2f} per 1M at every size (not in the cost column)")
    for s, m in summary.recommendations.items():
        out.print(f"{s}: {m} MB" + ("  <- --strategy" if s == summary.strategy else ""))


class _RichProgress:
    """Runner progress as rich bars: one per memory size."""

    def __init__(self):
        self.bars = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"), TimeElapsedColumn(), console=console, transient=False,
        )
        self._tasks: dict[int, int] = {}

    def phase(self, text: str) -> None:
        pass  # the bars say enough; phases are for other front ends (and tests)

    def start_memory(self, memory_mb: int, total: int) -> None:
        self._tasks[memory_mb] = self.bars.add_task(f"{memory_mb:>5} MB", total=total, last="")

    def invoked(self, memory_mb: int, report) -> None:
        last = f"{report.billed_ms} ms billed" if report else "no REPORT"
        if report and report.error_type:
            last += f" [red]{report.error_type}[/]"
        self.bars.update(self._tasks[memory_mb], advance=1, last=last)

    def warn(self, text: str) -> None:
        self.bars.console.print(f"[yellow]{text}[/]")
