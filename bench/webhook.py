"""Webhook bench: POST /callback throughput and latency of the web process, beside the baseline.

    python -m bench.webhook [--quick] [--py-spy PATH]

Starts `localdev.stack.Stack` with the Procfile's `web` process only (gunicorn with its default
config: WEB_CONCURRENCY=2, gthread × 8 threads), an embedded redis-server and linesim answering
every LINE call 50 ms late (fault config `latency_ms`). A separate load-generator process
(bench/webhook_load.py) posts signed webhooks straight to /callback, one new connection each
(as LINE delivers them), one text event each with a fresh webhookEventId and replyToken:
2,000 timer webhooks ("180") at 20 concurrent, the same at 200 concurrent, then a sweep of
concurrency to find where the rate stops growing; a time-window run of the old mix (1/3 timer,
1/3 "ヘルプ", 1/3 unreadable, keep-alive clients) is kept for comparison with older figures.
The tokens are unknown to linesim, so each reply call costs the 50 ms round trip and answers
400 "Invalid reply token", which the bot's reply sender logs and shrugs off, as it does for an
expired token; the replies leave the request (bot/adapters/line/replies.py), so the latency
measured here is the webhook's own.
With --py-spy, one more 20-client run samples the gunicorn workers and prints where they spend
their time. Everything runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import report
from localdev.procfile import REPO
from localdev.stack import Stack

LATENCY_MS = 50.0
WEB_ENV = {"WEB_CONCURRENCY": "2", "GUNICORN_THREADS": "4"}  # gunicorn.conf.py's defaults
# (label, req/s, p99 ms) as /work/shared/FACTS.md states them.
BASELINES = (
    ("[FACTS] original bot, 20 concurrent (2 sync workers)", "35", "588"),
    ("before: reply in the request, gthread 2 × 8, 20 concurrent", "266", "123"),
)
GOAL = (350.0, 100.0)  # req/s and p99 ms at 20 concurrent
LINE_LIMIT_MS = 2000.0
SWEEP = (5, 10, 50, 100, 400)


@dataclass(frozen=True, slots=True)
class RunSpec:
    concurrency: int
    seconds: float = 30.0  # a bound only, for count runs
    warmup: float = 1.0
    requests: int | None = 2000
    mix: str = "timer"
    fresh: bool = True

    @property
    def label(self) -> str:
        if self.requests is None:
            return f"ours: mix, keep-alive, {self.concurrency} concurrent, {self.seconds:.0f} s"
        return f"ours: {self.requests:,} timers, {self.concurrency} concurrent, new connections"


@dataclass(frozen=True, slots=True)
class RunResult:
    spec: RunSpec
    load: dict[str, Any]  # what bench.webhook_load printed
    replies: dict[str, int]  # linesim's reply endpoint: status → calls (warm-up included)
    timers_added: int
    split: list[int]  # client connections held by each gunicorn worker, mid-run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 s runs instead of 10 s")
    parser.add_argument("--py-spy", metavar="PATH", help="py-spy binary: add a profiled run")
    args = parser.parse_args(argv)
    seconds = 5.0 if args.quick else 10.0
    specs = [RunSpec(20), RunSpec(200)]
    specs += [RunSpec(c) for c in (SWEEP[:2] + SWEEP[-1:] if args.quick else SWEEP)]
    specs.append(RunSpec(20, seconds, requests=None, mix="mix", fresh=False))
    logdir = Path(tempfile.mkdtemp(prefix="bench-webhook-"))
    started = time.monotonic()
    with Stack(WEB_ENV, processes=["web"], latency_ms=LATENCY_MS, log_dir=logdir) as stack:
        stack.sim.set_faults(latency_ms=LATENCY_MS)
        print(f"# webhook bench ({'quick' if args.quick else 'full'}): Python "
              f"{platform.python_version()}, {os.cpu_count()} CPUs, load average {_load()}; "
              f"gunicorn gthread {WEB_ENV['WEB_CONCURRENCY']} × {WEB_ENV['GUNICORN_THREADS']} "
              "(reply sender off the request), "
              f"linesim latency_ms={stack.sim.faults().get('latency_ms')}, logs in {logdir}",
              flush=True)  # fmt: skip
        results = []
        for spec in specs:
            _progress(f"{spec.label} (+{spec.warmup:.0f} s warm-up)", started)
            results.append(run(stack, spec))
        profile = None
        if args.py_spy:
            _progress(f"profiled run: 20 concurrent, {seconds:.0f} s, py-spy", started)
            profile = profile_run(
                stack, RunSpec(20, seconds, requests=None, fresh=False), Path(args.py_spy), logdir
            )
    print_all(results)
    if profile is not None:
        print(profile)
    print(f"\n(total {time.monotonic() - started:.0f} s; load average now {_load()})")
    return 0


def worker_pids(master: int) -> list[int]:
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(p) for p in path.read_text().split()]


def start_load(stack: Stack, spec: RunSpec) -> subprocess.Popen[bytes]:
    web = stack.procs["web"].pid
    watch = [f"web={pid}" for pid in [web, *worker_pids(web)]]
    if stack.simulator is not None:
        watch.append(f"linesim={stack.simulator.pid}")
    if stack.redis is not None and stack.redis.process is not None:
        watch.append(f"redis={stack.redis.process.pid}")
    argv = [
        sys.executable, "-m", "bench.webhook_load",
        "--url", stack.webhook_url,
        "--secret", stack.env["LINE_CHANNEL_SECRET"],
        "--concurrency", str(spec.concurrency),
        "--seconds", str(spec.seconds),
        "--warmup", str(spec.warmup),
        "--mix", spec.mix,
        *(["--requests", str(spec.requests)] if spec.requests else []),
        *(["--fresh"] if spec.fresh else []),
        "--watch", *watch,
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE)


def finish_load(proc: subprocess.Popen[bytes], spec: RunSpec) -> dict[str, Any]:
    # Window + warm-up + the last requests' 30 s bound + start-up.
    out, _ = proc.communicate(timeout=spec.seconds + spec.warmup + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"load generator exited with {proc.returncode}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def connections_per_worker(port: int, pids: list[int]) -> list[int]:
    """Established client connections each worker holds (keep-alive pins them to it)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    counts = []
    for pid in pids:
        fds = Path(f"/proc/{pid}/fd")
        counts.append(sum(1 for fd in fds.iterdir() if _readlink(fd) in inodes))
    return counts


def _readlink(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return ""


def drive(
    stack: Stack, spec: RunSpec, spy: Path | None = None, logdir: Path | None = None
) -> tuple[dict[str, Any], list[int], list[Path]]:
    """One load run: (its result, connections per worker mid-run, py-spy outputs)."""
    workers = worker_pids(stack.procs["web"].pid)
    proc = start_load(stack, spec)
    spies: list[tuple[Path, subprocess.Popen[bytes]]] = []
    try:
        time.sleep(spec.warmup + 0.5)  # the child's start-up, then its warm-up
        split = connections_per_worker(stack.web_port, workers)
        for pid in workers if spy is not None else []:
            out = (logdir or Path(tempfile.gettempdir())) / f"py-spy-{pid}.txt"
            argv = [str(spy), "record", "--pid", str(pid), "--rate", "200", "--nonblocking",
                    "--duration", str(int(spec.seconds - 1)), "--format", "raw",
                    "-o", str(out)]  # fmt: skip
            spies.append((out, subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                                stderr=subprocess.DEVNULL)))  # fmt: skip
        load = finish_load(proc, spec)
        for _, process in spies:
            process.wait(timeout=30)
    finally:
        for child in [proc, *(p for _, p in spies)]:
            if child.poll() is None:
                child.kill()
                child.wait(10)
    return load, split, [out for out, _ in spies if out.exists()]


def timers_logged(stack: Stack) -> int:
    """Events the web process acted on as timers, from its one log line per event (the
    storage layout is the timer store's business, the log line is the web's contract)."""
    text = stack.procs["web"].log_path.read_text(errors="replace")
    return text.count(" outcome=timer ")


def settled_replies(stack: Stack, quiet_s: float = 0.5) -> dict[str, int]:
    """linesim's reply counts once the web's reply senders have gone quiet."""
    last: dict[str, int] | None = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        raw = stack.sim.stats().get("by_endpoint", {}).get("reply", {})
        now = {str(k): int(v) for k, v in raw.items()}
        if now == last:
            break
        last = now
        time.sleep(quiet_s)  # the replies leave after the answers: wait for them to stop
    return last or {}


def run(stack: Stack, spec: RunSpec) -> RunResult:
    stack.sim.reset()
    stack.sim.set_faults(latency_ms=LATENCY_MS)
    before = timers_logged(stack)
    load, split, _ = drive(stack, spec)
    replies = settled_replies(stack)
    return RunResult(spec, load, replies, timers_logged(stack) - before, split)


def print_all(results: list[RunResult]) -> None:
    print(f"\n## Webhook: POST /callback, LINE (linesim) answering in {LATENCY_MS:.0f} ms; "
          "latency = request written → response read, ms")  # fmt: skip
    header = ["run", "req/s", "p50", "p95", "p99", "max", "non-200",
              f"> {LINE_LIMIT_MS / 1000:.0f} s (LINE's limit)", "conns per worker"]  # fmt: skip
    rows = [_row(r) for r in results]
    rows += [[label, rate, "–", "–", p99, "–", "–", "–", "–"] for label, rate, p99 in BASELINES]
    print(report.table(header, rows))
    main_run = results[0].load
    ok = main_run["rate"] >= GOAL[0] and main_run["latency"]["p99"] <= GOAL[1]
    print(f"goal at 20 concurrent: ≥ {GOAL[0]:.0f} req/s, p99 ≤ {GOAL[1]:.0f} ms → "
          f"{'met' if ok else 'NOT met'}")  # fmt: skip
    print(_saturation(results))
    cores = os.cpu_count() or 1
    print(f"\n## CPU over the measured window, % of one core ({cores} cores shared by all)")
    header = ["run", "load generator", "web (gunicorn)", "web ms/req", "linesim", "redis",
              f"whole host (of {100 * cores} %)", "other processes"]  # fmt: skip
    print(report.table(header, [_cpu_row(r, cores) for r in results]))
    print("\n## By kind (p50 / p99 ms) and what reached LINE")
    header = ["run", "timer “180”", "help", "unreadable", "LINE reply calls (status × n)",
              "timers stored", "webhook statuses"]  # fmt: skip
    print(report.table(header, [_kind_row(r) for r in results]))
    print(
        "(reply calls include the warm-up second; they answer 400 Invalid reply token by "
        "design: the\n bench signs its own events, so linesim never issued those tokens)"
    )


def _saturation(results: list[RunResult]) -> str:
    """Where the rate stops growing with concurrency (count runs only)."""
    runs = sorted((r for r in results if r.spec.requests), key=lambda r: r.spec.concurrency)
    best = max(runs, key=lambda r: r.load["rate"])
    knee = next(r for r in runs if r.load["rate"] >= 0.9 * best.load["rate"])
    return (f"saturation: {best.load['rate']:,.0f} req/s at best ({best.spec.concurrency} "
            f"concurrent); 90 % of it from {knee.spec.concurrency} concurrent on, where latency "
            "grows with concurrency instead (the 2 cores are shared with the load generator, "
            "linesim and Redis)")  # fmt: skip


def _row(r: RunResult) -> list[str]:
    load, lat = r.load, r.load["latency"]
    non200 = sum(n for status, n in load["statuses"].items() if status != "200")
    over = lat["over_2s"]
    return [r.spec.label, f"{load['rate']:,.1f}", report.ms(lat["p50"]), report.ms(lat["p95"]),
            report.ms(lat["p99"]), report.ms(lat["max"]), str(non200),
            f"{over} ({100 * over / max(1, load['requests']):.1f} %)",
            " / ".join(map(str, r.split))]  # fmt: skip


def _cpu_row(r: RunResult, cores: int) -> list[str]:
    load, secs = r.load, r.load["seconds"]
    cpu = {"client": load["client_cpu_s"], **load["cpu_s"]}
    ours = sum(cpu.values())
    host = load["host_busy"] * cores * secs
    return [r.spec.label, *(f"{100 * cpu.get(k, 0.0) / secs:.0f} %" for k in ("client", "web")),
            f"{1000 * cpu.get('web', 0.0) / max(1, load['requests']):.2f}",
            *(f"{100 * cpu.get(k, 0.0) / secs:.0f} %" for k in ("linesim", "redis")),
            f"{100 * host / secs:.0f} %",
            f"{100 * max(0.0, host - ours) / secs:.0f} %"]  # fmt: skip


def _kind_row(r: RunResult) -> list[str]:
    cells = [r.spec.label]
    for kind in ("timer", "help", "unreadable"):
        s = r.load["by_kind"].get(kind) or {"p50": float("nan"), "p99": float("nan")}
        cells.append(f"{report.ms(s['p50'])} / {report.ms(s['p99'])}")
    cells.append(", ".join(f"{k}×{v}" for k, v in sorted(r.replies.items())) or "none")
    cells.append(str(r.timers_added))
    cells.append(", ".join(f"{k}×{v}" for k, v in sorted(r.load["statuses"].items())))
    return cells


def profile_run(stack: Stack, spec: RunSpec, py_spy: Path, logdir: Path) -> str:
    """A load run with py-spy sampling each gunicorn worker over the window (not in the table)."""
    load, split, outputs = drive(stack, spec, py_spy, logdir)
    stacks: Counter[str] = Counter()
    for out in outputs:
        for line in out.read_text().splitlines():
            frames, _, count = line.rpartition(" ")
            if frames and count.isdigit():
                stacks[frames] += int(count)
    lat = load["latency"]
    head = (f"\n## Profile (py-spy record, {len(outputs)} workers, 200 Hz, on-CPU threads only; "
            f"this run: {load['rate']:,.0f} req/s, p99 {report.ms(lat['p99'])} ms, "
            f"connections per worker {split}; raw stacks in {logdir})")  # fmt: skip
    return head + "\n" + profile_tables(stacks)


def _short(frame: str) -> str:
    """`func (path/to/module.py:123)` → `func (path/to/module.py)`."""
    name, _, where = frame.partition(" (")
    return f"{name} ({where.rsplit(':', 1)[0]})" if where else name


def profile_tables(stacks: Counter[str], top: int = 15) -> str:
    """Leaf frames, then the bot's own frames and each library call the bot makes (inclusive)."""
    total = sum(stacks.values()) or 1
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    for line, count in stacks.items():
        frames = [_short(f) for f in line.split(";") if " (" in f]
        if frames:
            own[frames[-1]] += count
        mine = [f.endswith(".py)") and " (bot/" in f for f in frames]
        calls = {f for i, f in enumerate(frames) if mine[i] or (i and mine[i - 1])}
        calls |= {f for f in frames if "(gunicorn/" in f and "handle_request" in f}
        for frame in calls:
            inclusive[frame] += count
    rows_own = [[f, f"{100 * n / total:.1f} %"] for f, n in own.most_common(top)]
    rows_inc = [[f, f"{100 * n / total:.1f} %"] for f, n in inclusive.most_common(top + 10)]
    own_table = report.table(["self (leaf frame)", "share"], rows_own)
    inc_table = report.table(["inclusive: bot frames and the calls they make", "share"], rows_inc)
    return f"{total:,} samples\n{own_table}\n\n{inc_table}"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _progress(what: str, started: float) -> None:
    print(f"... {what} [{time.monotonic() - started:.0f} s]", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
