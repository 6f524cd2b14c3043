"""Speed-up of one response with 8 tool calls that each take 200 ms.

One turn: the model (no latency) asks for all 8 tools at once, then answers. Run one by one the tools take
8 x 200 ms = 1.6 s; the speed-up is that sum over the measured wall time of the whole turn (8x is the ceiling).
"""

from __future__ import annotations

import time
from typing import Any

from ..contenders.base import Contender
from ..workload import Task
from .sizes import Sizes
from .stats import ms, percentile


async def measure(contender: Contender, sizes: Sizes, run_id: str) -> dict[str, Any]:
    walls = []
    for r in range(sizes.parallel_repeats):
        task = Task(
            session=f"{run_id}-parallel-{r}", turn=0, tools=sizes.parallel_tools, tool_ms=sizes.parallel_tool_ms
        )
        started = time.perf_counter()
        await contender.turn(task)
        walls.append(time.perf_counter() - started)
    wall = percentile(walls, 50)
    sequential = sizes.parallel_tools * sizes.parallel_tool_ms / 1000
    return {
        "tools": sizes.parallel_tools,
        "tool_ms": sizes.parallel_tool_ms,
        "wall_ms": ms(wall),
        "speedup": round(sequential / wall, 2),
    }
