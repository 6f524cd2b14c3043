"""OpenTelemetry traces: off by default, on with one setting, `RA_OTEL_ENDPOINT` (an OTLP/gRPC endpoint).

    RA_OTEL_ENDPOINT=http://localhost:4317 make run

The dev runner passes the endpoint to restate-server (`RESTATE_TRACING_ENDPOINT`), which traces every invocation
(ingress, each attempt, the calls it makes); the service process (`python -m resilient_agents.engine`) calls
`configure_tracing()` and exports its own spans to the same endpoint, each one a child of the Restate attempt
that ran it (through `restate.ext.tracing`), so one trace holds both:

    ingress <Session>/{key}/run                          restate-server
      invocation-start ...
        invocation-attempt ...                           one per attempt
          agent turn <agent>                             this process: one model call and its tool calls
          chat <model>                                   pydantic-ai: model, token usage
          execute_tool <function tool>                   a function tool
          invocation-start <Service>/<handler> ...       restate-server: a handler tool is an invocation

Both sides need the setting: our spans hang under the trace context restate-server sends with each attempt; a
server that sends none (not tracing) gets one warning line in the service log and no spans from this process.
During a replay after a crash, nothing already in the journal is traced again: a journaled model call or tool is
not run, and spans started while the SDK replays are not recorded (`RestateTracer`).

What spans carry: names, ids, models, token counts, tool names, the agent and its handoffs. Not prompts,
completions or tool arguments unless `RA_OTEL_CONTENT=1` (they stay in the journal, where the Restate UI shows
them). Whatever is exported, every string attribute first goes through `security.redact`: values of secret-named
environment variables and anything shaped like an API key never leave the process.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.trace import INVALID_SPAN, Span, Tracer
from restate.server_context import current_context

from .exceptions import ConfigurationError
from .security import redact

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import ReadableSpan
    from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
    from pydantic_ai.models import Model
    from pydantic_ai.models.instrumented import InstrumentationSettings

    from .agents.tools import ToolCallInfo

__all__ = [
    "CONTENT_ENV",
    "ENDPOINT_ENV",
    "HANDOFF_ATTRIBUTE",
    "MISSING_PACKAGES",
    "SERVICE_NAME",
    "UNTRACED_SERVER",
    "RedactingExporter",
    "configure_tracing",
    "instrument",
    "otel_endpoint",
    "server_tracing_env",
    "tool_span",
    "tracing_enabled",
    "turn_span",
]

ENDPOINT_ENV = "RA_OTEL_ENDPOINT"
"""The OTLP/gRPC endpoint (`http://host:4317`, or `https://` for TLS) of a collector, Jaeger, Tempo, Phoenix..."""
CONTENT_ENV = "RA_OTEL_CONTENT"
"""`1` puts prompts, completions and tool arguments into spans (redacted of API keys); off by default."""
HANDOFF_ATTRIBUTE = "resilient_agents.handoff"
"""Set on an agent turn span to the agent the turn handed off to."""
SERVICE_NAME = "resilient-agents"
"""`service.name` of our spans unless OTEL_SERVICE_NAME says otherwise (restate-server's are "Restate")."""
MISSING_PACKAGES = (
    f"{ENDPOINT_ENV} is set but the OpenTelemetry SDK is not installed: no traces from this process"
    " (pip install 'resilient-agents[otel]')"
)

log = logging.getLogger("resilient_agents.observability")


class _State:
    """What `configure_tracing` set up: None everywhere while tracing is off."""

    tracer: Tracer | None = None
    model_settings: InstrumentationSettings | None = None
    include_content: bool = False
    warned_untraced: bool = False


_state = _State()


def otel_endpoint(env: Mapping[str, str] | None = None) -> str | None:
    """The endpoint `RA_OTEL_ENDPOINT` names, checked; None when tracing is off."""
    raw = (os.environ if env is None else env).get(ENDPOINT_ENV, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"{ENDPOINT_ENV}={raw!r} is not an OTLP/gRPC endpoint: give a URL such as http://localhost:4317"
        )
    try:
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ConfigurationError(f"{ENDPOINT_ENV}={raw!r} has a port that is not a number") from None
    return raw


def server_tracing_env(endpoint: str | None) -> dict[str, str]:
    """The restate-server settings that send its traces to `endpoint` (none when tracing is off)."""
    return {"RESTATE_TRACING_ENDPOINT": endpoint} if endpoint else {}


def tracing_enabled() -> bool:
    """Whether `configure_tracing` turned tracing on in this process."""
    return _state.tracer is not None


def configure_tracing(endpoint: str | None = None, *, exporter: SpanExporter | None = None) -> bool:
    """Export this process's spans over OTLP/gRPC to `endpoint` (default: `RA_OTEL_ENDPOINT`); once per process.

    A no-op returning False when no endpoint is set, and when the OpenTelemetry SDK is missing (one warning
    line: tracing must never keep a service from serving). `exporter` replaces the OTLP exporter (tests).
    """
    if tracing_enabled():
        return True
    endpoint = endpoint or otel_endpoint()
    if endpoint is None and exporter is None:
        return False
    try:
        from opentelemetry.sdk.resources import SERVICE_NAME as SERVICE_NAME_KEY
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        if exporter is None:
            from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

            exporter = OTLPSpanExporter(endpoint=endpoint)
    except ImportError:
        log.warning(MISSING_PACKAGES)
        return False
    from pydantic_ai.models.instrumented import InstrumentationSettings
    from restate.ext.tracing import RestateTracerProvider

    # OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are read by Resource.create; ours is only the default.
    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME_KEY: SERVICE_NAME}
    provider = TracerProvider(resource=Resource.create(named))
    provider.add_span_processor(BatchSpanProcessor(RedactingExporter(exporter)))  # type: ignore[arg-type]
    # The global provider serves the user's own tracers and other instrumentations; ours parent under Restate.
    trace.set_tracer_provider(provider)
    restate_provider = RestateTracerProvider(provider)
    include_content = os.environ.get(CONTENT_ENV, "0") == "1"
    _state.tracer = restate_provider.get_tracer("resilient_agents")
    _state.include_content = include_content
    _state.model_settings = InstrumentationSettings(
        tracer_provider=restate_provider,
        include_content=include_content,
        include_binary_content=False,
        include_model_request_parameters=include_content,
    )
    log.info("traces go to %s (content %s)", endpoint or exporter, "included" if include_content else "left out")
    return True


UNTRACED_SERVER = (
    "restate-server sends no trace context (traceparent): set RESTATE_TRACING_ENDPOINT on it too;"
    " until it does, this process records no spans (they would belong to no trace)"
)


def _in_traced_attempt() -> bool:
    """Inside a Restate handler whose attempt carries the server's trace context (our spans' parent)."""
    ctx = current_context()
    if ctx is None:
        return False
    if "traceparent" in ctx.request().attempt_headers:
        return True
    if not _state.warned_untraced:
        _state.warned_untraced = True
        log.warning(UNTRACED_SERVER)
    return False


def instrument(model: Model) -> Model:
    """`model` with a `chat <model>` span per request when tracing is on in a Restate handler; else `model`."""
    settings = _state.model_settings
    if settings is None or not _in_traced_attempt():
        return model
    from pydantic_ai.models.instrumented import InstrumentedModel

    if isinstance(model, InstrumentedModel):
        return model
    return InstrumentedModel(model, settings)


@contextlib.contextmanager
def _span(name: str, attributes: dict[str, Any]) -> Iterator[Span]:
    tracer = _state.tracer
    if tracer is None or not _in_traced_attempt():
        yield INVALID_SPAN
        return
    # RestateTracer parents the span under the Restate attempt and hands back a no-op span while replaying.
    # An exception is recorded only if it is an `Exception`: Restate suspends a handler with a BaseException.
    with tracer.start_as_current_span(name, attributes=attributes) as span:
        yield span


def turn_span(agent: str, turn: int) -> contextlib.AbstractContextManager[Span]:
    """A span for one turn of the agent loop (a model call and the tool calls it asked for)."""
    return _span(f"agent turn {agent}", {"gen_ai.agent.name": agent, "resilient_agents.turn": turn})


def tool_span(tool: str, call: ToolCallInfo) -> contextlib.AbstractContextManager[Span]:
    """A span for one run of a function tool (inside its journaled step, so never for a replayed call)."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": tool,
        "gen_ai.tool.call.id": call.call_id,
        "gen_ai.agent.name": call.agent,
    }
    if _state.include_content:
        import json

        attributes["gen_ai.tool.call.arguments"] = json.dumps(call.arguments, default=str)
    return _span(f"execute_tool {tool}", attributes)


def _redacted(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Sequence) and not isinstance(value, bytes):
        return tuple(redact(v) if isinstance(v, str) else v for v in value)
    return value


def _redact_attributes(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not attributes:
        return None
    cleaned = {key: _redacted(value) for key, value in attributes.items()}
    return None if cleaned == dict(attributes) else cleaned


class RedactingExporter:
    """A span exporter that removes API keys from every string attribute (of spans and their events) first.

    Duck-typed rather than a `SpanExporter` subclass, so that this module imports without the optional SDK."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.inner.export([self._clean(span) for span in spans])

    @staticmethod
    def _clean(span: ReadableSpan) -> ReadableSpan:
        from opentelemetry.sdk.trace import Event, ReadableSpan

        attributes = _redact_attributes(span.attributes)
        events = [(event, _redact_attributes(event.attributes)) for event in span.events]
        if attributes is None and all(cleaned is None for _, cleaned in events):
            return span
        return ReadableSpan(
            name=redact(span.name),
            context=span.context,
            parent=span.parent,
            resource=span.resource,
            attributes=attributes if attributes is not None else span.attributes,
            events=[
                Event(e.name, cleaned if cleaned is not None else e.attributes, e.timestamp) for e, cleaned in events
            ],
            links=span.links,
            kind=span.kind,
            status=span.status,
            start_time=span.start_time,
            end_time=span.end_time,
            instrumentation_scope=span.instrumentation_scope,
        )

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.inner.force_flush(timeout_millis)
