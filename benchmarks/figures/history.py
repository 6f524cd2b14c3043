"""Bytes persisted per turn at turns 1, 50 and 200 of one session (and how long those turns took).

"Persisted" is logical: for Restate the sizes of the journal entries of the turn's invocations (its input, the
journaled model and tool results, state reads and writes, its output), read back with the SQL API; for DBOS and
LangGraph the lengths of the values written to their SQLite tables during the turn. A system that stores the
whole conversation again on every turn grows linearly per turn (quadratically in total); one that appends only
the new messages stays flat. The disk figure is the growth of the data folder or files over the whole session
(it includes the storage engines' own indexes, logs and preallocation, so it is coarse).
"""

from __future__ import annotations

import time
from typing import Any

from ..contenders.base import Contender
from ..workload import Task
from .sizes import Sizes
from .stats import ms


async def measure(contender: Contender, sizes: Sizes, run_id: str) -> dict[str, Any]:
    if contender.stored_bytes() is None:
        return {"skipped": "nothing is persisted"}
    session = f"{run_id}-history"
    marks = set(sizes.history_marks)
    per_turn: dict[str, int] = {}
    turn_ms: dict[str, float] = {}
    disk_before = contender.disk_bytes() or 0
    for turn in range(1, max(marks) + 1):
        before = contender.stored_bytes() if turn in marks else 0
        started = time.perf_counter()
        await contender.turn(Task(session=session, turn=turn))
        elapsed = time.perf_counter() - started
        if turn in marks:
            per_turn[str(turn)] = (contender.stored_bytes() or 0) - (before or 0)
            turn_ms[str(turn)] = ms(elapsed)
    disk_after = contender.disk_bytes() or 0
    return {
        "bytes_per_turn": per_turn,
        "turn_ms": turn_ms,
        "disk_growth_bytes": disk_after - disk_before,
        "turns": max(marks),
    }
