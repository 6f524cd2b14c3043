"""The pattern services under crashes and failures, with a scripted model that counts its calls.

Claims: a completed model call or tool run is never repeated after the service is killed; parallel branches run
at once and a failing branch is retried alone; remote specialists are reached through Restate; a race cancels
its loser.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from resilient_agents.testing import Harness, eventually
from tests.apps.patterns_support import completed_runs, invocation_row, model_calls, patterns_harness, span

harness = patterns_harness("tests.apps.patterns_app:SERVICES", model="registered:patterns")


def _labelled(h: Harness, prefix: str) -> list[dict[str, Any]]:
    return [c for c in model_calls(h) if c["name"].startswith(prefix)]


def _model_steps(h: Harness, invocation: str) -> list[str]:
    return [n for n in completed_runs(h, invocation) if not n.startswith("tool ")]


def _kill_midway(h: Harness, invocation: str, prefix: str, journaled: int) -> tuple[Any, int, list[str]]:
    """SIGKILL the service once `journaled` model steps are in the journal; restart it; return the result, the
    calls of `prefix` logged at the kill, and the model steps journaled by then."""
    eventually(lambda: len(_model_steps(h, invocation)) >= journaled, message=f"{journaled} model steps journaled")
    h.kill_service()
    logged = len(_labelled(h, prefix))
    steps = _model_steps(h, invocation)
    h.start_service()
    return h.ingress.attach(invocation), logged, steps


def _bounded(total: int, expected: int, logged: int, journaled: int) -> None:
    """All calls made, and no more than the ones in flight at the kill (logged but not journaled) repeated."""
    assert expected <= total <= expected + max(0, logged - journaled), (total, expected, logged, journaled)


# --- chaining -------------------------------------------------------------------------------------------------


def test_chain_resumes_after_a_kill_without_repeating_completed_steps(harness: Harness) -> None:
    steps = [f"[id:chain-{i}] [slow:0.4] instruction {i}" for i in range(1, 5)]
    invocation = harness.ingress.send("CallChainingService", "run", {"input": "1 2 3", "steps": steps})
    result, logged, journaled = _kill_midway(harness, invocation, "chain-", journaled=2)

    assert [s["output"] for s in result["steps"]] == [f"[scripted] answer 1 for chain-{i}" for i in range(1, 5)]
    assert result["result"] == "[scripted] answer 1 for chain-4"
    calls = Counter(c["name"] for c in _labelled(harness, "chain-"))
    assert set(calls) == {f"chain-{i}" for i in range(1, 5)}
    for step in journaled:
        assert calls[f"chain-{step.split()[-1]}"] == 1, f"{step} was journaled, yet called again"
    _bounded(sum(calls.values()), 4, logged, len(journaled))
    # each step reads the previous step's output
    prompts = {c["name"]: c["prompt"] for c in _labelled(harness, "chain-")}
    assert "[scripted] answer 1 for chain-1" in prompts["chain-2"]


# --- parallelization --------------------------------------------------------------------------------------------


def test_parallel_map_runs_branches_at_once(harness: Harness) -> None:
    inputs = [f"[id:par-{i}] [slow:1.0] input {i}" for i in range(3)]
    started = time.monotonic()
    result = harness.ingress.call("ParallelizationService", "run_in_parallel", {"prompt": "Rate", "inputs": inputs})
    wall = time.monotonic() - started

    assert [r["input"] for r in result["results"]] == inputs
    assert [r["output"] for r in result["results"]] == [f"[scripted] answer 1 for par-{i}" for i in range(3)]
    assert wall < 0.6 * 3 * 1.0, f"3 branches of 1 s took {wall:.2f}s: not parallel"


def test_parallel_map_retries_only_the_failing_branch(harness: Harness) -> None:
    inputs = ["[id:flk-a] [slow:0.5] a", "[id:flk-b] [slow:0.5] b", "[id:flk-c] [flaky] c"]
    result = harness.ingress.call("ParallelizationService", "run_in_parallel", {"prompt": "Rate", "inputs": inputs})

    assert [r["output"] for r in result["results"]] == [f"[scripted] answer 1 for flk-{x}" for x in "abc"]
    assert harness.calls.count("fail", "flk-c") == 1
    calls = Counter(c["name"] for c in _labelled(harness, "flk-"))
    assert calls == {"flk-a": 1, "flk-b": 1, "flk-c": 1}, "every branch completed once"
    starts = Counter(e["name"] for e in harness.calls.entries("start") if e["name"].startswith("flk-"))
    assert starts == {"flk-a": 1, "flk-b": 1, "flk-c": 2}, "only the flaky branch was tried again"


def test_parallel_map_survives_a_kill_keeping_finished_branches(harness: Harness) -> None:
    inputs = ["[id:pk-a] [slow:0.2] a", "[id:pk-b] [slow:0.2] b", "[id:pk-c] [slow:1.2] c"]
    invocation = harness.ingress.send("ParallelizationService", "run_in_parallel", {"prompt": "x", "inputs": inputs})
    result, logged, journaled = _kill_midway(harness, invocation, "pk-", journaled=2)

    assert len(result["results"]) == 3
    calls = Counter(c["name"] for c in _labelled(harness, "pk-"))
    assert calls["pk-a"] == 1 and calls["pk-b"] == 1, "the finished branches were not re-run"
    _bounded(sum(calls.values()), 3, logged, len(journaled))


def test_parallel_tool_calls_run_at_once_and_survive_a_kill(harness: Harness) -> None:
    message = "probe alpha beta gamma for 1.0 seconds [id:probe-kill] [slow:0.3]"
    invocation = harness.ingress.send("ToolProbe", "run", {"message": message})
    eventually(lambda: harness.calls.count("tool") >= 3, message="three probes done")
    tools_wall = span(harness, "tool-start", "tool", {"probe_alpha", "probe_beta", "probe_gamma"})
    harness.kill_service()
    journaled = completed_runs(harness, invocation)
    harness.start_service()
    result = harness.ingress.attach(invocation)

    assert [c["tool"] for c in result["tool_calls"]] == ["probe_alpha", "probe_beta", "probe_gamma"]
    assert "probe_alpha done" in result["answer"]
    assert tools_wall < 0.6 * 3 * 1.0, f"three 1 s tools took {tools_wall:.2f}s in all: not parallel"
    tools = harness.calls.counts("tool")
    for name in ("probe_alpha", "probe_beta", "probe_gamma"):
        if f"tool {name}" in journaled:
            assert tools[name] == 1, f"{name} completed before the kill and ran again"
    assert len(_labelled(harness, "probe-kill")) <= 2 + 1


def test_parallel_tool_failure_retries_only_that_tool(harness: Harness) -> None:
    harness.calls.clear()
    message = "probe alpha beta gamma for 0.5 seconds [id:probe-flaky] [tool-flaky]"
    result = harness.ingress.call("ToolProbe", "run", {"message": message})

    assert all(c["ok"] for c in result["tool_calls"])
    assert harness.calls.counts("tool") == {"probe_alpha": 1, "probe_beta": 1, "probe_gamma": 1}
    assert harness.calls.count("tool-fail", "probe_gamma") == 1
    assert harness.calls.counts("tool-start") == {"probe_alpha": 1, "probe_beta": 1, "probe_gamma": 2}, (
        "the failing tool was retried alone: its siblings were not restarted"
    )


def test_parallel_tool_agent_starts_its_tools_together(harness: Harness) -> None:
    result = harness.ingress.call(
        "ParallelToolAgent", "run", {"message": "Plan my trip to Paris: weather, hotels and flights please. [id:trip]"}
    )
    assert sorted(c["tool"] for c in result["tool_calls"]) == ["find_flights", "find_hotels", "get_weather"]
    assert all(c["args"] == {"city": "Paris"} for c in result["tool_calls"])
    invocation = harness.query(
        "select id from sys_invocation where target = 'ParallelToolAgent/run' order by created_at desc limit 1"
    )[0]["id"]
    rows = harness.query(f"select index, entry_type, name from sys_journal where id = '{invocation}' order by index")
    kinds = [(r["entry_type"], r.get("name", "")) for r in rows]
    first_tool = next(i for i, (_, name) in enumerate(kinds) if name.startswith("tool "))
    # the three tool steps were started one after another, before any of them completed
    assert [k for k, _ in kinds[first_tool : first_tool + 3]] == ["Command: Run"] * 3


# --- routing ----------------------------------------------------------------------------------------------------


def test_agent_router_picks_the_specialist_from_the_enum(harness: Harness) -> None:
    ticket = "Billing question: my card was charged twice this month. [id:router]"
    result = harness.ingress.call("AgentRouterService", "route", {"message": ticket})
    assert result["agent"] == "billing"
    assert result["answer"] == "[scripted] answer 1 for router"
    assert [c["tool"] for c in _labelled(harness, "router")] == ["route_request", ""]


def test_remote_router_calls_the_specialist_service_through_restate(harness: Harness) -> None:
    ticket = "I cannot log in to my account, the password is rejected. [id:remote] [slow:1.0]"
    invocation = harness.ingress.send("RemoteAgentRouter", "route", {"message": ticket})
    specialist = eventually(
        lambda: harness.query(f"select id, target from sys_invocation where invoked_by_id = '{invocation}'")
    )
    assert specialist[0]["target"] == "AccountAgent/run"
    eventually(lambda: len(_labelled(harness, "remote")) >= 1, message="routing decision made")
    harness.kill_service()
    harness.start_service()
    result = harness.ingress.attach(invocation)

    assert result["agent"] == "account"
    assert result["answer"] == "[scripted] answer 1 for remote"
    callees = harness.query(f"select target from sys_invocation where invoked_by_id = '{invocation}'")
    assert [c["target"] for c in callees] == ["AccountAgent/run"], "the specialist was called exactly once"
    calls = [c["tool"] for c in _labelled(harness, "remote")]
    assert calls.count("route_request") == 1, "the journaled routing decision was not asked again"
    assert 1 <= calls.count("") <= 2, "the specialist's answer: at most the call in flight at the kill repeats"


def test_parallel_agents_retry_only_the_failed_agent(harness: Harness) -> None:
    result = harness.ingress.call("ParallelAgentsService", "analyze_text", {"text": "[id:pa] [flaky] Sales rose."})
    assert [a["agent"] for a in result["analyses"]] == ["sentiment", "key_points", "summary"]
    assert harness.calls.count("fail", "pa") == 1
    assert len(model_calls(harness, "pa")) == 3, "three agents, each completed once"
    assert harness.calls.count("start", "pa") == 4, "only the failed agent was tried again"


# --- orchestrator and evaluator ---------------------------------------------------------------------------------


def test_orchestrator_runs_workers_in_parallel_and_retries_a_failed_worker_alone(harness: Harness) -> None:
    task = "[id:orch] [plan:3:1.0:flaky] Write a product description."
    result = harness.ingress.call("Orchestrator", "process_text", {"task": task})
    workers = {"orch-w1", "orch-w2", "orch-w3"}
    workers_wall = span(harness, "start", "llm", workers)

    assert result["analysis"] == "scripted plan"
    assert [w["type"] for w in result["worker_results"]] == ["part1", "part2", "part3"]
    assert [w["result"] for w in result["worker_results"]] == [f"[scripted] answer 1 for orch-w{i}" for i in (1, 2, 3)]
    assert result["combined"] == "[scripted] answer 1 for orch"
    assert harness.calls.count("fail", "orch-w3") == 1
    assert [harness.calls.count("start", f"orch-w{i}") for i in (1, 2, 3)] == [1, 1, 2]
    calls = Counter(c["name"] for c in model_calls(harness) if c["name"] in {"orch", *workers})
    assert calls == {"orch": 2, "orch-w1": 1, "orch-w2": 1, "orch-w3": 1}
    # the flaky worker fails at once and is retried in place after 0.2 s: still well under the 3 s of a sequence
    assert workers_wall < 0.6 * 3 * 1.0, f"three 1 s workers took {workers_wall:.2f}s in all: not parallel"


def test_orchestrator_resumes_after_a_kill_keeping_finished_workers(harness: Harness) -> None:
    task = "[id:orchk] [plan:3:0.4:staggered] Write a product description."
    invocation = harness.ingress.send("Orchestrator", "process_text", {"task": task})
    result, logged, journaled = _kill_midway(harness, invocation, "orchk-w", journaled=2)

    assert len(result["worker_results"]) == 3 and result["combined"] == "[scripted] answer 1 for orchk"
    workers = Counter(c["name"] for c in _labelled(harness, "orchk-w"))
    assert "worker 1: part1" in journaled and workers["orchk-w1"] == 1, "a journaled worker was run again"
    _bounded(sum(workers.values()), 3, logged, len([n for n in journaled if n.startswith("worker")]))
    assert Counter(c["tool"] for c in model_calls(harness, "orchk")) == {"plan": 1, "": 1}


def test_evaluator_improves_until_pass_and_resumes_after_a_kill(harness: Harness) -> None:
    task = "[id:eval] [slow:0.3] [improve:3] Implement a stack."
    invocation = harness.ingress.send("EvaluatorOptimizer", "improve_until_good", {"task": task, "max_rounds": 5})
    result, logged, journaled = _kill_midway(harness, invocation, "eval", journaled=3)

    assert result["accepted"] is True
    assert [r["status"] for r in result["rounds"]] == ["NEEDS_IMPROVEMENT", "NEEDS_IMPROVEMENT", "PASS"]
    calls = model_calls(harness, "eval")
    _bounded(len(calls), 6, logged, len(journaled))
    attempts_seen = Counter(c["prompt"].count("Attempt ") for c in calls if c["tool"] == "")
    for step in journaled:
        if step.startswith("generate"):
            n = int(step.split()[-1])
            assert attempts_seen[n - 1] == 1, f"{step} was journaled, yet generated again"
    generations = [c["prompt"] for c in calls if c["tool"] == ""]
    assert "feedback 1" in generations[-1] and "feedback 2" in generations[-1], "feedback reaches the generator"


def test_evaluator_stops_at_the_round_limit(harness: Harness) -> None:
    task = "[id:evalmax] [improve:9] Write a haiku."
    result = harness.ingress.call("EvaluatorOptimizer", "improve_until_good", {"task": task, "max_rounds": 2})
    assert result["accepted"] is False
    assert len(result["rounds"]) == 2
    assert len(model_calls(harness, "evalmax")) == 4


# --- racing -----------------------------------------------------------------------------------------------------


def _attempts_of(h: Harness, invocation: str) -> dict[str, dict[str, Any]]:
    rows = h.query(f"select id from sys_invocation where invoked_by_id = '{invocation}'")
    return {r["id"]: invocation_row(h, r["id"]) for r in rows}


def _all_attempts_completed(h: Harness, invocation: str) -> dict[str, dict[str, Any]] | None:
    attempts = _attempts_of(h, invocation)
    done = len(attempts) >= 2 and all(a.get("status") == "completed" for a in attempts.values())
    return attempts if done else None


def test_race_keeps_the_first_answer_and_cancels_the_loser(harness: Harness) -> None:
    slow = 8.0
    request = {
        "prompt": "Which is faster?",
        "strategies": [
            {"name": "fast", "instructions": "[id:race-fast]"},
            {"name": "slow", "instructions": f"[id:race-slow] [slow:{slow}]"},
        ],
    }
    started = time.monotonic()
    invocation = harness.ingress.send("RacingService", "race", request)
    result = harness.ingress.attach(invocation)
    assert time.monotonic() - started < slow, "the race waited for the slow strategy"
    assert not _labelled(harness, "race-slow"), "the loser had not answered when the winner was returned"

    assert result["winner"] == "fast"
    assert result["answer"] == "[scripted] answer 1 for race-fast"
    assert result["cancelled"] == ["slow"]
    attempts = eventually(lambda: _all_attempts_completed(harness, invocation), message="both attempts ended")
    failures = sorted(a.get("completion_failure", "") for a in attempts.values())
    assert failures[0] == "" and "cancelled" in failures[1], failures


def test_hedged_race_cancels_the_backup_before_it_calls_the_model(harness: Harness) -> None:
    request = {
        "prompt": "Hedge me",
        "strategies": [
            {"name": "primary", "instructions": "[id:hedge-primary]"},
            {"name": "backup", "instructions": "[id:hedge-backup]", "start_after_seconds": 5},
        ],
    }
    invocation = harness.ingress.send("RacingService", "race", request)
    result = harness.ingress.attach(invocation)
    assert (result["winner"], result["cancelled"]) == ("primary", ["backup"])
    eventually(lambda: _all_attempts_completed(harness, invocation), message="the backup invocation ended")
    assert not _labelled(harness, "hedge-backup"), "the cancelled backup never called the model"
