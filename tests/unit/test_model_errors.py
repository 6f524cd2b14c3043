"""Provider errors are classified, checked with the real openai client over HTTP against a local endpoint."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pydantic_ai.messages import ModelRequest, UserPromptPart

from resilient_agents import RetryableModelError, TerminalModelError
from resilient_agents.models import build_model, parse_model_spec, request_model
from resilient_agents.models.errors import retry_after
from resilient_agents.testing.fake_openai import FakeOpenAI

MESSAGES = [ModelRequest(parts=[UserPromptPart("hello")])]


@pytest.fixture
def endpoint() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as fake:
        yield fake


def _model(endpoint: FakeOpenAI):  # type: ignore[no-untyped-def]
    return build_model(parse_model_spec(f"{endpoint.base_url}#fake-model"))


async def test_success_goes_through_the_real_client(endpoint: FakeOpenAI) -> None:
    response = await request_model(_model(endpoint), MESSAGES)
    assert response.parts[0].content == "fake answer to: hello"  # type: ignore[union-attr]
    assert response.usage.input_tokens == 10
    assert len(endpoint.requests) == 1


async def test_401_is_terminal_with_a_clear_message_and_no_retry(endpoint: FakeOpenAI) -> None:
    endpoint.fail(401)
    with pytest.raises(TerminalModelError) as info:
        await request_model(_model(endpoint), MESSAGES)
    assert info.value.status_code == 401
    assert "API key" in info.value.message
    assert len(endpoint.requests) == 1, "the provider SDK must not retry on its own"


async def test_400_is_terminal(endpoint: FakeOpenAI) -> None:
    endpoint.fail(400)
    with pytest.raises(TerminalModelError):
        await request_model(_model(endpoint), MESSAGES)


async def test_429_is_retryable_and_keeps_retry_after(endpoint: FakeOpenAI) -> None:
    endpoint.fail(429, retry_after=7)
    with pytest.raises(RetryableModelError) as info:
        await request_model(_model(endpoint), MESSAGES)
    assert info.value.status_code == 429
    assert info.value.retry_after == timedelta(seconds=7)
    assert len(endpoint.requests) == 1


async def test_500_is_retryable(endpoint: FakeOpenAI) -> None:
    endpoint.fail(500)
    with pytest.raises(RetryableModelError) as info:
        await request_model(_model(endpoint), MESSAGES)
    assert info.value.status_code == 500


async def test_slow_response_times_out_as_retryable(endpoint: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RA_MODEL_TIMEOUT", "0.3")
    endpoint.slow(2.0)
    started = time.monotonic()
    with pytest.raises(RetryableModelError):
        await request_model(_model(endpoint), MESSAGES)
    assert time.monotonic() - started < 1.8


def test_retry_after_parses_seconds_and_dates() -> None:
    assert retry_after({"retry-after": "2.5"}) == timedelta(seconds=2.5)
    assert retry_after({"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}) == timedelta(0)
    assert retry_after({"retry-after": "soon"}) is None
    assert retry_after(None) is None
