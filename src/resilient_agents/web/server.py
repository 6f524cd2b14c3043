"""The chat page's server: static files plus a small JSON API that proxies to Restate for one session at a time.

The browser never talks to Restate: this server calls the ingress (messages, history, state, approvals) and the
admin SQL API (the live timeline), and only for a session whose token the request carries (`X-Session-Token`;
see `tokens.py`). `make run` serves it on RA_WEB_PORT (8090) as `resilient_agents.web.server:app`.

    GET  /api/apps                                     the apps, and whether each is deployed
    POST /api/sessions {"app": "bank"}                 a new session id and its token
    GET  /api/sessions/{app}/{id}?history=..&timeline=..   history, state, timeline (only the parts that changed)
    POST /api/sessions/{app}/{id}/messages {"message": "...", "request_id": "...", "mode": null}
    POST /api/sessions/{app}/{id}/approvals/{approval_id} {"decision": "approve"|"reject", "reason": null}
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import httpx
from anyio import to_thread
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..agents.contract import SessionState
from ..config import Settings
from ..engine.admin import AdminClient
from ..engine.ingress import AsyncIngressClient, IngressError
from ..exceptions import ResilientAgentsError
from ..security import redact
from .catalog import SessionApp, configured_apps, find_app
from .contract import decision_request, is_missing_handler, parse_history, parse_state
from .timeline import (
    Timeline,
    TimelineStep,
    build_timeline,
    children_of,
    is_live,
    session_invocations,
    signature,
)
from .tokens import SESSION_ID, SessionTokens, new_session_id

# One line per proxied request would drown the dev runner's log; failures are still logged.
logging.getLogger("httpx").setLevel(logging.WARNING)

STATIC = Path(__file__).parent / "static"
UI_URL_ENV = "RA_RESTATE_UI_URL"
TOKEN_HEADER = "x-session-token"
MAX_MESSAGE_CHARS = 8_000
_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


class ApiError(Exception):
    """An answer other than 200, with a message for the page."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class NewSession(BaseModel):
    app: str


class NewMessage(BaseModel):
    message: str
    request_id: str | None = None
    mode: Literal["queue", "incorporate", "interrupt"] | None = None
    """For a session that is working: queue a new run (the default), add to the running one, or interrupt it."""


class DecisionBody(BaseModel):
    decision: str
    reason: str | None = None


@dataclass
class WebContext:
    """What the routes share: settings, the app catalogue, the Restate clients, the token checker."""

    settings: Settings
    apps: list[SessionApp]
    tokens: SessionTokens
    ui_url: str
    ingress: AsyncIngressClient | None = None
    admin: AdminClient | None = None
    _deployed: tuple[float, dict[str, set[str]]] = field(default_factory=lambda: (0.0, {}))
    _stateless: set[str] = field(default_factory=set)

    def open(self) -> None:
        self.ingress = AsyncIngressClient(self.settings.ingress_url, timeout=30.0, max_connections=64)
        self.admin = AdminClient(self.settings.admin_url, timeout=10.0)

    async def close(self) -> None:
        if self.ingress is not None:
            await self.ingress.aclose()
        if self.admin is not None:
            self.admin.close()

    def sync_query(self, sql: str) -> list[dict[str, Any]]:
        """An introspection query (blocking: call it from a worker thread)."""
        assert self.admin is not None
        return self.admin.query(sql)

    async def deployed(self) -> dict[str, set[str]]:
        """The services Restate knows and their public handlers (cached a few seconds: every page load asks)."""
        checked, services = self._deployed
        if time.monotonic() - checked > 5:
            assert self.admin is not None
            services = await to_thread.run_sync(self.admin.service_handlers)
            self._deployed = (time.monotonic(), services)
        return services


def _json(data: Any, status: int = 200, masked: bool = False) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str)
    if masked:
        # Journals, failures and tool results can quote a provider request: keys never leave the server.
        body = redact(body)
    return Response(body, status_code=status, media_type="application/json", headers={"cache-control": "no-store"})


async def _body(request: Request, model: type[BaseModel]) -> Any:
    raw = await request.body()
    if len(raw) > 64_000:
        raise ApiError(413, "request body too large")
    try:
        return model.model_validate_json(raw or b"{}")
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:3])
        raise ApiError(400, f"invalid request: {problems}") from None


def _context(request: Request) -> WebContext:
    return request.app.state.web  # type: ignore[no-any-return]


def _session(request: Request) -> tuple[WebContext, SessionApp, str]:
    """The app and session id of the URL, refused (403) unless the request carries the session's token."""
    web = _context(request)
    app = find_app(request.path_params["app"], web.apps)
    session_id = request.path_params["session_id"]
    if app is None:
        raise ApiError(404, f"no app called {request.path_params['app']!r}")
    if not SESSION_ID.match(session_id):
        raise ApiError(400, "session id: use 1-64 letters, digits, '-' or '_'")
    if not web.tokens.verify(app.id, session_id, request.headers.get(TOKEN_HEADER)):
        raise ApiError(403, "this session needs its token: open it from the link that created it")
    return web, app, session_id


async def index(request: Request) -> Response:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


async def list_apps(request: Request) -> Response:
    web = _context(request)
    try:
        deployed = await web.deployed()
        reachable = True
    except (httpx.HTTPError, ResilientAgentsError):
        deployed, reachable = {}, False
    apps = [
        {
            "id": app.id,
            "label": app.title,
            "service": app.service,
            "description": app.description,
            "examples": list(app.examples),
            "available": app.service in deployed,
            "features": _features(app, deployed.get(app.service, set())),
        }
        for app in web.apps
    ]
    return _json({"apps": apps, "restate_reachable": reachable, "restate_ui": web.ui_url})


def _features(app: SessionApp, handlers: set[str]) -> dict[str, bool]:
    """What the page offers for this app, from the handlers its service has."""
    return {
        "state": "get_state" in handlers,
        "approvals": {"approve", "reject"} <= handlers,
        # `message` takes a delivery mode (the agent loop's interrupts); the Chat pattern's `message` is its run.
        "delivery_modes": "message" in handlers and app.run_handler != "message",
    }


async def create_session(request: Request) -> Response:
    web = _context(request)
    body: NewSession = await _body(request, NewSession)
    app = find_app(body.app, web.apps)
    if app is None:
        raise ApiError(404, f"app: no app called {body.app!r}")
    session_id = new_session_id()
    return _json({"app": app.id, "session_id": session_id, "token": web.tokens.issue(app.id, session_id)}, 201)


async def _read_state(web: WebContext, app: SessionApp, session_id: str) -> SessionState | None:
    if app.service in web._stateless:
        return None
    assert web.ingress is not None
    try:
        return parse_state(await web.ingress.call(app.service, "get_state", key=session_id))
    except IngressError as exc:
        if is_missing_handler(exc.status, exc.message):
            web._stateless.add(app.service)  # the Chat pattern has no get_state: do not ask again
            return None
        raise


def _approval_steps(state: SessionState | None, timeline: Timeline) -> list[TimelineStep]:
    """What the journal cannot say: the run is waiting for a person (its awakeable has no journal entry)."""
    if state is None or state.status != "waiting_for_approval" or timeline.run is None:
        return []
    return [
        TimelineStep(
            invocation_id=timeline.run.invocation_id,
            kind="wait",
            title=f"waits for approval of {approval.tool_name}",
            detail=json.dumps(approval.arguments, default=str),
            status="waiting",
            link=timeline.run.link,
        )
        for approval in state.pending_approvals
    ]


async def snapshot(request: Request) -> Response:
    """What changed in the session since the signatures the page sent back."""
    web, app, session_id = _session(request)
    assert web.ingress is not None
    query = web.sync_query
    invocations = await to_thread.run_sync(session_invocations, query, app, session_id)
    open_ids = [row["id"] for row in invocations if row.get("status") != "completed"]
    children = await to_thread.run_sync(children_of, query, open_ids) if open_ids else []
    history_sig = signature(invocations)
    timeline_sig = signature([*invocations, *children])
    live = is_live([*invocations, *children])
    out: dict[str, Any] = {"history_signature": history_sig, "timeline_signature": timeline_sig, "live": live}

    state: SessionState | None = None
    if request.query_params.get("history") != history_sig:
        history_raw, state = await asyncio.gather(
            web.ingress.call(app.service, "get_history", key=session_id), _read_state(web, app, session_id)
        )
        out["history"] = [entry.model_dump() for entry in parse_history(history_raw)]
        out["state"] = state.model_dump() if state is not None else None
    if request.query_params.get("timeline") != timeline_sig or live:
        runs = [row for row in invocations if row.get("target_handler_name") == app.run_handler]
        timeline = Timeline()
        if runs:
            timeline = await to_thread.run_sync(build_timeline, query, runs[0], web.ui_url)
        if timeline.run is not None and timeline.run.status != "completed":
            if state is None and "history" not in out:
                state = await _read_state(web, app, session_id)
            timeline.steps.extend(_approval_steps(state, timeline))
        out["timeline"] = timeline.model_dump()
    return _json(out, masked=True)


async def send_message(request: Request) -> Response:
    web, app, session_id = _session(request)
    body: NewMessage = await _body(request, NewMessage)
    message = body.message.strip()
    if not message:
        raise ApiError(400, "message: write something first")
    if len(message) > MAX_MESSAGE_CHARS:
        raise ApiError(413, f"message: at most {MAX_MESSAGE_CHARS} characters")
    if body.request_id is not None and not _REQUEST_ID.match(body.request_id):
        raise ApiError(400, "request_id: use 1-64 letters, digits, '-' or '_'")
    assert web.ingress is not None
    # The idempotency key makes a resent request (a retry after a network error) one run, not two.
    key = f"web-{app.id}-{session_id}-{body.request_id}" if body.request_id else None
    if body.mode in ("incorporate", "interrupt"):
        # The session's `message` handler decides against its inbox; the receipt names the run that will answer.
        receipt = await web.ingress.call(
            app.service, "message", {"message": message, "mode": body.mode}, key=session_id, idempotency_key=key
        )
        return _json({"invocation_id": receipt["invocation_id"], "mode": receipt["mode"]}, 202)
    invocation_id = await web.ingress.send(app.service, app.run_handler, message, key=session_id, idempotency_key=key)
    return _json({"invocation_id": invocation_id, "mode": "queue"}, 202)


async def decide(request: Request) -> Response:
    web, app, session_id = _session(request)
    body: DecisionBody = await _body(request, DecisionBody)
    if body.decision not in ("approve", "reject"):
        raise ApiError(400, "decision: 'approve' or 'reject'")
    approval_id = request.path_params["approval_id"]
    assert web.ingress is not None
    result = await web.ingress.call(
        app.service, body.decision, decision_request(approval_id, body.reason), key=session_id
    )
    return _json({"decision": body.decision, "approval_id": approval_id, "result": result}, masked=True)


async def health(request: Request) -> Response:
    return _json({"ok": True})


def _error_handlers() -> dict[Any, Any]:
    async def api_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        return _json({"error": exc.message}, exc.status)

    async def ingress_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, IngressError)
        status = exc.status if 400 <= exc.status < 500 else 502
        return _json({"error": exc.message}, status, masked=True)

    async def unreachable(request: Request, exc: Exception) -> Response:
        return _json({"error": f"Restate is not reachable ({type(exc).__name__}): is `make run` running?"}, 502)

    return {ApiError: api_error, IngressError: ingress_error, httpx.TransportError: unreachable}


class _SecurityHeaders:
    """Adds the security headers to every response (no inline script, no framing, no referrer)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(
    settings: Settings | None = None, apps: list[SessionApp] | None = None, tokens: SessionTokens | None = None
) -> Any:
    """The ASGI app of the chat page (settings, apps and secret from the environment unless given)."""
    settings = settings or Settings.from_env()
    ui_url = os.environ.get(UI_URL_ENV, f"{settings.admin_url}/ui").rstrip("/")
    web = WebContext(
        settings, apps if apps is not None else configured_apps(), tokens or SessionTokens(settings=settings), ui_url
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        web.open()
        try:
            yield
        finally:
            await web.close()

    routes = [
        Route("/", index),
        Route("/healthz", health),
        Route("/api/apps", list_apps),
        Route("/api/sessions", create_session, methods=["POST"]),
        Route("/api/sessions/{app}/{session_id}", snapshot),
        Route("/api/sessions/{app}/{session_id}/messages", send_message, methods=["POST"]),
        Route("/api/sessions/{app}/{session_id}/approvals/{approval_id}", decide, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    starlette = Starlette(routes=routes, exception_handlers=_error_handlers(), lifespan=lifespan)
    starlette.state.web = web
    return _SecurityHeaders(starlette)


class _ServedApp:
    """The app `make run` serves, built on its first event: importing this module reads no settings and no secret
    (the CLI imports the package; a bad RA_* setting is reported by whoever reads it, once)."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = create_app()
        await self._app(scope, receive, send)


app = _ServedApp()
"""What `make run` serves (`python -m resilient_agents.engine resilient_agents.web.server:app`)."""
