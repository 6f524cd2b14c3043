"""Recovery after SIGKILL of the process that runs the agent loop.

One long turn (6 rounds of model call + tool, 200 ms each) starts; once 3 model calls have completed, half-way
through the tool that the third call asked for (so every framework has had 100 ms to persist that call), the
process is SIGKILLed and started again at once, as a supervisor would. From the call log (written by the model
and the tools, in every contender the same way) we read:
- time until the run goes on: from the kill to the first model call or tool effect after it, split into
  "process up again" (imports, start-up) and the rest (the framework noticing and resuming);
- completed model calls that ran again (0 is the promise of durable execution), the call in flight at the
  kill that ran again (expected: at-least-once for the step in flight), and completed tool effects repeated.
The floor has no durability: it starts the turn again from scratch, so everything it had done is repeated.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from resilient_agents.testing import CallLog, eventually

from ..contenders.base import Contender
from ..workload import Task
from .sizes import Sizes
from .stats import ms


def measure(contender: Contender, sizes: Sizes, run_id: str, workdir: Path) -> dict[str, Any]:
    target = contender.recovery_target(workdir)
    log = CallLog(target.call_log_path)
    log.clear()
    task = Task(
        session=f"{run_id}-recovery",
        turn=0,
        rounds=sizes.recovery_rounds,
        model_ms=sizes.recovery_model_ms,
        tool_ms=sizes.recovery_tool_ms,
    )
    try:
        target.begin(task)
        eventually(lambda: log.count("model") >= sizes.recovery_kill_after, timeout=120, interval=0.005)
        # the crash lands in the middle of the next tool: a deliberate place, not a synchronisation
        time.sleep(sizes.recovery_tool_ms / 2000)
        killed_at = time.time()
        target.crash()
        before = log.entries()
        up_at = target.restart()
        progress = eventually(
            lambda: [e for e in log.entries()[len(before) :] if e["kind"] in ("model-start", "tool")],
            timeout=120,
            interval=0.005,
        )
        answer = target.wait_done(timeout=float(os.environ.get("BENCH_RECOVERY_TIMEOUT", "120")))
        after = log.entries()[len(before) :]
    finally:
        target.close()
    done_before = {e["name"] for e in before if e["kind"] == "model"}
    started_before = {e["name"] for e in before if e["kind"] == "model-start"}
    started_after = {e["name"] for e in after if e["kind"] == "model-start"}
    tools_before = {e["name"] for e in before if e["kind"] == "tool"}
    tools_after = [e["name"] for e in after if e["kind"] == "tool"]
    resumed_at = float(progress[0]["ts"])
    return {
        "model_calls_total": task.model_calls,
        "completed_before_kill": len(done_before),
        "repeated_model_calls": len(done_before & started_after),
        "in_flight_rerun": len((started_before - done_before) & started_after),
        "repeated_tool_effects": sum(1 for name in tools_after if name in tools_before),
        "resume_s": round(resumed_at - killed_at, 3),
        "process_up_s": round(up_at - killed_at, 3),
        "after_up_ms": ms(max(0.0, resumed_at - up_at)),
        "answered": bool(answer),
    }
