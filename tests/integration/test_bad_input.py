"""Bad input to every public handler of every app: a terminal 4xx naming the problem, no retry, nothing stored.

Data-driven: the handlers come from `resilient_agents_apps.all_services()` (cross-checked against what the
admin API says is registered), and the bad requests from each handler's input type: a body of the wrong JSON
type, a field of the wrong type, a missing required field, an unknown key, a body that is not JSON, and one
over RA_MAX_INPUT_BYTES. A new app is covered the moment it exists.

Each rejected invocation must have completed with a failure at its first attempt (retry_count 0), journaled
nothing but its input and output (no step ran), and left no state or promise under its key.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

import resilient_agents_apps
from resilient_agents.handlers import MAX_INPUT_BYTES, _Invalid, _ValidatingSerde
from resilient_agents.testing import Harness, TestServer

RUN = uuid.uuid4().hex[:8]
UNKNOWN_KEY = "surely_not_a_field"
# Values of every JSON type; for any typed field at least one of them is wrong.
WRONG_VALUES: list[Any] = [{"nested": [1]}, [[1, 2]], "§ not valid §", 123456789, True]


@dataclass(frozen=True)
class Target:
    """One public handler and how to reach it through the ingress."""

    service: str
    service_kind: str
    handler: str
    input_type: Any
    serde: Any
    """The handler's own input serde: what decides whether a body is accepted."""

    @property
    def validated(self) -> bool:
        return isinstance(self.serde, _ValidatingSerde)

    def rejects(self, value: Any, field: str | None = None) -> bool:
        """Whether the handler refuses `value` (for the reason of `field`, if given)."""
        refused = self.serde.deserialize(json.dumps(value).encode())
        return isinstance(refused, _Invalid) and (field is None or f"{field}:" in refused.message)

    def path(self, key: str) -> str:
        return (
            f"/{self.service}/{key}/{self.handler}"
            if self.service_kind != "service"
            else f"/{self.service}/{self.handler}"
        )

    def __str__(self) -> str:
        return f"{self.service}/{self.handler}"


@dataclass(frozen=True)
class BadRequest:
    """A request that must be refused, what status it must get and what its message must name."""

    target: Target
    case: str
    body: bytes
    status: int
    names: str

    def __str__(self) -> str:
        return f"{self.target} [{self.case}]"


def public_targets() -> list[Target]:
    """Every public handler that takes input, of every app."""
    targets = []
    for service in resilient_agents_apps.all_services():
        kind = service.service_tag.kind
        for handler in service.handlers.values():
            hint = handler.handler_io.input_type
            if handler.ingress_private or hint is None or hint.is_void:
                continue
            serde = handler.handler_io.input_serde
            targets.append(Target(service.name, kind, handler.name, hint.annotation, serde))
    return targets


def void_handlers() -> list[str]:
    return [
        f"{s.name}/{h.name}"
        for s in resilient_agents_apps.all_services()
        for h in s.handlers.values()
        if h.handler_io.input_type is None or h.handler_io.input_type.is_void
    ]


def bad_requests(target: Target) -> list[BadRequest]:
    """The bad requests for one handler, derived from its input type."""
    schema = TypeAdapter(target.input_type).json_schema(mode="validation")
    cases = [BadRequest(target, "not JSON", b'{"unfinished', 400, "JSON")]
    wrong_body = next((v for v in WRONG_VALUES if target.rejects(v)), None)
    if wrong_body is not None:
        cases.append(BadRequest(target, "wrong body type", json.dumps(wrong_body).encode(), 400, "invalid request"))
    filler = "x" * (MAX_INPUT_BYTES + 1024)
    cases.append(BadRequest(target, "oversized", json.dumps({"text": filler}).encode(), 413, "over the limit"))
    properties: dict[str, Any] = schema.get("properties", {})
    if schema.get("type") != "object" or not properties:
        return cases
    cases.append(BadRequest(target, "unknown key", json.dumps({UNKNOWN_KEY: 1}).encode(), 400, UNKNOWN_KEY))
    for field in schema.get("required", []):
        cases.append(BadRequest(target, f"missing {field}", b"{}", 400, field))
    for field in properties:
        wrong = next((v for v in WRONG_VALUES if target.rejects({field: v}, field)), None)
        if wrong is not None:
            body = json.dumps({field: wrong}).encode()
            cases.append(BadRequest(target, f"wrong type for {field}", body, 400, field))
    return cases


def test_every_public_handler_validates_its_input() -> None:
    """Handlers registered without `resilient_agents.handler` answer bad input with a retried 500."""
    unvalidated = [str(t) for t in public_targets() if not t.validated]
    assert not unvalidated, f"register these with resilient_agents.handler: {unvalidated}"


@pytest.fixture(scope="module")
def apps(restate_server: TestServer) -> Iterator[Harness]:
    with restate_server.serve("resilient_agents_apps:all_services") as h:
        yield h


def test_every_app_service_is_registered(apps: Harness) -> None:
    registered = httpx.get(f"{apps.admin.url}/services", timeout=10).json()["services"]
    public = {(s["name"], h["name"]) for s in registered for h in s["handlers"] if h.get("public", True)}
    expected = {(t.service, t.handler) for t in public_targets()}
    assert expected <= public, f"not registered: {sorted(expected - public)}"


def _send(client: httpx.Client, request: BadRequest, key: str) -> tuple[BadRequest, str, httpx.Response]:
    res = client.post(request.target.path(key), content=request.body, headers={"content-type": "application/json"})
    return request, key, res


def test_bad_input_is_refused_terminally_and_stores_nothing(apps: Harness) -> None:
    requests = [r for t in public_targets() if t.validated for r in bad_requests(t)]
    assert requests, "no app handlers found: is resilient_agents_apps empty?"
    problems: list[str] = []
    invocations: dict[str, BadRequest] = {}
    with (
        httpx.Client(base_url=apps.server.server.ingress_url, timeout=60) as client,
        ThreadPoolExecutor(max_workers=12) as pool,
    ):
        # A fresh key per request: keyed handlers run in parallel and any state written would be found.
        sent = pool.map(lambda ir: _send(client, ir[1], f"bad-input-{RUN}-{ir[0]}"), enumerate(requests))
        for request, _key, res in sent:
            message = res.json().get("message", "") if res.content else ""
            if res.status_code != request.status or request.names not in message:
                problems.append(f"{request}: HTTP {res.status_code} {message[:200]!r}")
            elif "Traceback" in message or len(message) > 2000:
                problems.append(f"{request}: unclear message {message[:200]!r}")
            if "x-restate-id" in res.headers:
                invocations[res.headers["x-restate-id"]] = request
    assert not problems, "\n".join(problems)

    ids = ", ".join(f"'{i}'" for i in invocations)
    rows = apps.query(f"select id, status, completion_result, retry_count from sys_invocation where id in ({ids})")
    assert len(rows) == len(invocations)
    for row in rows:
        outcome = (row["status"], row.get("completion_result"), row.get("retry_count") or 0)
        assert outcome == ("completed", "failure", 0), f"{invocations[row['id']]}: {outcome}"
    entries = apps.query(f"select id, entry_type, name from sys_journal where id in ({ids})")
    ran = [f"{invocations[e['id']]}: {e['entry_type']} {e.get('name', '')}" for e in entries]
    ran = [r for r in ran if not r.endswith(("Command: Input ", "Command: Output "))]
    assert not ran, f"rejected invocations did work: {ran}"
    stored = apps.query(f"select service_name, service_key, key from state where service_key like 'bad-input-{RUN}-%'")
    assert not stored, f"state written by rejected requests: {stored}"
    promises = apps.query(
        f"select service_name, service_key from sys_promise where service_key like 'bad-input-{RUN}-%'"
    )
    assert not promises, f"promises made by rejected requests: {promises}"
    print(
        f"\n{len(requests)} bad requests to {len(public_targets())} handlers refused; void handlers: {void_handlers()}"
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def fuzzable_targets() -> list[Target]:
    """Handlers that refuse at least something (an input typed `Any` accepts every JSON value)."""
    return [t for t in public_targets() if t.validated and any(t.rejects(v) for v in WRONG_VALUES)]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_fuzzed_bodies_are_accepted_or_refused_cleanly(data: st.DataObject) -> None:
    """In process, over every request model: any JSON (or junk bytes) is a valid input or a clear refusal."""
    targets = [t for t in public_targets() if t.validated]
    target = data.draw(st.sampled_from(targets), label="handler")
    raw = data.draw(st.one_of(JSON_VALUES.map(lambda v: json.dumps(v).encode()), st.binary(max_size=40)))
    result = target.serde.deserialize(raw)
    if isinstance(result, _Invalid):
        assert result.status == 400 and result.message.startswith("invalid request"), result.message
        assert len(result.message) < 2000
    else:
        assert target.serde.deserialize(target.serde.serialize(result)) == result, "accepted input round-trips"


def test_every_object_request_has_a_default() -> None:
    """The Restate UI playground sends the schema's defaults: `{}` must be a valid request for object inputs."""
    no_default = []
    for target in public_targets():
        schema = TypeAdapter(target.input_type).json_schema(mode="validation")
        if target.validated and schema.get("type") == "object" and target.rejects({}):
            no_default.append(f"{target} requires {schema.get('required')}")
    assert not no_default, f"give these fields defaults: {no_default}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_fuzzed_invalid_bodies_are_refused_by_the_server(apps: Harness, data: st.DataObject) -> None:
    """Random JSON a handler's validator refuses gets that 400 through Restate too, never a 5xx or a retry."""
    target = data.draw(st.sampled_from(fuzzable_targets()), label="handler")
    body = data.draw(JSON_VALUES.filter(target.rejects), label="body")
    key = f"bad-input-{RUN}-fuzz-{uuid.uuid4().hex[:8]}"
    res = httpx.post(
        f"{apps.server.server.ingress_url}{target.path(key)}",
        content=json.dumps(body).encode(),
        headers={"content-type": "application/json"},
        timeout=60,
    )
    assert res.status_code == 400, f"{target} {body!r}: HTTP {res.status_code} {res.text[:200]}"
    assert res.json()["message"].startswith("invalid request"), res.text
    row = apps.query(f"select status, retry_count from sys_invocation where id = '{res.headers['x-restate-id']}'")
    assert row[0]["status"] == "completed" and (row[0].get("retry_count") or 0) == 0
