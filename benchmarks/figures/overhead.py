"""Overhead per agent turn at zero model latency: p50 and p99 of one turn (a model call asking for one tool,
the tool, the final model call), over short sessions run one turn after another.

For Restate contenders the same number of empty handler calls (`BenchNoop`) is timed through the same path:
that is the engine's round trip (ingress, journal, invoking the service), which no code of ours can remove.
"""

from __future__ import annotations

import time
from typing import Any

from ..contenders.base import Contender
from ..contenders.restate import RestateContender
from ..workload import Task
from .sizes import Sizes
from .stats import ms, percentile


async def measure(contender: Contender, sizes: Sizes, run_id: str) -> dict[str, Any]:
    for i in range(sizes.warmup_turns):
        await contender.turn(Task(session=f"{run_id}-warmup", turn=i))
    times = []
    for s in range(sizes.overhead_sessions):
        for t in range(sizes.overhead_turns):
            started = time.perf_counter()
            await contender.turn(Task(session=f"{run_id}-overhead-{s}", turn=t))
            times.append(time.perf_counter() - started)
    result: dict[str, Any] = {
        "turns": len(times),
        "p50_ms": ms(percentile(times, 50)),
        "p99_ms": ms(percentile(times, 99)),
        "mean_ms": ms(sum(times) / len(times)),
    }
    if isinstance(contender, RestateContender):
        noop = []
        for i in range(sizes.noop_calls):
            started = time.perf_counter()
            await contender.noop(f"{run_id}-noop-{i % 10}")
            noop.append(time.perf_counter() - started)
        result["engine_p50_ms"] = ms(percentile(noop, 50))
        result["engine_p99_ms"] = ms(percentile(noop, 99))
    return result
