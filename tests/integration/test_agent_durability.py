"""Crashes and restarts in the middle of an agent turn: no tool effect twice, the same answer; approvals that
wait across a restart of restate-server, rejections, and the default that applies on timeout."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable

import pytest

from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("tests.apps.agents:services", env={"RA_MODEL": "registered:loop-script"})
SESSION = "LoopSession"


def turn_with_three_tools(prefix: str) -> str:
    calls = [["slow", {"name": f"{prefix}-{n}", "delay": d}] for n, d in (("a", 0.2), ("b", 0.7), ("c", 1.2))]
    return "slowcall " + json.dumps(calls)


def slow_invocations(h: Harness, invocation: str) -> list[dict[str, str]]:
    """The tool invocations the run started."""
    return h.query(
        f"select id, status from sys_invocation where target = 'LoopTools/slow' and invoked_by_id = '{invocation}'"
    )


def _model_journaled(h: Harness, invocation: str) -> bool:
    rows = h.query(f"select name from sys_journal where id = '{invocation}' and name like 'LLM call%'")
    return bool(rows)


CRASH_POINTS: dict[str, Callable[[Harness, str, str], bool]] = {
    # the first model call is journaled; the tools may not have started
    "after_model_call": lambda h, inv, prefix: _model_journaled(h, inv),
    # all three tools are waiting in their timers
    "tools_running": lambda h, inv, prefix: len(slow_invocations(h, inv)) == 3,
    # the fastest tool finished (its effect journaled), the other two still wait
    "one_tool_done": lambda h, inv, prefix: [r["status"] for r in slow_invocations(h, inv)].count("completed") == 1,
    # every tool finished; the second model call and the answer are under way
    "tools_done": lambda h, inv, prefix: [r["status"] for r in slow_invocations(h, inv)] == ["completed"] * 3,
}


@pytest.fixture(scope="module")
def reference(harness: Harness) -> str:
    """The answer of the same turn without a crash."""
    result = harness.ingress.call(SESSION, "run", turn_with_three_tools("ref"), key=f"ref-{uuid.uuid4().hex[:6]}")
    return str(result["final_output"]).replace("ref-", "X-")


@pytest.mark.parametrize("point", list(CRASH_POINTS))
def test_crash_at_each_step_of_a_turn(harness: Harness, reference: str, point: str) -> None:
    prefix = f"{point}{uuid.uuid4().hex[:4]}"
    key = f"crash-{prefix}"
    models_before = harness.calls.count("model")
    invocation = harness.ingress.send(SESSION, "run", turn_with_three_tools(prefix), key=key)
    eventually(lambda: CRASH_POINTS[point](harness, invocation, prefix), timeout=20, message=point)
    harness.kill_service()
    assert harness.invocation_status(invocation) != "completed", "the crash came after the turn: nothing tested"
    harness.start_service()
    result = harness.ingress.attach(invocation)
    assert result["final_output"].replace(f"{prefix}-", "X-") == reference
    for name in "abc":
        assert harness.calls.count("effect", f"{prefix}-{name}") == 1, f"effect {name} applied twice"
    model_calls = harness.calls.count("model") - models_before
    # a journaled model call is never repeated; only one in flight at the kill may be
    assert model_calls == 2 if point != "tools_done" else model_calls in (2, 3)
    history = harness.ingress.call(SESSION, "get_history", key=key)
    assert [m["role"] for m in history].count("tool_result") == 3
    assert harness.ingress.call(SESSION, "get_state", key=key)["status"] == "idle"


def _pending(h: Harness, service: str, key: str) -> list[dict[str, object]]:
    state = h.ingress.call(service, "get_state", key=key)
    return list(state["pending_approvals"]) if state["status"] == "waiting_for_approval" else []


def test_an_approval_waits_across_a_server_restart(harness: Harness) -> None:
    key = f"approve-{uuid.uuid4().hex[:6]}"
    invocation = harness.ingress.send(SESSION, "run", 'call [["pay", {"amount": 12.5}]]', key=key)
    pending = eventually(lambda: _pending(harness, SESSION, key), message="approval requested")
    assert pending[0]["tool_name"] == "pay" and pending[0]["arguments"] == {"amount": 12.5}
    assert pending[0]["agent"] == "A" and str(pending[0]["id"]).startswith("ap-")
    assert harness.calls.count("payment", key) == 0
    harness.restart_server()
    receipt = harness.ingress.call(SESSION, "approve", {"approval_id": pending[0]["id"]}, key=key)
    assert receipt == {"approval_id": pending[0]["id"], "approved": True, "tool_name": "pay"}
    assert harness.ingress.attach(invocation)["final_output"] == "done: pay=paid 12.5"
    assert harness.calls.count("payment", key) == 1
    state = harness.ingress.call(SESSION, "get_state", key=key)
    assert state["status"] == "idle" and state["pending_approvals"] == []


def test_a_rejected_call_is_not_run(harness: Harness) -> None:
    key = f"reject-{uuid.uuid4().hex[:6]}"
    message = f'call [["pay", {{"amount": 99}}], ["jot", {{"text": "{key}"}}]]'
    invocation = harness.ingress.send(SESSION, "run", message, key=key)
    pending = eventually(lambda: _pending(harness, SESSION, key))
    # the call without approval runs while the session waits for the human
    eventually(lambda: harness.calls.count("note", key) == 1, message="jot ran during the wait")
    assert harness.ingress.call(SESSION, "get_state", key=key)["status"] == "waiting_for_approval"
    harness.ingress.call(SESSION, "reject", {"approval_id": pending[0]["id"], "reason": "too much"}, key=key)
    output = harness.ingress.attach(invocation)["final_output"]
    assert "pay=denied:The call was rejected (human): too much" in output
    assert output.endswith(f"jot=noted {key}")
    assert harness.calls.count("payment", key) == 0


def test_the_configured_default_applies_on_timeout(harness: Harness) -> None:
    key = f"timeout-{uuid.uuid4().hex[:6]}"
    started = time.monotonic()
    result = harness.ingress.call("QuickApprovals", "run", 'call [["pay", {"amount": 3}]]', key=key)
    assert result["final_output"] == "done: pay=paid 3.0"
    assert time.monotonic() - started >= 1.0
    assert harness.calls.count("payment", key) == 1
