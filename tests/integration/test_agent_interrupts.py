"""A message for a session that is still working: interrupt, incorporate, queue."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("tests.apps.agents:services", env={"RA_MODEL": "registered:loop-script"})
SESSION = "LoopSession"


def start_slow_run(h: Harness, key: str, delay: float) -> str:
    """Start a run whose tool waits `delay` seconds; return once the tool is running."""
    message = "call " + json.dumps([["slow", {"name": key, "delay": delay}]])
    invocation = h.ingress.send(SESSION, "run", message, key=key)
    eventually(
        lambda: h.query(
            f"select id from sys_invocation where target = 'LoopTools/slow' and invoked_by_id = '{invocation}'"
        ),
        message="the slow tool started",
    )
    return invocation


def send_message(h: Harness, key: str, text: str, mode: str) -> dict[str, Any]:
    receipt: dict[str, Any] = h.ingress.call(SESSION, "message", {"message": text, "mode": mode}, key=key)
    return receipt


def roles_and_contents(h: Harness, key: str) -> list[tuple[str, str]]:
    return [(m["role"], m["content"]) for m in h.ingress.call(SESSION, "get_history", key=key)]


def test_queue_runs_the_message_after_the_current_run(harness: Harness) -> None:
    key = f"q-{uuid.uuid4().hex[:6]}"
    first = start_slow_run(harness, key, 1.0)
    receipt = send_message(harness, key, "say later", "queue")
    assert receipt["mode"] == "queue" and receipt["invocation_id"] != first
    assert harness.ingress.attach(first)["final_output"] == f"done: slow={key} ok"
    assert harness.ingress.attach(receipt["invocation_id"])["final_output"] == "said: later"
    history = roles_and_contents(harness, key)
    assert history[-2:] == [("user", "say later"), ("assistant", "said: later")]
    assert ("assistant", f"done: slow={key} ok") in history[:-2]


def test_incorporate_delivers_the_message_at_the_next_step(harness: Harness) -> None:
    key = f"i-{uuid.uuid4().hex[:6]}"
    first = start_slow_run(harness, key, 1.0)
    receipt = send_message(harness, key, "say also this", "incorporate")
    assert receipt == {"mode": "incorporate", "invocation_id": first, "cancelled_invocation_id": None}
    result = harness.ingress.attach(first)
    # the model saw the new message right after the tool result, in the same run
    assert result["final_output"] == "said: also this"
    roles = [m["role"] for m in result["messages"]]
    assert roles == ["user", "tool_call", "tool_result", "user", "assistant"]
    assert harness.ingress.call(SESSION, "get_state", key=key)["turns"] == 1
    # with nothing running, incorporate falls back to queue
    idle = send_message(harness, key, "say now", "incorporate")
    assert idle["mode"] == "queue"
    assert harness.ingress.attach(idle["invocation_id"])["final_output"] == "said: now"


def test_interrupt_cancels_the_run_and_starts_again(harness: Harness) -> None:
    key = f"x-{uuid.uuid4().hex[:6]}"
    first = start_slow_run(harness, key, 5.0)
    receipt = send_message(harness, key, "say instead", "interrupt")
    assert receipt["mode"] == "interrupt" and receipt["cancelled_invocation_id"] == first
    with pytest.raises(IngressError) as cancelled:
        harness.ingress.attach(first)
    assert cancelled.value.status == 409
    assert harness.ingress.attach(receipt["invocation_id"])["final_output"] == "said: instead"
    history = harness.ingress.call(SESSION, "get_history", key=key)
    assert [m["role"] for m in history] == ["user", "tool_call", "tool_result", "event", "user", "assistant"]
    assert history[2]["is_error"] and "interrupted" in history[2]["content"]
    assert history[3]["content"] == "The run was interrupted"
    state = harness.ingress.call(SESSION, "get_state", key=key)
    assert state["status"] == "idle" and state["run_invocation_id"] is None
    # Restate cancelled the run's in-flight tool call too: it ends without applying its effect
    tool_call = f"select status, completion_failure from sys_invocation where invoked_by_id = '{first}'"
    tool_call += " and target = 'LoopTools/slow'"
    rows = eventually(lambda: [r for r in harness.query(tool_call) if r["status"] == "completed"])
    assert "cancel" in rows[0].get("completion_failure", "").lower()
    assert harness.calls.count("effect", key) == 0
