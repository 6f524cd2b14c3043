"""A fake OpenTelemetry collector for tests: an OTLP/gRPC trace receiver on loopback that keeps every span.

    with FakeCollector() as collector:                     # listens on a free port
        env = {"RA_OTEL_ENDPOINT": collector.endpoint}     # for the service process (and restate-server)
        ...
        chat = collector.wait_for(lambda spans: [s for s in spans if s.name.startswith("chat ")])
        assert collector.is_descendant(chat[0], invocation_span)

Both restate-server and the service process export here, so a test sees one trace as a tracing backend would.
Needs the `otel` extra (grpcio and opentelemetry-proto come with the OTLP/gRPC exporter).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass, field
from typing import Any, TypeVar

# The harness forks child processes while the receiver's threads run: gRPC's fork handlers would only log noise.
os.environ.setdefault("GRPC_ENABLE_FORK_SUPPORT", "false")

import grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

from .harness import eventually

T = TypeVar("T")

__all__ = ["CollectedSpan", "FakeCollector"]


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "array_value":
        return [_value(v) for v in value.array_value.values]
    if kind == "kvlist_value":
        return _attributes(value.kvlist_value.values)
    return getattr(value, kind) if kind else None


def _attributes(pairs: Any) -> dict[str, Any]:
    return {pair.key: _value(pair.value) for pair in pairs if isinstance(pair, KeyValue)}


@dataclass(frozen=True)
class CollectedSpan:
    """One span as the collector received it (ids in hex; `parent_id` is "" for a root span)."""

    service: str
    """The exporter's `service.name` ("Restate" for restate-server)."""
    scope: str
    """The instrumentation scope (the tracer's name)."""
    name: str
    trace_id: str
    span_id: str
    parent_id: str
    start_ns: int
    end_ns: int
    attributes: dict[str, Any] = field(default_factory=dict)
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)


class _TraceService(trace_service_pb2_grpc.TraceServiceServicer):
    def __init__(self, collector: FakeCollector) -> None:
        self.collector = collector

    def Export(self, request: Any, context: Any) -> Any:  # the gRPC method's own name
        self.collector._receive(request)
        return trace_service_pb2.ExportTraceServiceResponse()


class FakeCollector:
    """An OTLP/gRPC receiver of traces (`opentelemetry.proto.collector.trace.v1.TraceService/Export`)."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.host = host
        self._lock = threading.Lock()
        self._spans: list[CollectedSpan] = []
        self._raw: list[bytes] = []
        self._server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        trace_service_pb2_grpc.add_TraceServiceServicer_to_server(_TraceService(self), self._server)
        self.port = self._server.add_insecure_port(f"{host}:{port}")

    @property
    def endpoint(self) -> str:
        """The URL exporters are given (`RA_OTEL_ENDPOINT`, `RESTATE_TRACING_ENDPOINT`)."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> FakeCollector:
        self._server.start()
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)

    def __enter__(self) -> FakeCollector:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _receive(self, request: Any) -> None:
        received = []
        for resource_spans in request.resource_spans:
            service = str(_attributes(resource_spans.resource.attributes).get("service.name", ""))
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    received.append(
                        CollectedSpan(
                            service=service,
                            scope=scope_spans.scope.name,
                            name=span.name,
                            trace_id=span.trace_id.hex(),
                            span_id=span.span_id.hex(),
                            parent_id=span.parent_span_id.hex(),
                            start_ns=span.start_time_unix_nano,
                            end_ns=span.end_time_unix_nano,
                            attributes=_attributes(span.attributes),
                            events=[(event.name, _attributes(event.attributes)) for event in span.events],
                        )
                    )
        with self._lock:
            self._raw.append(request.SerializeToString())
            self._spans.extend(received)

    def spans(self) -> list[CollectedSpan]:
        """Every span received so far, in order of arrival."""
        with self._lock:
            return list(self._spans)

    def raw(self) -> bytes:
        """Every export request as received, concatenated (to check that a value appears nowhere)."""
        with self._lock:
            return b"".join(self._raw)

    def clear(self) -> None:
        with self._lock:
            self._spans.clear()
            self._raw.clear()

    def wait_for(self, check: Callable[[list[CollectedSpan]], T], timeout: float = 30.0) -> T:
        """Poll `check(spans)` until it returns something truthy (returned), or fail after `timeout`."""
        return eventually(lambda: check(self.spans()), timeout, message=getattr(check, "__name__", "spans"))

    def ancestors(self, span: CollectedSpan) -> list[CollectedSpan]:
        """The span's parent, its parent's parent... as far as the received spans go."""
        by_id = {s.span_id: s for s in self.spans()}
        chain: list[CollectedSpan] = []
        current = by_id.get(span.parent_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = by_id.get(current.parent_id)
        return chain

    def is_descendant(self, span: CollectedSpan, ancestor: CollectedSpan) -> bool:
        return ancestor in self.ancestors(span)
