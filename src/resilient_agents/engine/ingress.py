"""Clients for Restate's ingress (default :8080): call handlers, send without waiting, attach, resolve awakeables.

The same paths as `curl localhost:8080/Service/key/handler --json ...`; `IngressClient` is synchronous (CLI,
tests), `AsyncIngressClient` is for many sessions at once (benchmarks, chaos).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from pydantic import BaseModel

from ..exceptions import ResilientAgentsError


class IngressError(ResilientAgentsError):
    """A request through the ingress failed; `status` is the HTTP status, `message` Restate's or the handler's."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


def handler_path(service: str, handler: str, key: str | None = None) -> str:
    return f"/{service}/{key}/{handler}" if key is not None else f"/{service}/{handler}"


def _body(arg: Any) -> bytes:
    # No argument is an empty body: Restate refuses a JSON `null` (or any content-type) for a handler without input.
    if arg is None:
        return b""
    if isinstance(arg, BaseModel):
        return arg.model_dump_json().encode()
    if isinstance(arg, bytes):
        return arg
    return json.dumps(arg).encode()


def _headers(idempotency_key: str | None, body: bytes = b"{}") -> dict[str, str]:
    headers = {"content-type": "application/json"} if body else {}
    if idempotency_key:
        headers["idempotency-key"] = idempotency_key
    return headers


def _result(res: httpx.Response) -> Any:
    if res.status_code >= 400:
        try:
            message = res.json().get("message", res.text)
        except ValueError:
            message = res.text
        raise IngressError(res.status_code, message)
    if not res.content:
        return None
    try:
        return res.json()
    except ValueError:
        return res.text


def _invocation(
    http: httpx.Client | httpx.AsyncClient,
    service: str,
    handler: str,
    arg: Any,
    *,
    key: str | None,
    idempotency_key: str | None,
    send: bool = False,
    delay: str | None = None,
    timeout: float | None = None,
) -> httpx.Request:
    """The request that invokes a handler (and waits for it, or with `send` only enqueues it)."""
    body = _body(arg)
    return http.build_request(
        "POST",
        handler_path(service, handler, key) + ("/send" if send else ""),
        content=body,
        headers=_headers(idempotency_key, body),
        params={"delay": delay} if delay else None,
        timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
    )


class IngressClient:
    """Synchronous ingress client."""

    def __init__(self, ingress_url: str, timeout: float = 120.0, headers: dict[str, str] | None = None) -> None:
        self.url = ingress_url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout, headers=headers)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> IngressClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(
        self,
        service: str,
        handler: str,
        arg: Any = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        timeout: float | None = None,
    ) -> Any:
        """Invoke a handler and wait for its result (raises `IngressError` on a failure)."""
        request = _invocation(
            self._http, service, handler, arg, key=key, idempotency_key=idempotency_key, timeout=timeout
        )
        return _result(self._http.send(request))

    def send(
        self,
        service: str,
        handler: str,
        arg: Any = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
        delay: str | None = None,
    ) -> str:
        """Enqueue an invocation without waiting; returns its invocation id."""
        request = _invocation(
            self._http, service, handler, arg, key=key, idempotency_key=idempotency_key, send=True, delay=delay
        )
        return str(_result(self._http.send(request))["invocationId"])

    def attach(self, invocation_id: str, timeout: float | None = None) -> Any:
        """Wait for an invocation started elsewhere and return its result."""
        res = self._http.get(
            f"/restate/invocation/{invocation_id}/attach",
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        return _result(res)

    def workflow_attach(self, workflow: str, key: str, timeout: float | None = None) -> Any:
        res = self._http.get(
            f"/restate/workflow/{workflow}/{key}/attach",
            timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
        )
        return _result(res)

    def resolve_awakeable(self, awakeable_id: str, value: Any) -> None:
        _result(self._http.post(f"/restate/awakeables/{awakeable_id}/resolve", content=_body(value)))

    def reject_awakeable(self, awakeable_id: str, reason: str) -> None:
        _result(self._http.post(f"/restate/awakeables/{awakeable_id}/reject", content=reason.encode()))


class AsyncIngressClient:
    """Asynchronous ingress client, for many concurrent sessions."""

    def __init__(self, ingress_url: str, timeout: float = 120.0, max_connections: int = 512) -> None:
        self.url = ingress_url.rstrip("/")
        limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
        self._http = httpx.AsyncClient(base_url=self.url, timeout=timeout, limits=limits)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncIngressClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def call(
        self,
        service: str,
        handler: str,
        arg: Any = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        request = _invocation(self._http, service, handler, arg, key=key, idempotency_key=idempotency_key)
        return _result(await self._http.send(request))

    async def send(
        self,
        service: str,
        handler: str,
        arg: Any = None,
        *,
        key: str | None = None,
        idempotency_key: str | None = None,
    ) -> str:
        request = _invocation(self._http, service, handler, arg, key=key, idempotency_key=idempotency_key, send=True)
        return str(_result(await self._http.send(request))["invocationId"])

    async def attach(self, invocation_id: str) -> Any:
        return _result(await self._http.get(f"/restate/invocation/{invocation_id}/attach"))
