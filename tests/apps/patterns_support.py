"""Helpers for the pattern tests: a harness serving the pattern services, journal and call-log queries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from resilient_agents.testing import Harness, TestServer


def patterns_harness(target: str, model: str | None = None) -> Any:
    """A module-scoped harness for `target`; the service knows the test server's ingress port (for curl lines)."""

    @pytest.fixture(scope="module")
    def _harness(restate_server: TestServer) -> Iterator[Harness]:
        env = {"RA_INGRESS_PORT": str(restate_server.config.ingress_port)}
        if model:
            env["RA_MODEL"] = model
        with restate_server.serve(target, env=env) as harness:
            yield harness

    return _harness


def completed_runs(h: Harness, invocation_id: str) -> list[str]:
    """Names of the invocation's `ctx.run` steps whose result is in the journal."""
    rows = h.query(f"select entry_type, name, entry_json from sys_journal where id = '{invocation_id}'")
    names: dict[int, str] = {}
    done: list[int] = []
    for row in rows:
        entry = json.loads(row.get("entry_json") or "{}")
        if row["entry_type"] == "Command: Run":
            names[entry["Command"]["Run"]["completion_id"]] = row.get("name", "")
        elif row["entry_type"] == "Notification: Run":
            done.append(entry["Notification"]["Completion"]["Run"]["completion_id"])
    return [names.get(i, "?") for i in done]


def model_calls(h: Harness, label: str | None = None) -> list[dict[str, Any]]:
    """Completed model calls recorded by the scripted model (optionally of one `[id:...]` label)."""
    return h.calls.entries("llm", label)


def call_shared(h: Harness, service: str, key: str, handler: str) -> Any:
    """Call a handler that takes no input (the ingress client always sends a body)."""
    res = httpx.post(f"{h.ingress.url}/{service}/{key}/{handler}", timeout=10)
    res.raise_for_status()
    return res.json() if res.content else None


def state_rows(h: Harness, service: str, key: str) -> list[dict[str, Any]]:
    return h.query(f"select key, value_utf8 from state where service_name = '{service}' and service_key = '{key}'")


def invocation_row(h: Harness, invocation_id: str) -> dict[str, Any]:
    rows = h.query(f"select * from sys_invocation where id = '{invocation_id}'")
    return rows[0] if rows else {}


def span(h: Harness, start_kind: str, end_kind: str, names: set[str]) -> float:
    """Seconds from the first `start_kind` to the last `end_kind` record of `names` (both sides record `at`)."""
    starts = [e["at"] for e in h.calls.entries(start_kind) if e["name"] in names]
    ends = [e["at"] for e in h.calls.entries(end_kind) if e["name"] in names]
    assert starts and ends, f"no {start_kind}/{end_kind} records for {names}"
    return float(max(ends) - min(starts))
