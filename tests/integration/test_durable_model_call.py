"""The durable model call over real HTTP: Restate retries transient provider errors, never repeats a
completed call after a crash, and fails at once on a terminal one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, TestServer, eventually
from resilient_agents.testing.fake_openai import FakeOpenAI


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


@pytest.fixture(scope="module")
def harness(restate_server: TestServer, endpoint: FakeOpenAI) -> Iterator[Harness]:
    env = {"RA_MODEL": f"{endpoint.base_url}#fake-model", "RA_MODEL_TIMEOUT": "5"}
    with restate_server.serve("tests.apps.steps:services", env=env) as h:
        yield h


def test_transient_errors_are_retried_by_restate(harness: Harness, endpoint: FakeOpenAI) -> None:
    endpoint.requests.clear()
    endpoint.fail(429, retry_after=0.2).fail(500).fail(503)
    assert harness.ingress.call("LlmOnce", "ask", "retry me") == "fake answer to: retry me"
    assert len(endpoint.requests) == 4


def test_401_fails_at_once_with_a_clear_message(harness: Harness, endpoint: FakeOpenAI) -> None:
    endpoint.requests.clear()
    endpoint.fail(401)
    with pytest.raises(IngressError) as info:
        harness.ingress.call("LlmOnce", "ask", "bad key")
    assert info.value.status == 401
    assert "API key" in info.value.message
    assert len(endpoint.requests) == 1


def test_completed_model_call_is_not_repeated_after_sigkill(harness: Harness, endpoint: FakeOpenAI) -> None:
    endpoint.requests.clear()
    invocation = harness.ingress.send("LlmOnce", "ask_and_wait", "crash after me")
    entry = eventually(lambda: harness.calls.entries("awakeable", "crash after me"))
    assert len(endpoint.requests) == 1
    harness.kill_service()
    harness.start_service()
    harness.ingress.resolve_awakeable(entry[0]["id"], "resumed")
    assert harness.ingress.attach(invocation) == "fake answer to: crash after me / resumed"
    assert len(endpoint.requests) == 1, "the journaled model call was sent to the provider again"
    completions = [e for e in harness.admin.journal(invocation) if e.entry_type == "Notification: Run"]
    journaled = completions[0].value
    assert journaled["parts"][0]["content"] == "fake answer to: crash after me"
    assert journaled["usage"]["input_tokens"] == 10, "token usage is journaled with the response"
