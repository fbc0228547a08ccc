"""This parser beside ja-timex and dateparser on the project's tables, read as a reminder bot.

    python -m bench.parser_peers [--rounds N]

Cases: the parser's TABLE (tests/unit/test_parsing_table.py) and the corpus files natural.txt
and negative.txt (tests/unit/parsing_corpus/), each at its own reference moment and zone.
For each reader:
- right: a reminder row got a reminder at the expected first moment; any other row got none;
- silently wrong: a timer/once/recurring at a moment other than the one expected (or a
  reminder where the row expects none) — on TABLE and natural rows;
- false positives: a reminder from a negative.txt row;
- missed: a reminder row that got no reminder (the bot says so: not silent);
- µs per message, p50 / p99.
"strict" (this parser only) also checks the kind, the label and the reason, as the tests do.
The peers are read the way a reminder bot would use them: the first datetime they find relative
to the reference; none, or one not after the reference, → no reminder. They run in their own
venv (bench/.peers-venv, created here with `pip install ja-timex dateparser`, gitignored; no
requirements file changes) through bench/peers_worker.py, one timed call per message.

Measured 2026-12-06 on the 2-CPU host (load average under 1), 5 rounds; ja-timex 0.2.8,
dateparser 1.5.0. After the rewrite (the pattern registry) and its later fixes:

    reader       set        rows  right strict silently wrong false pos missed   µs p50   µs p99
    --------------------------------------------------------------------------------------------
    this parser  table       409    409    409              0         0      0
    this parser  natural     349    349    349              0         0      0
    this parser  negative    130    130    130              0         0      0
    this parser  all         888    888    888              0         0      0       98      263
    ja_timex     all         888    281      –            190        11    406      211      473
    dateparser   all         888    349      –            342        44    153      791     2985
    bench.parser cases (9600 calls): read_message p50 0.103 ms  p99 0.898 ms

Before the rewrite (parser of commit 7f62276, 20 rounds, the 273-row table then):

    this parser  all         751    553    495             96        46     56       24      101
    ja_timex     all         751    242      –            159        11    339      187     4359
    dateparser   all         751    300      –            278        44    129      719     9245

Before the rewrite, 96 of natural.txt's 348 rows were stored at a wrong moment or where the
bot should have asked (e.g. 来月の第2月曜日 → tomorrow, 7時15分前 → 19:15) and 46 of 130
look-alikes became reminders; after it, none. The registry costs about 60 µs more per message
at the median (every entry runs over the whole text) and stays within bench.parser's 2 ms p99.
The peers find no datetime in most rows (ja-timex reads no English) and when they do, the
first one found is rarely the reminder's moment (a date alone comes back at 00:00, 明日の朝7時
as "a day from now").
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.parser import _cases as parser_bench_cases
from bot.domain.intents import Intent
from bot.domain.parsing import read_message
from tests.unit import test_parsing_corpus as corpus
from tests.unit import test_parsing_table as table

VENV = Path(__file__).parent / ".peers-venv"
WORKER = Path(__file__).parent / "peers_worker.py"
PEERS = ("ja_timex", "dateparser")
SETS = ("table", "natural", "negative")


@dataclass(frozen=True)
class Case:
    set: str
    text: str
    now: datetime
    expected: datetime | None  # the first moment of a reminder row, else None
    strict: Callable[[Intent], bool]  # this parser's full check, as the tests make it


def _table_cases() -> list[Case]:
    cases = []
    for reference, text, kind, value, label in table.ROWS:
        now = table._reference(reference)
        expected = datetime.fromisoformat(value) if kind in corpus.REMINDER_KINDS else None

        wanted = table._iso(expected) if expected is not None else value

        def strict(
            intent: Intent, now: datetime = now, row: tuple[str, ...] = (kind, wanted, label)
        ) -> bool:
            return (intent.kind, table._value(intent, now), getattr(intent, "label", "")) == row

        cases.append(Case("table", text, now, expected, strict))
    return cases


def _corpus_cases(name: str) -> list[Case]:
    cases = []
    for row in corpus.load(f"{name}.txt"):
        expected = datetime.fromisoformat(row.value) if row.kind in corpus.REMINDER_KINDS else None

        def strict(intent: Intent, row: corpus.Row = row) -> bool:
            return corpus.verdict(row, intent) is None

        cases.append(Case(name, row.text, corpus.reference_moment(row.reference), expected, strict))
    return cases


def all_cases() -> list[Case]:
    return _table_cases() + _corpus_cases("natural") + _corpus_cases("negative")


@dataclass
class Tally:
    rows: int = 0
    right: int = 0
    silently_wrong: int = 0
    false_positives: int = 0
    missed: int = 0
    strict: int = 0

    def add(self, case: Case, found: datetime | None, strict: bool = False) -> None:
        self.rows += 1
        self.strict += strict
        # timestamps: an ambiguous local time never compares equal across zones (PEP 495)
        if found is not None and found.timestamp() <= case.now.timestamp():
            found = None  # a bot refuses a moment that has passed
        if case.expected is None:
            if found is None:
                self.right += 1
            elif case.set == "negative":
                self.false_positives += 1
            else:
                self.silently_wrong += 1
        elif found is None:
            self.missed += 1
        elif found.timestamp() == case.expected.timestamp():
            self.right += 1
        else:
            self.silently_wrong += 1


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def run_this_parser(cases: list[Case], rounds: int) -> tuple[dict[str, Tally], list[float]]:
    tallies = {name: Tally() for name in SETS}
    timings: list[float] = []
    for case in cases:  # warm-up round, and the verdicts
        intent = read_message(case.text, now=case.now)
        found = corpus.first_moment(intent, case.now)
        tallies[case.set].add(case, found, strict=case.strict(intent))
    for _ in range(rounds):
        for case in cases:
            started = time.perf_counter()
            read_message(case.text, now=case.now)
            timings.append((time.perf_counter() - started) * 1e6)
    return tallies, timings


def ensure_venv() -> Path:
    python = VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "ja-timex", "dateparser"],
                       check=True)  # fmt: skip
    return python


def run_peers(cases: list[Case]) -> dict[str, tuple[dict[str, Tally], list[float]]]:
    python = ensure_venv()
    payload = [
        {"text": c.text, "now": c.now.isoformat(), "zone": str(getattr(c.now.tzinfo, "key", ""))}
        for c in cases
    ]
    done = subprocess.run([str(python), str(WORKER)], input=json.dumps(payload), text=True,
                          capture_output=True, check=True)  # fmt: skip
    answers = json.loads(done.stdout)
    results = {}
    for peer in PEERS:
        tallies = {name: Tally() for name in SETS}
        for case, answer in zip(cases, answers, strict=True):
            found = datetime.fromisoformat(answer[peer]) if answer[peer] else None
            tallies[case.set].add(case, found)
        results[peer] = (tallies, [answer[f"{peer}_us"] for answer in answers])
    return results


def parser_bench_figures(rounds: int) -> tuple[float, float, int]:
    """p50/p99 in ms over bench.parser's own cases, as `python -m bench.parser` prints them."""
    cases = parser_bench_cases()
    for text, now in cases:
        read_message(text, now=now)
    timings = []
    for _ in range(rounds):
        for text, now in cases:
            started = time.perf_counter()
            read_message(text, now=now)
            timings.append((time.perf_counter() - started) * 1000)
    return _percentile(timings, 0.5), _percentile(timings, 0.99), len(timings)


def report(results: dict[str, tuple[dict[str, Tally], list[float]]]) -> list[str]:
    head = (
        f"{'reader':<12} {'set':<9} {'rows':>5} {'right':>6} {'strict':>6} {'silently wrong':>14}"
        f" {'false pos':>9} {'missed':>6} {'µs p50':>8} {'µs p99':>8}"
    )
    lines = [head, "-" * len(head)]
    for reader, (tallies, timings) in results.items():
        total = Tally()
        for name in SETS:
            t = tallies[name]
            for field in ("rows", "right", "silently_wrong", "false_positives", "missed", "strict"):
                setattr(total, field, getattr(total, field) + getattr(t, field))
        for name, t in [*tallies.items(), ("all", total)]:
            strict = str(t.strict) if reader == "this parser" else "–"
            timing = ("", "")
            if name == "all":
                timing = (f"{_percentile(timings, 0.5):.0f}", f"{_percentile(timings, 0.99):.0f}")
            lines.append(
                f"{reader:<12} {name:<9} {t.rows:>5} {t.right:>6} {strict:>6} "
                f"{t.silently_wrong:>14} {t.false_positives:>9} {t.missed:>6} "
                f"{timing[0]:>8} {timing[1]:>8}"
            )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--no-peers", action="store_true", help="this parser only")
    args = parser.parse_args()
    cases = all_cases()
    results = {"this parser": run_this_parser(cases, args.rounds)}
    if not args.no_peers:
        results.update(run_peers(cases))
    for line in report(results):
        print(line)
    p50, p99, calls = parser_bench_figures(args.rounds)
    zone = ZoneInfo("Asia/Tokyo")
    print(f"bench.parser cases ({calls} calls): read_message p50 {p50:.3f} ms  p99 {p99:.3f} ms"
          f"  ({datetime.now(zone):%Y-%m-%d %H:%M} Tokyo)")  # fmt: skip


if __name__ == "__main__":
    main()
