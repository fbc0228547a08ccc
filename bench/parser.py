"""How long read_message takes per message: it runs inside the webhook request.

`python -m bench.parser [--rounds N]`: every expression of the parser's table test (each at
its own reference moment and zone) plus a mix of text that is no reminder (chat, long
paragraphs, emoji, digit soup), timed call by call over many rounds after one warm-up round.
Prints p50/p99/max in ms beside the goal "p99 ≤ 2 ms", and the slowest messages.
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain.parsing import read_message
from tests.unit.test_parsing_table import REFERENCES, ROWS

GOAL_P99_MS = 2.0


def _unreadable_mix(seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = ["ゴミ出し", "今日は", "ありがとう", "よろしく", "会議", "明るい", "毎度", "1", "時",
             "分", "月", "日", "曜", "🍣", "hello", "world", "http://example.com/a?b=1", " "]
    mix = ["ゴミ出し", "おはよう", "了解です!", "🙂🙂🙂", "ok", "www", "???", "1234567890" * 30]
    mix += ["".join(rng.choice(words) for _ in range(rng.randint(3, 40))) for _ in range(60)]
    mix.append("あ" * 2000)
    mix.append("1時" * 500)
    mix.append(("毎週月曜 " * 200).strip())
    return mix


def _cases() -> list[tuple[str, datetime]]:
    cases: list[tuple[str, datetime]] = []
    for reference, text, *_ in ROWS:
        moment, zone = REFERENCES[reference]
        cases.append((text, datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(zone))))
    now = datetime(2026, 12, 1, 10, tzinfo=ZoneInfo("Asia/Tokyo"))
    cases += [(text, now) for text in _unreadable_mix()]
    return cases


def _percentile(sorted_ms: list[float], fraction: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, int(len(sorted_ms) * fraction))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    cases = _cases()
    first_started = time.perf_counter()
    for text, now in cases:  # warm-up: regex and rule caches, holiday years
        read_message(text, now=now)
    warm_up_ms = (time.perf_counter() - first_started) * 1000
    timings: list[float] = []
    slowest: dict[str, float] = {}
    for _ in range(args.rounds):
        for text, now in cases:
            started = time.perf_counter()
            read_message(text, now=now)
            elapsed = (time.perf_counter() - started) * 1000
            timings.append(elapsed)
            slowest[text] = max(slowest.get(text, 0.0), elapsed)
    timings.sort()
    p99 = _percentile(timings, 0.99)
    verdict = "met" if p99 <= GOAL_P99_MS else "MISSED"
    print(f"read_message: {len(cases)} messages × {args.rounds} rounds = {len(timings)} calls"
          f" (warm-up round {warm_up_ms:.0f} ms)")
    print(f"p50 {_percentile(timings, 0.5):.3f} ms  p99 {p99:.3f} ms  max {timings[-1]:.3f} ms"
          f"   goal p99 ≤ {GOAL_P99_MS:g} ms: {verdict}")
    print("slowest (max over rounds):")
    for text, elapsed in sorted(slowest.items(), key=lambda item: -item[1])[:5]:
        shown = text if len(text) <= 40 else text[:37] + "..."
        print(f"  {elapsed:7.3f} ms  {shown!r} ({len(text)} chars)")


if __name__ == "__main__":
    main()
