"""Progress reporting that the library emits and the CLI draws (rich) or ignores (tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

Advance = Callable[[int], None]


class Reporter(Protocol):
    def stage(self, label: str, total: int | None) -> Advance: ...


class Silent:
    def stage(self, label: str, total: int | None) -> Advance:
        return lambda _n: None
