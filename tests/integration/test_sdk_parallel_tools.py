"""Agent SDKs inside Restate: tool calls of one response run in parallel, survive a crash, sessions keep state.

Both SDKs are exercised through the same test app (tests/apps/sdk_agents.py): the OpenAI Agents SDK on
`restate.ext.openai.DurableRunner` with the SDK's own ScriptedModel routed through our model provider, and
Pydantic AI on `restate.ext.pydantic.RestateAgent` with our ScriptedModel.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, TestServer, eventually, harness_fixture

harness = harness_fixture("tests.apps.sdk_agents:SERVICES")

OPENAI = "SdkOpenAISession"
PYDANTIC = "SdkPydanticSession"
SESSIONS = [OPENAI, PYDANTIC]
MODEL_LOG = {OPENAI: "openai-script", PYDANTIC: "pydantic-script"}


def journal(h: Harness, invocation_id: str) -> list[dict[str, object]]:
    return h.query(f"select index, entry_type, name from sys_journal where id = '{invocation_id}' order by index")


def run_completed(h: Harness, step: str) -> bool:
    """True when some invocation journaled the completion of the `ctx.run` named `step`."""
    rows = h.query(f"select id, index from sys_journal where name = '{step}' and entry_type = 'Command: Run'")
    for row in rows:
        after = h.query(
            f"select count(*) as n from sys_journal where id = '{row['id']}' "
            f"and entry_type = 'Notification: Run' and index > {row['index']}"
        )
        if after[0]["n"]:
            return True
    return False


@pytest.mark.parametrize("session", SESSIONS)
def test_calls_of_one_response_run_concurrently(harness: Harness, session: str) -> None:
    p = session[3].lower()  # item names unique per SDK: the call log is shared by the module
    harness.ingress.call(session, "run", "warm up", key=f"speed-{p}")  # first-use costs stay out of the timing
    items = [f"{p}speed{i}" for i in range(4)]
    start = time.monotonic()
    invocation = harness.ingress.send(session, "run", "lookup " + " ".join(f"{i}:1" for i in items), key=f"speed-{p}")
    reply = harness.ingress.attach(invocation)
    wall = time.monotonic() - start
    assert reply["final_output"] == "results: " + "; ".join(f"{i}: found" for i in items)
    assert wall < 0.6 * 4 * 1.0, f"4 tools of 1 s took {wall:.2f} s"
    spans = [harness.calls.entries("effect", i)[0] for i in items]
    assert max(s["start"] for s in spans) < min(s["end"] for s in spans), "all four were running at the same time"
    # Determinism: the four calls were started together, in the response's order, before any result arrived.
    entries = journal(harness, invocation)
    started = [e["index"] for e in entries if e["entry_type"] == "Command: Call"]
    results = [e["index"] for e in entries if e["entry_type"] == "Notification: Call"]
    assert len(started) == 4 and len(results) == 4
    assert max(started) < min(results)  # type: ignore[type-var]


def test_crash_mid_batch_replays_to_the_same_result_without_repeating_effects(harness: Harness) -> None:
    # One crash for both SDKs: each has a batch of two quick tools (done before the kill) and two slow ones
    # (running at the kill). The service process, which runs both the sessions and the tools, is SIGKILLed.
    batches = {
        s: ([f"{s[3].lower()}crash{i}" for i in (1, 2)], [f"{s[3].lower()}crash{i}" for i in (3, 4)]) for s in SESSIONS
    }
    models_before = {s: harness.calls.count("model", MODEL_LOG[s]) for s in SESSIONS}
    invocations = {}
    for session, (fast, slow) in batches.items():
        message = "lookup " + " ".join([f"{i}:0.2" for i in fast] + [f"{i}:2" for i in slow])
        invocations[session] = harness.ingress.send(session, "run", message, key=f"crash-{session}")
    for fast, _ in batches.values():
        for item in fast:
            eventually(lambda item=item: run_completed(harness, f"lookup {item}"), message=f"{item} journaled")
    harness.kill_service()
    for fast, slow in batches.values():
        assert all(harness.calls.count("effect", i) == 1 for i in fast)
        assert all(harness.calls.count("effect", i) == 0 for i in slow), "the slow tools were still running"
    harness.start_service()
    for session, (fast, slow) in batches.items():
        reply = harness.ingress.attach(invocations[session])
        assert reply["final_output"] == "results: " + "; ".join(f"{i}: found" for i in fast + slow)
        assert {i: harness.calls.count("effect", i) for i in fast + slow} == dict.fromkeys(fast + slow, 1)
        # One model call chose the tools, one answered: the first was replayed from the journal, not repeated.
        assert harness.calls.count("model", MODEL_LOG[session]) - models_before[session] == 2


@pytest.mark.parametrize("session", SESSIONS)
def test_state_and_history_readable_while_and_after_running(harness: Harness, session: str) -> None:
    p = session[3].lower()
    key = f"state-{p}"
    invocation = harness.ingress.send(session, "run", f"lookup {p}state1:1.5", key=key)
    running = eventually(
        lambda: (s := harness.ingress.call(session, "get_state", key=key))["status"] == "running" and s,
        message="status running",
    )
    assert running["turns"] == 0
    history = harness.ingress.call(session, "get_history", key=key)
    assert history[0]["role"] == "user" and history[0]["content"] == f"lookup {p}state1:1.5"
    harness.ingress.attach(invocation)
    state = harness.ingress.call(session, "get_state", key=key)
    assert state["status"] == "idle" and state["turns"] == 1 and state["agent"] == "Researcher"
    assert state["usage"]["requests"] == 2 and state["usage"]["input_tokens"] >= 0
    roles = [(m["role"], m["tool_name"]) for m in harness.ingress.call(session, "get_history", key=key)]
    assert roles == [("user", None), ("tool_call", "slow_lookup"), ("tool_result", "slow_lookup"), ("assistant", None)]


@pytest.mark.parametrize("session", SESSIONS)
def test_multi_turn_conversation_is_kept_in_the_object(harness: Harness, session: str) -> None:
    key = f"memory-{session}"
    first = harness.ingress.call(session, "run", {"message": "my name is Ada"}, key=key)
    assert first["turn"] == 1
    second = harness.ingress.call(session, "run", "what did I say?", key=key)
    assert second["final_output"] == "you said before: my name is Ada"
    assert second["turn"] == 2 and second["session_usage"]["requests"] == 2
    assert [m["index"] for m in second["messages"]] == [2, 3]


@pytest.mark.parametrize("session", SESSIONS)
def test_bad_input_is_a_terminal_400(harness: Harness, session: str) -> None:
    with pytest.raises(IngressError) as unknown:
        harness.ingress.call(session, "run", {"msg": "hi"}, key="bad")
    assert unknown.value.status == 400 and "msg" in unknown.value.message
    with pytest.raises(IngressError) as empty:
        harness.ingress.call(session, "run", "  ", key="bad")
    assert empty.value.status == 400 and "message" in empty.value.message


def test_handoff_then_the_specialist_keeps_the_conversation(harness: Harness) -> None:
    key = "handoff"
    reply = harness.ingress.call(OPENAI, "run", "transfer", key=key)
    assert reply["agent"] == "Helper" and reply["final_output"] == "helper: transfer"
    assert [m["role"] for m in reply["messages"]] == ["user", "handoff", "assistant"]
    before = len(harness.calls.entries("model", "openai-script"))
    again = harness.ingress.call(OPENAI, "run", "thanks", key=key)
    assert again["agent"] == "Helper" and again["final_output"] == "helper: thanks"
    asked = [e["agent"] for e in harness.calls.entries("model", "openai-script")[before:]]
    assert asked == ["Helper"], "the next message went straight to the agent that answered last"
    assert harness.ingress.call(OPENAI, "get_state", key=key)["agent"] == "Helper"


def test_parallel_tools_mix_with_an_in_session_durable_function_tool(harness: Harness) -> None:
    reply = harness.ingress.call(OPENAI, "run", "lookup mix1:0.3 note:mixfact mix2:0.3", key="mix")
    assert reply["final_output"] == "results: mix1: found; noted: mixfact; mix2: found"
    assert harness.calls.count("effect", "remember mixfact") == 1


def test_batches_replay_deterministically_at_every_suspension(tmp_path: Path) -> None:
    """With always-replay, each wait of the agent (model, every tool result) replays the run from its journal."""
    with (
        TestServer.start(tmp_path, always_replay=True) as server,
        server.serve("tests.apps.sdk_agents:SERVICES") as h,
    ):
        for session in SESSIONS:
            items = [f"{session[3].lower()}replay{i}" for i in range(3)]
            reply = h.ingress.call(session, "run", "lookup " + " ".join(f"{i}:0.3" for i in items), key="replay")
            assert reply["final_output"] == "results: " + "; ".join(f"{i}: found" for i in items)
            assert [h.calls.count("effect", i) for i in items] == [1, 1, 1]
            assert h.calls.count("model", MODEL_LOG[session]) == 2, "a replay asked the model again"
