"""The agent loop against a real Restate server: conversations, handoffs, parallel and scheduled tool calls,
errors that go back to the model, guards, and a history that grows linearly."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, eventually, harness_fixture

harness = harness_fixture("tests.apps.agents:services", env={"RA_MODEL": "registered:loop-script"})
SESSION = "LoopSession"


def new_key() -> str:
    return f"s-{uuid.uuid4().hex[:8]}"


def run(h: Harness, key: str, message: Any) -> dict[str, Any]:
    result: dict[str, Any] = h.ingress.call(SESSION, "run", message, key=key)
    return result


def call_message(*calls: tuple[str, Any]) -> str:
    return "call " + json.dumps([list(c) for c in calls])


def test_multi_turn_conversation(harness: Harness) -> None:
    key = new_key()
    first = run(harness, key, "say one")
    second = run(harness, key, {"message": "say two"})
    assert first["final_output"] == "said: one" and second["final_output"] == "said: two"
    assert [m["index"] for m in second["messages"]] == [2, 3]
    history = harness.ingress.call(SESSION, "get_history", key=key)
    assert [(m["role"], m["content"]) for m in history] == [
        ("user", "say one"),
        ("assistant", "said: one"),
        ("user", "say two"),
        ("assistant", "said: two"),
    ]
    assert history[1]["agent"] == "A"
    state = harness.ingress.call(SESSION, "get_state", key=key)
    assert state["turns"] == 2 and state["status"] == "idle" and state["agent"] == "A"
    assert state["usage"]["requests"] == 2 and state["usage"]["input_tokens"] > 0
    assert second["session_usage"]["requests"] == 2 and second["usage"]["requests"] == 1
    raw = harness.ingress.call(SESSION, "get_messages", key=key)
    assert [m["kind"] for m in raw] == ["request", "response", "request", "response"]


def test_chain_of_handoffs(harness: Harness) -> None:
    key = new_key()
    result = run(harness, key, "chain B C")
    assert result["final_output"] == "chain ended at C" and result["agent"] == "C"
    handoffs = [m for m in result["messages"] if m["role"] == "handoff"]
    assert [m["content"] for m in handoffs] == ["A -> B", "B -> C"]
    assert harness.ingress.call(SESSION, "get_state", key=key)["agent"] == "C"
    # the active agent is kept: the next message goes to C, which can hand back to A
    assert run(harness, key, "hello")["final_output"] == "C heard: hello"
    assert run(harness, key, "chain A")["agent"] == "A"


def test_three_slow_tools_take_the_time_of_one(harness: Harness) -> None:
    key = new_key()
    delay = 1.0
    calls = [("slow", {"name": f"{key}-{n}", "delay": delay}) for n in "abc"]
    started = time.monotonic()
    result = run(harness, key, call_message(*calls))
    elapsed = time.monotonic() - started
    assert result["final_output"] == f"done: slow={key}-a ok; slow={key}-b ok; slow={key}-c ok"
    assert elapsed < 0.6 * 3 * delay, f"three {delay}s tools took {elapsed:.2f}s"
    assert all(harness.calls.count("effect", f"{key}-{n}") == 1 for n in "abc")
    # each answered as the result of its own call id
    results = {m["tool_call_id"]: m["content"] for m in result["messages"] if m["role"] == "tool_result"}
    call_ids = [m["tool_call_id"] for m in result["messages"] if m["role"] == "tool_call"]
    assert [results[c] for c in call_ids] == [f"{key}-a ok", f"{key}-b ok", f"{key}-c ok"]


def test_function_tools_run_in_parallel_too(harness: Harness) -> None:
    key = new_key()
    started = time.monotonic()
    result = run(
        harness, key, call_message(("nap", {"seconds": 1.0}), ("nap", {"seconds": 1.0}), ("nap", {"seconds": 1.0}))
    )
    elapsed = time.monotonic() - started
    assert result["final_output"] == "done: nap=1.0; nap=1.0; nap=1.0"
    assert elapsed < 1.8, f"three 1s function tools took {elapsed:.2f}s"


def test_failures_and_bad_calls_go_back_to_the_model(harness: Harness) -> None:
    key = new_key()
    result = run(
        harness,
        key,
        call_message(
            ("broken", {"reason": "disk full"}),
            ("flaky", {"note": "n"}),
            ("no_such_tool", {}),
            ("multiply", {"a": "six"}),
            ("multiply", "{not json"),
            ("multiply", {"a": 6, "b": 7}),
        ),
    )
    output = result["final_output"]
    assert "broken=failed:The tool failed: broken tool: disk full" in output
    assert "flaky=failed:The tool failed:" in output and "flaky failed on n" in output
    assert "no_such_tool=retried:Unknown tool 'no_such_tool'" in output
    assert (
        "multiply=retried:Invalid arguments for multiply" in output and "a: Input should be a valid integer" in output
    )
    assert "multiply=retried:The arguments are not a JSON object" in output
    assert output.endswith("multiply=42")
    errors = [m for m in result["messages"] if m["role"] == "tool_result" and m["is_error"]]
    assert len(errors) == 5
    assert harness.ingress.call(SESSION, "get_state", key=key)["status"] == "idle"


def test_an_agent_used_as_a_tool(harness: Harness) -> None:
    result = run(harness, new_key(), call_message(("ask_helper", {"input": "say hi from the helper"})))
    assert result["final_output"] == "done: ask_helper=said: hi from the helper"


def test_a_delayed_tool_call_is_a_durable_delayed_call(harness: Harness) -> None:
    key = new_key()
    result = run(harness, key, call_message(("remind", {"note": key, "delay_seconds": 1.5})))
    answer = json.loads(result["final_output"].removeprefix("done: remind="))
    assert answer["scheduled"] is True and answer["delay_seconds"] == 1.5
    assert harness.calls.count("reminder", key) == 0, "ran at once instead of later"
    rows = harness.query(f"select status, target from sys_invocation where id = '{answer['invocation_id']}'")
    assert rows and rows[0]["target"].startswith("LoopTools/remind")
    eventually(lambda: harness.calls.count("reminder", key) == 1, timeout=15, message="the reminder fired")


def test_a_background_tool_is_started_not_awaited(harness: Harness) -> None:
    key = new_key()
    started = time.monotonic()
    result = run(harness, key, call_message(("slow_in_background", {"name": key, "delay": 2.0})))
    assert time.monotonic() - started < 1.5, "the session waited for the background tool"
    answer = json.loads(result["final_output"].removeprefix("done: slow_in_background="))
    assert answer["started"] is True and answer["invocation_id"].startswith("inv_")
    assert harness.ingress.attach(answer["invocation_id"]) == f"{key} ok"
    assert harness.calls.count("effect", key) == 1


def test_tools_act_for_the_session_key_only(harness: Harness) -> None:
    key = new_key()
    result = run(
        harness,
        key,
        call_message(("get_secret", {"customer_id": "bob"}), ("get_secret", {}), ("whoami", {})),
    )
    output = result["final_output"]
    assert "get_secret=retried:Invalid arguments for get_secret: get_secret takes no arguments" in output
    assert f"get_secret=secret of {key}" in output and "secret of bob" not in output
    assert f"whoami={key} via A" in output


def test_token_budget_and_max_turns(harness: Harness) -> None:
    key = new_key()
    run(harness, key, "say one")
    used = harness.ingress.call(SESSION, "get_state", key=key)["usage"]
    spent = used["input_tokens"] + used["output_tokens"]
    harness.ingress.call(SESSION, "configure", {"token_budget": spent + 1}, key=key)
    run(harness, key, "say two")  # allowed: the budget was not used up before the call
    with pytest.raises(IngressError) as info:
        run(harness, key, "say three")
    assert info.value.status == 429 and "token budget used up" in info.value.message
    state = harness.ingress.call(SESSION, "get_state", key=key)
    assert state["status"] == "idle" and state["budget"]["token_budget"] == spent + 1
    assert state["usage"]["requests"] == 2, "no model call after the budget ran out"
    last = harness.ingress.call(SESSION, "get_history", key=key)[-1]
    assert last["role"] == "event" and "token budget used up" in last["content"]

    other = new_key()
    harness.ingress.call(SESSION, "configure", {"max_turns": 1}, key=other)
    with pytest.raises(IngressError) as turns:
        run(harness, other, call_message(("multiply", {"a": 2, "b": 3})))
    assert turns.value.status == 429 and "max_turns reached" in turns.value.message
    history = harness.ingress.call(SESSION, "get_history", key=other)
    assert [m["role"] for m in history] == ["user", "tool_call", "tool_result", "event"]


def test_notify_adds_an_event_without_a_model_call(harness: Harness) -> None:
    key = new_key()
    run(harness, key, "say hi")
    before = harness.calls.count("model")
    line = harness.ingress.call(SESSION, "notify", {"message": "loan L-1 approved", "source": "LoanWorkflow"}, key=key)
    assert line["role"] == "event" and line["content"] == "loan L-1 approved" and line["source"] == "LoanWorkflow"
    assert harness.calls.count("model") == before
    history = harness.ingress.call(SESSION, "get_history", key=key)
    assert history[-1] == line
    # the model reads the event in the next turn
    assert run(harness, key, "what happened")["final_output"] == "A heard: what happened"
    messages = harness.ingress.call(SESSION, "get_messages", key=key)
    assert "[event from LoanWorkflow] loan L-1 approved" in json.dumps(messages)


def test_bad_requests_are_terminal_400s(harness: Harness) -> None:
    key = new_key()
    for body, field in (({"message": 5}, "message"), ({"text": "hi"}, "text"), ("   ", "message")):
        with pytest.raises(IngressError) as info:
            run(harness, key, body)
        assert info.value.status == 400 and field in info.value.message
    with pytest.raises(IngressError) as unknown:
        harness.ingress.call(SESSION, "approve", {"approval_id": "ap-nothing"}, key=key)
    assert unknown.value.status == 404 and "approval_id" in unknown.value.message
    with pytest.raises(IngressError) as reserved:
        run(harness, f"{key}~inbox", "say hi")
    assert reserved.value.status == 400
    with pytest.raises(IngressError) as private:
        harness.ingress.call(SESSION, "inbox_take", key=f"{key}~inbox")
    assert private.value.status >= 400


def _set_state_bytes(h: Harness, invocation_id: str) -> int:
    rows = h.query(
        f"select entry_json from sys_journal where id = '{invocation_id}' and entry_type = 'Command: SetState'"
    )
    return sum(len(json.loads(r["entry_json"])["Command"]["SetState"]["value"]) for r in rows)


def test_history_grows_linearly(harness: Harness) -> None:
    key = new_key()
    first = harness.ingress.send(SESSION, "run", "say turn 1", key=key)
    for n in range(2, 100):
        harness.ingress.send(SESSION, "run", f"say turn {n}", key=key)
    last = harness.ingress.send(SESSION, "run", "say turn 100", key=key)
    assert harness.ingress.attach(last)["final_output"] == "said: turn 100"
    assert harness.ingress.call(SESSION, "get_state", key=key)["turns"] == 100
    turn_1, turn_100 = _set_state_bytes(harness, first), _set_state_bytes(harness, last)
    stored = harness.query(
        f"select sum(length(value)) as n from state where service_name = '{SESSION}' and service_key = '{key}'"
    )[0]["n"]
    assert turn_1 > 0
    assert turn_100 <= turn_1 * 1.1, f"turn 100 wrote {turn_100} bytes, turn 1 wrote {turn_1}"
    assert stored > 50 * turn_100, "the conversation is much larger than what one turn writes"
