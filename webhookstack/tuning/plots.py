"""The sweep as a picture: billed duration and cost against memory (PNG), and an HTML page
that embeds the PNG (base64) with the table, so it can be mailed or archived as one file."""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

from webhookstack.tuning.summary import Summary


def render_png(summary: Summary) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    rows = [r for r in summary.rows if r.usable]
    memory = [r.memory_mb for r in rows]
    fig, ax_ms = plt.subplots(figsize=(8, 4.5), dpi=110)
    try:
        (ms_line,) = ax_ms.plot(memory, [r.trimmed_billed_ms for r in rows], "o-", color="tab:blue", label="billed duration (trimmed mean)")
        ax_ms.set_xscale("log", base=2)
        ax_ms.set_xticks(memory, [str(m) for m in memory])
        ax_ms.minorticks_off()
        ax_ms.set_xlabel("memory (MB)")
        ax_ms.set_ylabel("billed duration (ms)", color="tab:blue")
        ax_ms.set_ylim(bottom=0)
        ax_cost = ax_ms.twinx()
        (cost_line,) = ax_cost.plot(memory, [r.cost_per_million for r in rows], "s--", color="tab:red", label="compute cost / 1M invocations")
        ax_cost.set_ylabel(f"USD per 1M invocations ({summary.architecture}, compute)", color="tab:red")
        ax_cost.set_ylim(bottom=0)
        by_memory: dict[int, list[str]] = {}
        for strategy, mem in summary.recommendations.items():
            by_memory.setdefault(mem, []).append(strategy)
        for mem, names in by_memory.items():
            ax_ms.axvline(mem, color="grey", alpha=0.25, lw=6)
            ax_ms.annotate(", ".join(names), (mem, 0), xytext=(4, 4), textcoords="offset points", fontsize="small", color="dimgrey")
        best = summary.recommendations.get(summary.strategy)
        title = f"{summary.function}: {summary.strategy} -> {best} MB" if best else summary.function
        ax_ms.set_title(title)
        ax_ms.legend([ms_line, cost_line], [ms_line.get_label(), cost_line.get_label()], loc="upper center", fontsize="small")
        fig.tight_layout()
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        return buf.getvalue()
    finally:
        plt.close(fig)


def _fmt(value, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def render_html(summary: Summary, png: bytes) -> str:
    e = html.escape
    head = ("memory MB", "invocations", "errors", "avg billed ms", "trimmed billed ms", "max memory used MB",
            "USD / invocation", "USD / 1M invocations", "balanced score")
    body = []
    for r in summary.rows:
        marks = [s for s, m in summary.recommendations.items() if m == r.memory_mb]
        errors = str(r.errors) + (" (" + ", ".join(f"{k} x{v}" for k, v in r.error_types.items()) + ")" if r.error_types else "")
        cells = [f"{r.memory_mb}" + (f" <b>&larr; {e(', '.join(marks))}</b>" if marks else ""), str(r.invocations), e(errors),
                 _fmt(r.avg_billed_ms, ".1f"), _fmt(r.trimmed_billed_ms, ".1f"), str(r.max_memory_used_mb),
                 _fmt(r.cost_per_invocation, ".3e"), _fmt(r.cost_per_million, ".4f"), _fmt(r.balanced_score, ".3f")]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    recs = "".join(f"<li><b>{e(s)}</b>: {m} MB</li>" for s, m in summary.recommendations.items()) or "<li>none: every size failed</li>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tune {e(summary.function)}</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}</style>
</head><body>
<h1>Memory tuning: {e(summary.function)}</h1>
<img alt="billed duration and cost against memory" src="data:image/png;base64,{base64.b64encode(png).decode()}">
<h2>Recommendations</h2><ul>{recs}</ul>
<p>Balanced = min of {summary.balanced_weight:g} &times; normalised cost + {1 - summary.balanced_weight:g} &times; normalised duration.
Durations: trimmed mean of billed durations ({summary.trim:.0%} dropped at each end).
Price: {e(summary.architecture)}, USD {summary.price.per_gb_second} per GB-second; requests USD {summary.request_cost_per_million:.2f} per 1M, the same at every size (not included above).</p>
<table><tr>{"".join(f"<th>{h}</th>" for h in head)}</tr>{"".join(body)}</table>
</body></html>
"""


def write_plots(summary: Summary, out_dir: Path) -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    png = render_png(summary)
    png_path, html_path = out_dir / "tune.png", out_dir / "tune.html"
    png_path.write_bytes(png)
    html_path.write_text(render_html(summary, png))
    return png_path, html_path
