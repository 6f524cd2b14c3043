"""People in the loop, chat sessions and stateful feedback loops, on virtual objects.

Claims: a wait for a person survives restarts of restate-server and of the service and resumes when the printed
curl command is run; deadlines escalate instead of waiting forever (and keep running across a restart); chat
history lives in state, survives restarts and can be read while a message is being handled; bad input is a
terminal 400 that stores nothing.
"""

from __future__ import annotations

import shlex
import subprocess
import time
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, eventually
from tests.apps.patterns_support import call_shared, model_calls, patterns_harness, state_rows

harness = patterns_harness("tests.apps.patterns_app:SERVICES", model="registered:patterns")
HUMAN = "HumanInTheLoopService"


def _pending(h: Harness, key: str, role: str | None = None, not_id: str | None = None) -> dict[str, Any]:
    def check() -> dict[str, Any] | None:
        pending = call_shared(h, HUMAN, key, "pending")
        if not pending or (role and pending["role"] != role) or pending["awakeable_id"] == not_id:
            return None
        return dict(pending)

    return eventually(check, message=f"a question for a person on {key}")


def _run_printed_curl(curl: str, feedback: str) -> None:
    """Run the command the service printed, with `feedback` instead of the placeholder."""
    args = shlex.split(curl)
    args[-1] = f'"{feedback}"'
    done = subprocess.run([*args, "-sS", "-o", "/dev/null", "-w", "%{http_code}"], capture_output=True, text=True)
    assert done.stdout.startswith("2"), f"curl failed: {done.stdout} {done.stderr}"


def test_run_with_promise_waits_across_restarts_and_accepts_pass(harness: Harness) -> None:
    key = "giselle"
    invocation = harness.ingress.send(
        HUMAN, "run_with_promise", "[id:hitl] Write a poem about Durable Execution", key=key
    )
    first = _pending(harness, key)
    ingress = harness.ingress.url.replace("localhost", "127.0.0.1")
    expected = f"curl {ingress}/restate/awakeables/{first['awakeable_id']}/resolve --json '\"Your feedback...\"'"
    assert first["curl"] == expected
    assert first["question"] == "[scripted] answer 1 for hitl"
    eventually(lambda: expected in harness.service_log_text(), message="the curl command in the service log")

    harness.restart_server()
    _run_printed_curl(first["curl"], "more rhymes")
    second = _pending(harness, key, not_id=first["awakeable_id"])
    harness.kill_service()
    harness.start_service()
    _run_printed_curl(second["curl"], "PASS")
    result = harness.ingress.attach(invocation)

    assert result["accepted"] is True
    assert [(r["status"], r["feedback"]) for r in result["rounds"]] == [
        ("NEEDS_IMPROVEMENT", "more rhymes"),
        ("PASS", "PASS"),
    ]
    calls = model_calls(harness, "hitl")
    assert len(calls) == 2, "one generation per round; none repeated by the restarts"
    assert "more rhymes" in calls[1]["prompt"]
    assert not [r for r in state_rows(harness, HUMAN, key) if r["key"] == "pending"], "nothing left pending"


def test_run_keeps_the_feedback_session_in_state(harness: Harness) -> None:
    key = "anna"
    first = harness.ingress.call(HUMAN, "run", "[id:hrun] Write a haiku about retries", key=key)
    assert (first["round"], first["accepted"], first["content"]) == (1, False, "[scripted] answer 1 for hrun")
    second = harness.ingress.call(HUMAN, "run", "shorter please", key=key)
    assert (second["round"], second["accepted"]) == (2, False)
    assert [r["key"] for r in state_rows(harness, HUMAN, key)] == ["session"]
    done = harness.ingress.call(HUMAN, "run", "PASS", key=key)
    assert done["accepted"] is True and done["content"] == second["content"]

    prompts = [c["prompt"] for c in model_calls(harness, "hrun")]
    assert len(prompts) == 2
    assert "shorter please" in prompts[1] and "[scripted] answer 1 for hrun" in prompts[1]


def test_moderation_escalates_when_nobody_answers(harness: Harness) -> None:
    request = {"content": "[id:mod] Buy now!", "moderator_timeout_seconds": 0.5, "supervisor_timeout_seconds": 0.5}
    started = time.monotonic()
    result = harness.ingress.call(HUMAN, "moderate", request, key="mod-timeout")
    assert time.monotonic() - started >= 1.0
    assert result["decision"] == "escalated"
    assert result["decided_by"] is None
    assert result["timed_out"] == ["moderator", "supervisor"]


def test_moderation_deadline_runs_across_a_server_restart_then_the_supervisor_decides(harness: Harness) -> None:
    key = "mod-restart"
    request = {"content": "[id:mod2] Hello", "moderator_timeout_seconds": 2, "supervisor_timeout_seconds": 120}
    invocation = harness.ingress.send(HUMAN, "moderate", request, key=key)
    moderator = _pending(harness, key, role="moderator")
    assert "approve" in moderator["curl"]
    harness.restart_server()
    supervisor = _pending(harness, key, role="supervisor")
    harness.ingress.resolve_awakeable(supervisor["awakeable_id"], "reject: looks like spam")
    result = harness.ingress.attach(invocation)

    assert (result["decision"], result["decided_by"]) == ("rejected", "supervisor")
    assert result["comment"] == "reject: looks like spam"
    assert result["timed_out"] == ["moderator"]


def test_moderation_approved_in_time(harness: Harness) -> None:
    key = "mod-ok"
    invocation = harness.ingress.send(HUMAN, "moderate", {"content": "[id:mod3] Hi"}, key=key)
    moderator = _pending(harness, key, role="moderator")
    harness.ingress.resolve_awakeable(moderator["awakeable_id"], "approve")
    result = harness.ingress.attach(invocation)
    assert (result["decision"], result["decided_by"], result["timed_out"]) == ("approved", "moderator", [])


def test_chat_history_is_readable_during_a_message_and_survives_restarts(harness: Harness) -> None:
    key = "chat-1"
    assert harness.ingress.call("Chat", "message", "[id:chat] hello", key=key) == "[scripted] answer 1 for chat"
    assert harness.ingress.call("Chat", "message", "[id:chat] and then?", key=key) == "[scripted] answer 2 for chat"
    invocation = harness.ingress.send("Chat", "message", "[id:chat] [slow:3] tell me more", key=key)
    eventually(lambda: harness.calls.count("start", "chat") >= 3, message="the slow message reached the model")

    started = time.monotonic()
    during = call_shared(harness, "Chat", key, "get_history")["messages"]
    assert time.monotonic() - started < 1.5, "reading the history waited for the session"
    assert [m["role"] for m in during] == ["user", "assistant", "user", "assistant", "user"]
    assert during[-1]["content"] == "[id:chat] [slow:3] tell me more"

    assert harness.ingress.attach(invocation) == "[scripted] answer 3 for chat"
    harness.restart_server()
    harness.kill_service()
    harness.start_service()
    history = call_shared(harness, "Chat", key, "get_history")["messages"]
    assert [m["content"] for m in history[1::2]] == [f"[scripted] answer {i} for chat" for i in (1, 2, 3)]
    assert len(model_calls(harness, "chat")) == 3
    assert call_shared(harness, "Chat", "nobody", "get_history") == {"messages": []}


def test_human_evaluator_optimizer_keeps_memory_and_chain_of_thought(harness: Harness) -> None:
    key = "heo"
    task = "[id:heo] Write a slogan for durable agents"
    first = harness.ingress.call("HumanEvaluatorOptimizer", "run", {"task": task}, key=key)
    second = harness.ingress.call("HumanEvaluatorOptimizer", "run", {"task": task, "feedback": "more punch"}, key=key)
    assert [t["feedback"] for t in second["chain_of_thought"]] == ["", "more punch"]
    assert second["chain_of_thought"][0]["result"] == first["result"]
    keys = sorted(r["key"] for r in state_rows(harness, "HumanEvaluatorOptimizer", key))
    assert keys == ["chain_of_thought", "memory"]
    prompt = model_calls(harness, "heo")[1]["prompt"]
    assert "Attempt 1:" in prompt and "more punch" in prompt


@pytest.mark.parametrize(
    ("service", "handler", "body", "field"),
    [
        ("Chat", "message", 42, "string"),
        (HUMAN, "run", {"task": "x"}, "string"),
        (HUMAN, "run_with_promise", ["a list"], "string"),
        (HUMAN, "moderate", {"moderator_timeout_seconds": -1}, "moderator_timeout_seconds"),
        ("HumanEvaluatorOptimizer", "run", {"task": 5}, "task"),
        ("HumanEvaluatorOptimizer", "run", {"tsk": "typo"}, "tsk"),
    ],
)
def test_bad_input_to_keyed_handlers_is_a_terminal_400_storing_nothing(
    harness: Harness, service: str, handler: str, body: Any, field: str
) -> None:
    key = f"bad-{handler}"
    with pytest.raises(IngressError) as info:
        harness.ingress.call(service, handler, body, key=key)
    assert info.value.status == 400
    assert field in info.value.message
    assert state_rows(harness, service, key) == []
    rows = harness.query(
        f"select status, retry_count from sys_invocation where target_service_name = '{service}' "
        f"and target_service_key = '{key}'"
    )
    assert all(r["status"] == "completed" and r.get("retry_count", 0) <= 1 for r in rows), rows
