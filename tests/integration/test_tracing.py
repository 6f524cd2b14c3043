"""OpenTelemetry traces end to end: restate-server and the service process export to one (fake) OTLP collector.

Proves: one trace runs from the ingress span to our model-call and tool spans (children of the Restate attempt
that ran them); content is left out by default and API keys never leave the process even when content is in; a
replay after a SIGKILL of the service emits no second span for the journaled model call or the replayed turn.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from resilient_agents.observability import (
    CONTENT_ENV,
    ENDPOINT_ENV,
    HANDOFF_ATTRIBUTE,
    UNTRACED_SERVER,
    server_tracing_env,
)
from resilient_agents.testing import Harness, TestServer, eventually
from resilient_agents.testing.fake_otlp import CollectedSpan, FakeCollector
from tests.integration.test_dev_runner import dev_env, dev_running, run_dev

pytestmark = pytest.mark.server

SECRET = "sk-tracing-test-0123456789abcdef"
# Export batches every 50 ms (both the server and the SDK read it), so spans arrive while the test polls.
QUICK_EXPORT = {"OTEL_BSP_SCHEDULE_DELAY": "50"}
SESSION = "TracedSession"


@pytest.fixture(scope="module")
def collector() -> Iterator[FakeCollector]:
    with FakeCollector() as fake:
        yield fake


@pytest.fixture(scope="module")
def traced(collector: FakeCollector, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """A restate-server and a service process of their own, both exporting to the collector."""
    server_env = {**server_tracing_env(collector.endpoint), **QUICK_EXPORT}
    with TestServer.start(tmp_path_factory.mktemp("traced"), extra_env=server_env) as server:
        env = {
            "RA_MODEL": "registered:trace-script",
            ENDPOINT_ENV: collector.endpoint,
            "OPENAI_API_KEY": SECRET,
            **QUICK_EXPORT,
        }
        with server.serve("tests.apps.tracing:services", env=env) as harness:
            yield harness


def trace_of(spans: list[CollectedSpan], invocation: str) -> list[CollectedSpan]:
    """The spans of the trace that the ingress span of `invocation` starts."""
    roots = [
        s for s in spans if s.name.startswith("ingress ") and s.attributes.get("restate.invocation.id") == invocation
    ]
    return [s for s in spans if roots and s.trace_id == roots[0].trace_id]


def attempts(spans: list[CollectedSpan], invocation: str) -> list[CollectedSpan]:
    found = [
        s
        for s in spans
        if s.name.startswith("invocation-attempt ") and s.attributes.get("restate.invocation.id") == invocation
    ]
    return sorted(found, key=lambda s: s.start_ns)


def named(spans: list[CollectedSpan], prefix: str) -> list[CollectedSpan]:
    return sorted([s for s in spans if s.name.startswith(prefix)], key=lambda s: s.start_ns)


def finished_run(collector: FakeCollector, invocation: str, chats: int) -> list[CollectedSpan]:
    """Wait until the run's trace holds its end (from the server) and `chats` model calls and the last turn span
    (from the service); then a stray span of this run would have come in the same or an earlier batch."""

    def complete(spans: list[CollectedSpan]) -> list[CollectedSpan]:
        run = trace_of(spans, invocation)
        ended = any(
            s.name.startswith("invocation-end ") for s in run if s.attributes.get("restate.invocation.id") == invocation
        )
        turns = named(run, "agent turn ")
        last_turn_done = any(t.attributes.get("resilient_agents.turn") == chats for t in turns)
        return run if ended and len(named(run, "chat ")) >= chats and last_turn_done else []

    return collector.wait_for(complete, timeout=30)


def test_one_trace_from_the_ingress_to_the_model_call_and_the_tool(traced: Harness, collector: FakeCollector) -> None:
    invocation = traced.ingress.send(SESSION, "run", f"lookup marker7731 {SECRET}", key=f"t-{uuid.uuid4().hex[:6]}")
    assert traced.ingress.attach(invocation)["final_output"] == "done: found marker7731"

    run = finished_run(collector, invocation, chats=2)
    (ingress,) = named(run, "ingress ")
    (attempt,) = attempts(run, invocation)
    assert ingress.service == "Restate" and ingress.parent_id == ""
    chats = named(run, "chat ")
    (tool,) = named(run, "execute_tool ")
    turns = named(run, "agent turn ")
    ours = [*chats, tool, *turns]
    assert {s.service for s in ours} == {"resilient-agents"}
    assert len(chats) == 2 and len(turns) == 2
    for span in ours:
        assert span.trace_id == ingress.trace_id
        assert span.parent_id == attempt.span_id, f"{span.name} is not a child of the Restate attempt"
        assert collector.is_descendant(span, ingress)
    assert chats[0].attributes["gen_ai.request.model"] == "trace-script"
    assert chats[0].attributes["gen_ai.usage.input_tokens"] > 0
    assert tool.attributes["gen_ai.tool.name"] == "lookup" and tool.attributes["gen_ai.agent.name"] == "Teller"
    assert [t.attributes["resilient_agents.turn"] for t in turns] == [1, 2]
    # The server traces the journal: each command is an event of the attempt, ctx.run names included.
    steps = [e[1].get("restate.journal.command.name") for e in attempt.events]
    assert steps.count("LLM call (Teller)") == 2 and "tool lookup" in steps

    # Content is left out by default: neither the prompt nor the tool's arguments were exported, nor the key.
    exported = collector.raw()
    assert b"marker7731" not in exported
    assert SECRET.encode() not in exported


def test_a_handoff_shows_in_the_turn_spans(traced: Harness, collector: FakeCollector) -> None:
    invocation = traced.ingress.send(SESSION, "run", "transfer", key=f"h-{uuid.uuid4().hex[:6]}")
    assert traced.ingress.attach(invocation)["final_output"] == "audited"

    turns = named(finished_run(collector, invocation, chats=2), "agent turn ")
    assert [t.attributes["gen_ai.agent.name"] for t in turns] == ["Teller", "Auditor"]
    assert turns[0].attributes[HANDOFF_ATTRIBUTE] == "Auditor"
    assert HANDOFF_ATTRIBUTE not in turns[1].attributes


def test_a_replay_after_a_crash_emits_no_second_span_for_journaled_work(
    traced: Harness, collector: FakeCollector
) -> None:
    models_before = traced.calls.count("model")
    invocation = traced.ingress.send(SESSION, "run", "lookup hold-crash", key=f"c-{uuid.uuid4().hex[:6]}")
    # The first model call is journaled and exported, the tool hangs in its step: kill the service there.
    collector.wait_for(lambda spans: named(trace_of(spans, invocation), "chat "), timeout=30)
    eventually(lambda: traced.calls.count("lookup", "hold-crash") == 1, 30, message="the tool started")
    traced.kill_service()
    traced.start_service()
    assert traced.ingress.attach(invocation)["final_output"] == "done: found hold-crash"

    run = finished_run(collector, invocation, chats=2)
    # The first attempt died with the service; attempts made while it was down failed to connect; the last one
    # replayed the journal and finished the run.
    tries = attempts(run, invocation)
    first, second = tries[0], tries[-1]
    assert len(tries) >= 2
    chats = named(run, "chat ")
    assert traced.calls.count("model") - models_before == 2, "each model call ran once"
    assert len(chats) == 2, f"a replayed model call was traced again: {[c.parent_id for c in chats]}"
    assert chats[0].parent_id == first.span_id and chats[1].parent_id == second.span_id
    # The tool step in flight at the kill ran again (at least once, as designed) and its new run is traced; the
    # span of the killed run died with the process.
    (tool,) = named(run, "execute_tool ")
    assert tool.parent_id == second.span_id
    # Turn 1 was replayed in the second attempt: no span for it there. Turn 2 ran for real.
    second_turns = [t for t in named(run, "agent turn ") if t.parent_id == second.span_id]
    assert [t.attributes["resilient_agents.turn"] for t in second_turns] == [2]


def test_content_is_opt_in_and_api_keys_never_leave(traced: Harness, collector: FakeCollector) -> None:
    traced.service.env[CONTENT_ENV] = "1"
    traced.restart_service()
    try:
        invocation = traced.ingress.send(SESSION, "run", f"lookup marker4242 {SECRET}", key=f"s-{uuid.uuid4().hex[:6]}")
        assert traced.ingress.attach(invocation)["final_output"] == "done: found marker4242"
        run = finished_run(collector, invocation, chats=2)
    finally:
        del traced.service.env[CONTENT_ENV]
        traced.restart_service()

    first_chat = named(run, "chat ")[0]
    (tool,) = named(run, "execute_tool ")
    assert "marker4242" in first_chat.attributes["gen_ai.input.messages"], "content is in when asked for"
    assert "[redacted]" in first_chat.attributes["gen_ai.input.messages"]
    assert "marker4242" in tool.attributes["gen_ai.tool.call.arguments"]
    assert "[redacted]" in tool.attributes["gen_ai.tool.call.arguments"]
    assert SECRET.encode() not in collector.raw(), "the API key was exported"


def test_a_server_that_does_not_trace_gets_one_warning_and_no_orphan_spans(
    restate_server: TestServer, collector: FakeCollector
) -> None:
    """Without the server's trace context our spans would each start a trace of their own: none are recorded."""
    before = len(collector.spans())
    env = {"RA_MODEL": "registered:trace-script", ENDPOINT_ENV: collector.endpoint, **QUICK_EXPORT}
    with restate_server.serve("tests.apps.tracing:services", env=env) as harness:
        for n in range(2):
            answer = harness.ingress.call(SESSION, "run", f"lookup untraced{n}", key=f"u-{uuid.uuid4().hex[:6]}")
            assert answer["final_output"] == f"done: found untraced{n}"
    # The service process has stopped, and flushed what it had on the way out.
    assert harness.service_log_text().count(UNTRACED_SERVER) == 1
    assert [s.name for s in collector.spans()[before:]] == []


def test_a_bad_endpoint_stops_the_service_process_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "resilient_agents.engine", "tests.apps.tracing:services", "--port", "1"],
        env={"PATH": "/usr/bin:/bin", ENDPOINT_ENV: "localhost:4317", "RA_CALL_LOG": str(tmp_path / "calls")},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert f"error: {ENDPOINT_ENV}='localhost:4317' is not an OTLP/gRPC endpoint" in result.stderr


def test_a_bad_endpoint_stops_the_dev_runner_before_it_starts_anything(tmp_path: Path) -> None:
    result = run_dev(dev_env(tmp_path, **{ENDPOINT_ENV: "grpc://localhost:4317"}), "--exit-after-ready")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"{ENDPOINT_ENV}='grpc://localhost:4317' is not an OTLP/gRPC endpoint" in lines[0]
    assert not (tmp_path / ".restate").exists()


def test_the_dev_runner_traces_the_server_and_the_services(tmp_path: Path, collector: FakeCollector) -> None:
    env = dev_env(tmp_path, **{ENDPOINT_ENV: collector.endpoint}, **QUICK_EXPORT)
    log = tmp_path / "dev.log"
    with dev_running(env, log, "tests.apps.steps:services"):
        assert f"traces: OTLP/gRPC to {collector.endpoint}" in log.read_text()
        answer = httpx.post(f"http://127.0.0.1:{env['RA_INGRESS_PORT']}/LlmOnce/ask", json="hello", timeout=30)
        assert answer.status_code == 200, answer.text

        def model_call_in_a_restate_trace(spans: list[CollectedSpan]) -> list[CollectedSpan]:
            roots = {s.trace_id for s in spans if s.service == "Restate" and s.name == "ingress LlmOnce/ask"}
            return [s for s in spans if s.trace_id in roots and s.name.startswith("chat ")]

        (chat,) = collector.wait_for(model_call_in_a_restate_trace, timeout=30)
        assert chat.service == "resilient-agents" and chat.attributes["gen_ai.request.model"] == "offline"
