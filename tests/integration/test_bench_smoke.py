"""The benchmark suite's quick mode runs end to end for the floor and our native loop and produces numbers.

Not a timed test: the assertions are that every figure came out (no error), that the numbers are sane with
generous margins (this machine is busy), and the durability outcome, which does not depend on timing: after a
SIGKILL of our service no completed model call ran again.
"""

from __future__ import annotations

from benchmarks.contenders import CONTENDERS, unavailable
from benchmarks.figures.sizes import QUICK
from benchmarks.report import render
from benchmarks.suite import run_contender

from resilient_agents.testing import TestServer

LOAD = QUICK.throughput_sessions * QUICK.throughput_turns


async def test_floor_quick_figures() -> None:
    results = await run_contender("floor", sizes=QUICK, figures=("overhead", "parallel", "history", "throughput"))
    assert results["overhead"]["turns"] == QUICK.overhead_sessions * QUICK.overhead_turns
    assert 0 < results["overhead"]["p50_ms"] <= results["overhead"]["p99_ms"]
    assert results["parallel"]["speedup"] > 3, "the floor runs the 8 tool calls concurrently"
    assert results["history"] == {"skipped": "nothing is persisted"}
    assert results["throughput"]["completed_turns"] == LOAD and results["throughput"]["errors"] == 0


async def test_native_loop_quick_figures(restate_server: TestServer) -> None:
    assert unavailable("native") is None
    results = await run_contender("native", sizes=QUICK, server=restate_server)
    overhead = results["overhead"]
    assert 0 < overhead["engine_p50_ms"] < overhead["p50_ms"], "a turn costs more than an empty call"
    assert results["parallel"]["speedup"] > 2, "our loop runs the 8 tool calls concurrently"
    per_turn = results["history"]["bytes_per_turn"]
    assert sorted(per_turn) == sorted(str(m) for m in QUICK.history_marks)
    assert all(size > 0 for size in per_turn.values())
    assert results["throughput"]["completed_turns"] == LOAD and results["throughput"]["errors"] == 0
    recovery = results["recovery"]
    assert recovery["answered"] and recovery["completed_before_kill"] >= QUICK.recovery_kill_after
    assert recovery["repeated_model_calls"] == 0, "a completed model call ran again after the SIGKILL"
    report = render(
        {
            "started": "now",
            "quick": True,
            "duration_s": 1.0,
            "command": "python -m benchmarks --quick",
            "machine": {},
            "sizes": QUICK.describe(),
            "contenders": {"native": results, "dbos": {"skipped": "not installed here"}},
        }
    )
    assert "resilient-agents native loop" in report and "`dbos`: not installed here" in report


def test_every_contender_is_listed_with_a_reason_when_it_cannot_run() -> None:
    for name in CONTENDERS:
        reason = unavailable(name)
        assert reason is None or len(reason) > 20, f"{name}: a skip needs a reason a person can act on"


async def test_sdk_integration_quick_figures_or_a_clear_skip(restate_server: TestServer) -> None:
    figures = ("overhead", "parallel", "throughput")
    results = await run_contender("sdk-integration", sizes=QUICK, figures=figures, server=restate_server)
    if "skipped" in results:
        # the integration is not in this checkout: the suite must say so, with the reason, not drop it silently
        assert "resilient_agents.integrations" in results["skipped"]
        return
    assert 0 < results["overhead"]["engine_p50_ms"] < results["overhead"]["p50_ms"]
    assert results["parallel"]["speedup"] > 1.2, "our integration runs the tool calls of one response concurrently"
    assert results["throughput"]["completed_turns"] == LOAD and results["throughput"]["errors"] == 0
