"""A resumable long job's state, as its store reads it: where its cursor is, how much is
done, how often it ran. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Iteration:
    id: str
    kind: str
    status: str
    cursor: int
    total: int
    done: int
    args: dict[str, Any]
    runs: int
    error: str
    created_ms: int
    updated_ms: int

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")
