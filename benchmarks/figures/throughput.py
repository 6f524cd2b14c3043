"""Many sessions at once: N sessions of T turns each (one after another within a session), model latency
100 ms, all sessions started together. Turns per second over the wall time, errors, and turn latency.

With 200 sessions and 2 model calls of 100 ms per turn the latency alone allows about 1000 turns/s; on two
cores every contender is bound by CPU long before that, so this shows the cost per turn under load.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from ..contenders.base import Contender
from ..workload import Task
from .sizes import Sizes
from .stats import ms, percentile


async def measure(contender: Contender, sizes: Sizes, run_id: str) -> dict[str, Any]:
    latencies: list[float] = []
    errors: list[str] = []

    async def session(index: int) -> None:
        for turn in range(sizes.throughput_turns):
            task = Task(session=f"{run_id}-load-{index}", turn=turn, model_ms=sizes.throughput_model_ms)
            started = time.perf_counter()
            try:
                await contender.turn(task)
            except Exception as exc:  # noqa: BLE001 - an error is a result here, counted and reported
                errors.append(f"{type(exc).__name__}: {exc}"[:200])
                return
            latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    await asyncio.gather(*(session(i) for i in range(sizes.throughput_sessions)))
    wall = time.perf_counter() - started
    return {
        "sessions": sizes.throughput_sessions,
        "turns_per_session": sizes.throughput_turns,
        "model_ms": sizes.throughput_model_ms,
        "completed_turns": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "wall_s": round(wall, 2),
        "turns_per_s": round(len(latencies) / wall, 1),
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }
