"""A local OpenAI-compatible endpoint for tests that must exercise the real client's wire path.

It answers `POST /v1/chat/completions` on loopback. Faults are queued and served in order before normal
answers: an HTTP status (401, 429 with Retry-After, 500...), a delay (a slow response), malformed tool-call
arguments or a truncated body. Normal answers come from a reply function (text by default).

    with FakeOpenAI() as endpoint:
        endpoint.fail(429, retry_after=1).fail(500)
        RA_MODEL = f"{endpoint.base_url}#fake-model"
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass
class Fault:
    status: int = 200
    retry_after: float | None = None
    delay: float = 0.0
    kind: str = "status"
    """status, slow, malformed_args or truncated."""
    echo_key: bool = False
    """Repeat the presented API key in the error message, as careless providers and proxies do."""


def text_completion(content: str, model: str = "fake-model") -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }


def tool_call_completion(name: str, arguments: str, call_id: str = "call_1") -> dict[str, Any]:
    message = {
        "role": "assistant",
        "content": None,
        "tool_calls": [{"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}],
    }
    body = text_completion("")
    body["choices"][0] = {"index": 0, "message": message, "finish_reason": "tool_calls"}
    return body


def _default_reply(request: dict[str, Any]) -> dict[str, Any]:
    last = request.get("messages", [{}])[-1].get("content", "")
    return text_completion(f"fake answer to: {last}")


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up on a slow answer is expected here, not an error worth a traceback."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        return


@dataclass
class FakeOpenAI:
    """The endpoint; a context manager that serves on a free loopback port."""

    reply: Reply = _default_reply
    faults: deque[Fault] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    api_keys: list[str] = field(default_factory=list)
    """The bearer token of each request (proves which key the client sent)."""
    _server: ThreadingHTTPServer | None = None

    def fail(self, status: int, retry_after: float | None = None, echo_key: bool = False) -> FakeOpenAI:
        self.faults.append(Fault(status=status, retry_after=retry_after, echo_key=echo_key))
        return self

    def slow(self, seconds: float) -> FakeOpenAI:
        self.faults.append(Fault(kind="slow", delay=seconds))
        return self

    def malformed_arguments(self) -> FakeOpenAI:
        self.faults.append(Fault(kind="malformed_args"))
        return self

    def truncated(self) -> FakeOpenAI:
        self.faults.append(Fault(kind="truncated"))
        return self

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the endpoint first"
        host, port = str(self._server.server_address[0]), int(self._server.server_address[1])
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAI:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                endpoint.requests.append(body)
                key = self.headers.get("authorization", "").removeprefix("Bearer ")
                endpoint.api_keys.append(key)
                fault = endpoint.faults.popleft() if endpoint.faults else Fault()
                if fault.kind == "slow":
                    time.sleep(fault.delay)
                if fault.kind == "status" and fault.status != 200:
                    payload = json.dumps(
                        {
                            "error": {
                                "message": f"fake error {fault.status}"
                                + (f": incorrect API key provided: {key}" if fault.echo_key else ""),
                                "type": "fake",
                                "code": str(fault.status),
                            }
                        }
                    ).encode()
                    self.send_response(fault.status)
                    if fault.retry_after is not None:
                        self.send_header("retry-after", str(fault.retry_after))
                    self._send_json(payload)
                    return
                if fault.kind == "malformed_args":
                    tools = body.get("tools") or [{"function": {"name": "unknown"}}]
                    answer = tool_call_completion(tools[0]["function"]["name"], '{"broken": ')
                else:
                    answer = endpoint.reply(body)
                payload = json.dumps(answer).encode()
                self.send_response(200)
                if fault.kind == "truncated":
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self._send_json(payload)

            def _send_json(self, payload: bytes) -> None:
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
