"""Plain-text tables of the bench results, beside the baselines of /work/shared/FACTS.md."""

from __future__ import annotations

import math
from collections.abc import Sequence

from bench.jitter import Jitter
from bench.load import Lateness
from bench.precision import Precision, Throughput
from bench.scale import ClaimCost, Scale

MB = 1_000_000
HEROKU_PLANS = (("mini", 25 * MB), ("premium-0", 50 * MB))

# (run, p50, p99, max, early) as FACTS.md states them.
PRECISION_BASELINES = (
    ("original bot: burst 500 × 3–10 s", "9700", "21300", "–", "–"),
    ("original bot: light load", "300", "–", "1370", "some"),
    ("RQ 3.0 scheduler (FACTS, 200 jobs)", "400", "1090", "–", "27/200, ≤280 ms"),
    ("BullMQ 5.81: burst 500, conc. 50", "47–50", "96–97", "~100", "0"),
)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first column left-aligned, the rest right."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        out = [str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in
               enumerate(zip(cells, widths, strict=True))]  # fmt: skip
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in rows)])


def ms(value: float, digits: int = 1) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.{digits}f}" if abs(value) < 1000 else f"{value:,.0f}"


def lateness_row(label: str, late: Lateness, goal: str, jitter: Jitter | None = None) -> list[str]:
    values = late.values
    noise = f"{jitter.p99_ms:.1f} / {jitter.max_ms:.1f}" if jitter else ""
    return [
        label,
        str(len(values)),
        ms(late.pct(50)),
        ms(late.pct(99)),
        ms(max(values) if values else math.nan),
        ms(min(values) if values else math.nan),
        str(late.early),
        f"{late.missing}/{late.duplicates}",
        noise,
        goal,
    ]


def precision_table(
    ours: Sequence[tuple[Precision, str]], others: Sequence[tuple[str, Lateness]]
) -> str:
    header = ["run (lateness, ms)", "n", "p50", "p99", "max", "min", "early", "miss/dup",
              "host jitter p99/max", "goal"]  # fmt: skip
    rows = [lateness_row(p.label, p.lateness, goal, p.jitter) for p, goal in ours]
    rows += [lateness_row(label, late, "–") for label, late in others]
    for label, p50, p99, top, early in PRECISION_BASELINES:
        rows.append([f"[FACTS] {label}", "", p50, p99, top, "", early, "", "", ""])
    return table(header, rows)


def throughput_table(runs: Sequence[Throughput]) -> str:
    header = ["run", "pushes/s", "drain s", "429s", "p50 ms", "p99 ms", "max ms",
              "miss/dup", "worker CPU", "CPU µs/push", "→ /s a core", "LINE-fake CPU"]  # fmt: skip
    rows = []
    for t in runs:
        late = t.lateness
        rows.append([
            t.label,
            f"{t.rate_per_s:,.0f}",
            f"{t.drain_s:.2f}",
            str(t.status_429),
            ms(late.pct(50), 0),
            ms(late.pct(99), 0),
            ms(max(late.values) if late.values else math.nan, 0),
            f"{late.missing}/{late.duplicates}",
            f"{t.worker_cpu_pct:.0f} %",
            f"{t.worker_cpu_us_per_push:.0f}",
            f"{1e6 / t.worker_cpu_us_per_push:,.0f}" if t.worker_cpu_us_per_push > 0 else "–",
            f"{t.line_cpu_pct:.0f} %",
        ])  # fmt: skip
    return table(header, rows)


def _claim_cells(cost: ClaimCost) -> list[str]:
    return [
        f"{cost.empty_p50_ms:.3f} / {cost.empty_p99_ms:.3f}",
        f"{cost.redis_usec_per_call:.0f}",
        f"{cost.due_p50_ms:.2f}",
    ]


def scale_table(scale: Scale) -> str:
    header = ["pending timers", "claim p50/p99 ms (none due)", "Redis µs/claim",
              "claim 200 due p50 ms"]  # fmt: skip
    rows = [
        [f"{scale.small.pending:,}", *_claim_cells(scale.small)],
        [f"{scale.large.pending:,}", *_claim_cells(scale.large)],
        ["[FACTS] original bot, 1,000,000", "–", "325,000 (whole set read per poll)", "–"],
    ]
    idle = [
        ["timer worker idle CPU",
         f"{scale.worker_idle_cpu_pct:.2f} % of a core over {scale.idle_window_s:.0f} s "
         f"({scale.idle_claims} claims)",
         "67 % of a core (original bot, 1 M)"],
        ["Redis CPU meanwhile", f"{scale.redis_idle_cpu_pct:.2f} % of a core", "–"],
        ["Redis memory per timer (INFO used_memory Δ / n)", f"{scale.bytes_per_timer:.0f} B",
         "goal ≤ 250 B (with the per-chat hash)"],
        ["MEMORY USAGE rem:due / n (queue only)", f"{scale.key_bytes_per_timer:.0f} B",
         f"member {scale.member_chars:.0f} chars"],
        ["insert (pipelined HSET + ZADD)", f"{scale.insert_s:.1f} s",
         f"{scale.pending / scale.insert_s:,.0f} timers/s"],
    ]  # fmt: skip
    for plan, size in HEROKU_PLANS:
        fits = int(size / scale.bytes_per_timer) if scale.bytes_per_timer > 0 else 0
        name = f"Heroku Key-Value Store {plan} ({size // MB} MB)"
        idle.append([name, f"≈ {fits:,} pending timers", "whole plan, nothing else stored"])
    detail = table([f"with {scale.pending:,} pending", "this run", "baseline / note"], idle)
    return table(header, rows) + "\n\n" + detail


def goals(
    burst: Precision, light: Precision, throughput: Sequence[Throughput], scale: Scale | None
) -> str:
    """One line per goal of the brief: the figure and OK / MISSED."""
    checks: list[tuple[str, str, bool]] = []
    b, li = burst.lateness, light.lateness
    checks.append(("burst p99 ≤ 20 ms", ms(b.pct(99)), b.pct(99) <= 20))
    checks.append(("burst max ≤ 100 ms", ms(max(b.values, default=math.nan)),
                   max(b.values, default=math.inf) <= 100))  # fmt: skip
    checks.append(("never early, none missing or repeated",
                   f"early {b.early + li.early}, missing {b.missing + li.missing}, "
                   f"dup {b.duplicates + li.duplicates}",
                   b.early + li.early + b.missing + li.missing + b.duplicates + li.duplicates
                   == 0))  # fmt: skip
    checks.append(("light p99 ≤ 10 ms", ms(li.pct(99)), li.pct(99) <= 10))
    for t in throughput:
        figure = f"{t.rate_per_s:,.0f}/s, {t.status_429} × 429, missing {t.lateness.missing}"
        ok = t.rate_per_s >= 1900 and t.status_429 == 0 and t.lateness.missing == 0
        checks.append((f"{t.label}: ≥ 2,000/s (±5 %), 0 × 429", figure, ok))
    if scale is not None:
        checks.append(("≤ 250 B per pending timer", f"{scale.bytes_per_timer:.0f} B",
                       scale.bytes_per_timer <= 250))  # fmt: skip
    return table(["goal", "measured", "verdict"],
                 [[g, m, "OK" if ok else "MISSED"] for g, m, ok in checks])  # fmt: skip
