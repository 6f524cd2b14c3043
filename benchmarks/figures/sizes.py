"""How big each figure's workload is: the full run (about 15 minutes for everything on 2 cores) and `--quick`."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Sizes:
    overhead_sessions: int = 20
    overhead_turns: int = 10
    """Turns per session in the overhead figure (short sessions, so history size does not blur it)."""
    warmup_turns: int = 5
    noop_calls: int = 100
    parallel_tools: int = 8
    parallel_tool_ms: int = 200
    parallel_repeats: int = 3
    history_marks: tuple[int, ...] = (1, 50, 200)
    throughput_sessions: int = 100
    """The brief's example is 200 sessions; 100 keeps the full run near 15 minutes on 2 busy cores."""
    throughput_turns: int = 5
    throughput_model_ms: int = 100
    recovery_rounds: int = 6
    recovery_model_ms: int = 200
    recovery_tool_ms: int = 200
    recovery_kill_after: int = 3
    """Completed model calls before the SIGKILL."""

    def describe(self) -> dict[str, Any]:
        return asdict(self)


FULL = Sizes()
QUICK = Sizes(
    overhead_sessions=2,
    overhead_turns=5,
    warmup_turns=2,
    noop_calls=10,
    parallel_tool_ms=100,
    parallel_repeats=1,
    history_marks=(1, 5, 10),
    throughput_sessions=10,
    throughput_turns=2,
    throughput_model_ms=20,
    recovery_rounds=3,
    recovery_model_ms=100,
    recovery_tool_ms=50,
    recovery_kill_after=1,
)
