"""The tables of bench/formation.py: each figure beside the goal and the outside harness's."""

from __future__ import annotations

import os
from typing import Any

from bench import report

CONCURRENCY = 20
LOAD_REQUESTS = 2000
PUSH_WAIT_S = 6.0  # after the load: the pushes of the shortest timers go out
GOALS = {"burst_p50": 300.0, "burst_p99": 2000.0, "load_rate": 350.0, "load_p99": 100.0}
HARNESS = {"burst_p50": "449–728", "burst_p99": "697–920", "load_rate": "472–484",
           "load_p99": "131–150", "load_max": "227–250"}  # fmt: skip


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def print_burst(runs: list[dict[str, Any]]) -> None:
    print(
        f"\n## (a) 解析 burst: {runs[0]['users']} users × 1 at {CONCURRENCY} concurrent, ms "
        "(sent = linesim posts the webhook; reply = the reply request reaches linesim)"
    )
    header = ["run", "load avg", "sent→reply p50", "p99", "max", "webhook 200 p50/p99",
              "web sent→enqueued p50/p99", "queue →started p50/p99", "job →LINE p50/p99",
              "LINE →answered p50", "replies/pushes", "loading status×n", "burst s"]  # fmt: skip
    rows = []
    for n, r in enumerate(runs, 1):
        s = r["split"]
        rows.append([f"run {n}", r["load_avg"], report.ms(pct(s["total"], .5), 0),
                     report.ms(pct(s["total"], .99), 0), report.ms(max(s["total"] or [0]), 0),
                     *(f"{pct(s[k], .5):.0f} / {pct(s[k], .99):.0f}"
                       for k in ("webhook", "web", "queue", "job")),
                     f"{pct(s['line'], .5):.0f}", f"{r['replies']}/{r['pushes']}",
                     ",".join(f"{s}×{n}" for s, n in sorted(r["loading"].items())) or "0",
                     f"{r['seconds']:.2f}"])  # fmt: skip
    rows.append(["goal", "", f"≤ {GOALS['burst_p50']:.0f}", f"≤ {GOALS['burst_p99']:.0f}",
                 *[""] * 9])  # fmt: skip
    rows.append(["outside harness (main)", "", HARNESS["burst_p50"], HARNESS["burst_p99"],
                 *[""] * 9])  # fmt: skip
    print(report.table(header, rows))
    _print_cpu("burst", runs, lambda r: r["users"])


def print_load(runs: list[dict[str, Any]]) -> None:
    print(f"\n## (b) webhook load: {LOAD_REQUESTS:,} timer webhooks (`3`…`600`) at "
          f"{CONCURRENCY} concurrent, a new connection each, ms")  # fmt: skip
    header = ["run", "load avg", "req/s", "p50", "p99", "max", "non-200",
              "LINE during (endpoint status×n)", f"pushes by +{PUSH_WAIT_S:.0f} s"]  # fmt: skip
    rows = []
    for n, r in enumerate(runs, 1):
        lat = r["latency"]
        bad = sum(v for k, v in r["statuses"].items() if k != "200")
        during = "; ".join(f"{e} " + ",".join(f"{s}×{c}" for s, c in v.items())
                           for e, v in sorted(r["line_during"].items()))  # fmt: skip
        pushes = ",".join(f"{s}×{c}" for s, c in r["line_after"].get("push", {}).items())
        rows.append([f"run {n}", r["load_avg"], f"{r['rate']:.0f}", report.ms(lat["p50"]),
                     report.ms(lat["p99"]), report.ms(lat["max"]), str(bad), during,
                     pushes or "0"])  # fmt: skip
    rows.append(["goal", "", f"≥ {GOALS['load_rate']:.0f}", "", f"≤ {GOALS['load_p99']:.0f}",
                 "", "", "", ""])  # fmt: skip
    rows.append(["outside harness (main)", "", HARNESS["load_rate"], "", HARNESS["load_p99"],
                 HARNESS["load_max"], "", "", ""])  # fmt: skip
    print(report.table(header, rows))
    for r in runs:
        r["cpu"] = {"load generator": r["client_cpu_s"], **r["cpu_s"]}
    _print_cpu("load", runs, lambda r: r["requests"])


def _print_cpu(name: str, runs: list[dict[str, Any]], count: Any) -> None:
    kinds = list(runs[0]["cpu"])
    header = ["run", *(f"{k} s" for k in kinds), "total s", "ms per message (all)"]
    rows = [[f"{name} {n}", *(f"{r['cpu'][k]:.2f}" for k in kinds),
             f"{sum(r['cpu'].values()):.2f}",
             f"{1000 * sum(r['cpu'].values()) / max(1, count(r)):.2f}"]
            for n, r in enumerate(runs, 1)]  # fmt: skip
    print(f"CPU seconds per process ({name}, from /proc, children included):")
    print(report.table(header, rows))
