"""What the in-process timer-worker tests share: a settable millisecond clock, a poll for a
state that has no event to await, and the pushes the LINE simulator received for a chat."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from linesim.process import SimulatorProcess


@dataclass
class Clock:
    """The worker's `clock` (epoch ms), moved by the test."""

    now_ms: int

    def __call__(self) -> int:
        return self.now_ms


async def until(condition: Callable[[], Any], timeout_s: float = 10.0) -> Any:
    """Poll the simulator or Redis for a state that has no event to await."""
    async with asyncio.timeout(timeout_s):
        while not (found := await asyncio.to_thread(condition)):
            await asyncio.sleep(0.01)
    return found


def pushes(sim: SimulatorProcess, chat: str) -> list[dict[str, Any]]:
    return [m for m in sim.client.messages(chat=chat) if m["kind"] == "push"]
