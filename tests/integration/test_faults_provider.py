"""Model provider faults over real HTTP (the `openai` client against a local endpoint): a chain of model
calls and an agent session complete through rate limits, 5xx, timeouts, truncated bodies and malformed tool-call
arguments; a bad key fails at once, terminal, and leaves the session usable.

The endpoint runs in the test process and counts every request, which is how retries are proven: a transient
fault costs exactly one extra request, a 401 none, and a call journaled before a SIGKILL is never sent again.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from resilient_agents import IngressError
from resilient_agents.testing import Harness, TestServer, eventually
from resilient_agents.testing.fake_openai import FakeOpenAI, Fault
from tests.apps.faults import SESSION, endpoint_reply

MODEL_TIMEOUT = 3.0  # generous: a busy machine must not time out a normal answer (it would add a request)


class StampedRequests(list[dict[str, Any]]):
    """The endpoint's request list, with the arrival time of each request."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, body: dict[str, Any]) -> None:
        self.times.append(time.monotonic())
        super().append(body)


def prompt_of(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


@pytest.fixture(scope="module")
def endpoint() -> Iterator[FakeOpenAI]:
    with FakeOpenAI(reply=endpoint_reply) as fake:
        yield fake


@pytest.fixture()
def requests(endpoint: FakeOpenAI) -> StampedRequests:
    endpoint.faults.clear()
    endpoint.requests = StampedRequests()
    return endpoint.requests


@pytest.fixture(scope="module")
def harness(restate_server: TestServer, endpoint: FakeOpenAI) -> Iterator[Harness]:
    env = {"RA_MODEL": f"{endpoint.base_url}#fake-model", "RA_MODEL_TIMEOUT": str(MODEL_TIMEOUT)}
    with restate_server.serve("tests.apps.faults:SERVICES", env=env) as h:
        yield h


def sent(requests: StampedRequests) -> Counter[str]:
    return Counter(prompt_of(body) for body in requests)


def invocation_row(h: Harness, invocation_id: str) -> dict[str, Any]:
    return h.query(f"select status, retry_count, completion_result from sys_invocation where id = '{invocation_id}'")[0]


def test_every_transient_fault_costs_one_retry(harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests):
    endpoint.fail(429, retry_after=0.1).fail(500).slow(MODEL_TIMEOUT * 2.5).truncated().fail(502)
    prompts = ["alpha", "beta", "gamma"]
    answers = harness.ingress.call("ModelChain", "run", {"prompts": prompts})
    assert answers == [f"fake answer to: {p}" for p in prompts]
    assert len(requests) == len(prompts) + 5, "one extra request per fault, no more"
    assert not endpoint.faults, "every fault was served"


def test_retry_after_is_honoured(harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests) -> None:
    endpoint.fail(429, retry_after=1.5)
    assert harness.ingress.call("ModelChain", "run", {"prompts": ["wait for me"]}) == ["fake answer to: wait for me"]
    assert len(requests) == 2
    gap = requests.times[1] - requests.times[0]
    # The test retry policy would retry after 50 ms; only the provider's Retry-After explains a longer gap.
    assert gap >= 1.2, f"retried after {gap:.2f}s, before the provider's Retry-After of 1.5s"


def test_bad_key_fails_at_once_terminal(harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests) -> None:
    endpoint.faults.append(Fault())  # the first call succeeds, the second meets a revoked key
    endpoint.fail(401)
    invocation = harness.ingress.send("ModelChain", "run", {"prompts": ["fine", "revoked"]})
    with pytest.raises(IngressError) as info:
        harness.ingress.attach(invocation)
    assert info.value.status == 401
    assert "rejected the API key" in info.value.message and "RA_MODEL" in info.value.message
    row = invocation_row(harness, invocation)
    assert row["status"] == "completed" and row["completion_result"] == "failure"
    assert row.get("retry_count", 0) == 0, "a terminal provider error is never retried"
    assert sent(requests) == Counter({"fine": 1, "revoked": 1})


def test_call_journaled_before_a_kill_is_not_sent_again(
    harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests
) -> None:
    endpoint.faults.append(Fault())
    endpoint.slow(MODEL_TIMEOUT * 0.75)  # the second call is in flight when the service dies
    invocation = harness.ingress.send("ModelChain", "run", {"prompts": ["kept", "in flight"]})
    eventually(lambda: sent(requests)["in flight"] >= 1, message="second call sent")
    harness.kill_service()
    harness.start_service()
    assert harness.ingress.attach(invocation) == ["fake answer to: kept", "fake answer to: in flight"]
    counts = sent(requests)
    assert counts["kept"] == 1, "the journaled call went to the provider again"
    assert counts["in flight"] >= 2, "the call in flight at the kill is sent again (at least once)"


def new_session() -> str:
    return f"faults-{uuid.uuid4().hex[:8]}"


def test_session_completes_through_every_fault(
    harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests
) -> None:
    endpoint.fail(429, retry_after=0.1).malformed_arguments().truncated().slow(MODEL_TIMEOUT * 2.5).fail(500)
    key = new_session()
    answer = harness.ingress.call(SESSION, "run", "find widget", key=key)
    assert answer["final_output"] == "found: widget is in stock"
    # 429, truncated, timeout and 500 cost one retry each; the malformed call costs one more round with the model.
    assert len(requests) == 7 and not endpoint.faults
    assert [e["item"] for e in harness.calls.entries("lookup", key)] == ["widget"], "the tool ran once"
    tool_lines = [m for m in harness.ingress.call(SESSION, "get_history", key=key) if m["role"] == "tool_result"]
    assert [m["is_error"] for m in tool_lines] == [True, False], "the malformed call was reported to the model"
    assert "not a JSON object" in tool_lines[0]["content"]


def test_bad_key_stops_the_run_and_the_session_stays_usable(
    harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests
) -> None:
    endpoint.fail(401)
    key = new_session()
    invocation = harness.ingress.send(SESSION, "run", "find gadget", key=key)
    with pytest.raises(IngressError) as info:
        harness.ingress.attach(invocation)
    assert info.value.status == 401 and "rejected the API key" in info.value.message
    row = invocation_row(harness, invocation)
    assert (row["completion_result"], row.get("retry_count", 0)) == ("failure", 0)
    assert harness.ingress.call(SESSION, "get_state", key=key)["status"] == "idle"
    assert not harness.calls.entries("lookup", key)
    answer = harness.ingress.call(SESSION, "run", "find gadget", key=key)
    assert answer["final_output"] == "found: gadget is in stock"
    assert len(requests) == 3, "the 401 was asked once; the next run made its two calls"


def test_session_model_call_not_repeated_after_a_kill(
    harness: Harness, endpoint: FakeOpenAI, requests: StampedRequests
) -> None:
    key = new_session()
    invocation = harness.ingress.send(SESSION, "run", "find hold", key=key)
    eventually(lambda: harness.calls.entries("lookup", key), message="tool started")
    assert len(requests) == 1
    harness.kill_service()
    harness.start_service()
    assert harness.ingress.attach(invocation)["final_output"] == "found: hold is in stock"
    assert len(requests) == 2, "the journaled model call was not sent again; only the next one was made"
    assert len(harness.calls.entries("lookup", key)) == 2, "the tool in flight at the kill ran again"
