"""Tracing setup without a server: the setting, the no-op default, a missing SDK, and the redaction of API keys."""

from __future__ import annotations

import logging
import sys

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import INVALID_SPAN
from pydantic_ai.models.test import TestModel

from resilient_agents.agents import ToolCallInfo
from resilient_agents.exceptions import ConfigurationError
from resilient_agents.observability import (
    ENDPOINT_ENV,
    MISSING_PACKAGES,
    RedactingExporter,
    configure_tracing,
    instrument,
    otel_endpoint,
    server_tracing_env,
    tool_span,
    tracing_enabled,
    turn_span,
)

SECRET = "sk-unit-test-key-0123456789abcd"


@pytest.mark.parametrize("value", ["http://localhost:4317", "https://otel.example.com:4317", " http://127.0.0.1:4317 "])
def test_an_otlp_grpc_url_is_the_setting(value: str) -> None:
    assert otel_endpoint({ENDPOINT_ENV: value}) == value.strip()
    assert server_tracing_env(value.strip()) == {"RESTATE_TRACING_ENDPOINT": value.strip()}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("localhost:4317", "is not an OTLP/gRPC endpoint"),
        ("otlp+http://localhost:4318/v1/traces", "is not an OTLP/gRPC endpoint"),
        ("http://", "is not an OTLP/gRPC endpoint"),
        ("http://localhost:grpc", "has a port that is not a number"),
    ],
)
def test_a_bad_endpoint_is_a_configuration_error_naming_the_setting(value: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message) as caught:
        otel_endpoint({ENDPOINT_ENV: value})
    assert ENDPOINT_ENV in str(caught.value)


def test_tracing_is_off_unless_the_setting_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENDPOINT_ENV, raising=False)
    assert otel_endpoint() is None and otel_endpoint({ENDPOINT_ENV: ""}) is None
    assert server_tracing_env(None) == {}
    assert configure_tracing() is False
    assert not tracing_enabled()
    model = TestModel()
    assert instrument(model) is model
    call = ToolCallInfo("alice", "Teller", "c1", {"label": "x"}, "id")
    with turn_span("Teller", 1) as turn, tool_span("lookup", call) as tool:
        assert turn is INVALID_SPAN and tool is INVALID_SPAN


def test_a_missing_sdk_is_one_warning_line_and_no_tracing(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "opentelemetry.sdk.trace", None)  # makes the import fail
    with caplog.at_level(logging.WARNING, logger="resilient_agents.observability"):
        assert configure_tracing("http://127.0.0.1:4317") is False
    assert [r.getMessage() for r in caplog.records] == [MISSING_PACKAGES]
    assert "pip install 'resilient-agents[otel]'" in MISSING_PACKAGES
    assert not tracing_enabled()


def test_api_keys_are_redacted_from_attributes_and_events(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    sink = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingExporter(sink)))  # type: ignore[arg-type]
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("clean", attributes={"gen_ai.request.model": "gpt-4o", "n": 3}):
        pass
    with pytest.raises(RuntimeError), tracer.start_as_current_span("leaky") as span:
        span.set_attribute("gen_ai.input.messages", f'[{{"content": "my key is {SECRET}"}}]')
        span.set_attribute("tags", ["ok", "Authorization: Bearer abcdefghijklmnop1234"])  # a key not in the env
        span.set_attribute("count", 2)
        raise RuntimeError(f"Incorrect API key provided: {SECRET}")
    clean, leaky = sink.get_finished_spans()

    assert dict(clean.attributes or {}) == {"gen_ai.request.model": "gpt-4o", "n": 3}
    attributes = dict(leaky.attributes or {})
    assert attributes["gen_ai.input.messages"] == '[{"content": "my key is [redacted]"}]'
    assert attributes["tags"] == ("ok", "Authorization: [redacted]")
    assert attributes["count"] == 2
    (event,) = leaky.events
    assert event.name == "exception"
    assert SECRET not in str(dict(event.attributes or {}))
    assert "[redacted]" in str((event.attributes or {})["exception.message"])
    assert leaky.context == span.get_span_context() and leaky.status.status_code.name == "ERROR"
