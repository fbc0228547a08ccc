"""Fault decisions: injected latency and the outcome drawn for each push/multicast."""

from __future__ import annotations

import random

from linesim.config import FaultConfig


class FaultEngine:
    """Holds the live fault config and the seeded random source behind it."""

    def __init__(self, config: FaultConfig) -> None:
        self.config = config
        self._rng = random.Random(config.seed)
        # Jitter has its own source so it does not shift the fault sequence a seed promises.
        self._jitter_rng = random.Random(None if config.seed is None else config.seed + 1)

    def replace(self, config: FaultConfig, reseed: bool) -> None:
        self.config = config
        if reseed:
            self._rng = random.Random(config.seed)
            self._jitter_rng = random.Random(None if config.seed is None else config.seed + 1)

    def latency_s(self) -> float:
        cfg = self.config
        if cfg.jitter_ms > 0:
            return (cfg.latency_ms + self._jitter_rng.uniform(0.0, cfg.jitter_ms)) / 1000
        return cfg.latency_ms / 1000

    def push_outcome(self) -> str:
        """One of 'ok', 'error_before', 'error_after', 'timeout_before', 'timeout_after', '429',
        'monthly'.

        A scripted outcome wins; otherwise one uniform draw is split across the four rates, so a
        given seed yields the same sequence whatever the rates' order of evaluation.
        """
        cfg = self.config
        if cfg.script:
            return cfg.script.pop(0)
        total = (
            cfg.push_error_before_rate
            + cfg.push_error_after_rate
            + cfg.timeout_rate
            + cfg.timeout_after_rate
        )
        if total <= 0:
            return "ok"
        draw = self._rng.random()
        for outcome, rate in (
            ("error_before", cfg.push_error_before_rate),
            ("error_after", cfg.push_error_after_rate),
            ("timeout_before", cfg.timeout_rate),
            ("timeout_after", cfg.timeout_after_rate),
        ):
            if draw < rate:
                return outcome
            draw -= rate
        return "ok"
