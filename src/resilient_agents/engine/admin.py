"""Restate's admin API: register deployments, query the introspection SQL tables, manage invocations."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import httpx

from ..exceptions import EnvironmentProblem


@dataclass(frozen=True)
class JournalEntry:
    """One journal entry of an invocation, with its payload decoded when it is JSON."""

    index: int
    entry_type: str
    name: str
    value: Any = None
    """The decoded result (run completions, outputs, inputs), None when the entry carries none."""
    failure: str | None = None
    appended_at: str | None = None


def _decode_bytes(raw: Any) -> Any:
    if not isinstance(raw, list):
        return raw
    data = bytes(raw)
    try:
        return json.loads(data) if data else None
    except ValueError:
        return data.decode(errors="replace")


def _find(tree: Any, key: str) -> Any:
    """Depth-first search for `key` in the nested JSON of a journal entry."""
    if isinstance(tree, dict):
        if key in tree:
            return tree[key]
        for value in tree.values():
            found = _find(value, key)
            if found is not None:
                return found
    return None


def decode_entry(row: dict[str, Any]) -> JournalEntry:
    tree = json.loads(row.get("entry_json") or "{}")
    success = _find(tree, "Success")
    payload = _find(tree, "payload")
    failure = _find(tree, "Failure")
    value = _decode_bytes(success if success is not None else payload)
    return JournalEntry(
        index=int(row["index"]),
        entry_type=str(row.get("entry_type", "")),
        name=str(row.get("name", "")),
        value=value,
        failure=json.dumps(failure) if failure is not None else None,
        appended_at=row.get("appended_at"),
    )


class AdminClient:
    """A small synchronous client for the admin port (default :9070)."""

    def __init__(self, admin_url: str, timeout: float = 10.0) -> None:
        self.url = admin_url.rstrip("/")
        self._http = httpx.Client(base_url=self.url, timeout=timeout)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def register(self, service_url: str, *, force: bool = True, timeout: float = 30.0) -> dict[str, Any]:
        """Register (or, with `force`, re-register) the deployment at `service_url`.

        Retried until `timeout` while the endpoint is still starting; any other refusal raises with the
        server's own message.
        """
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            try:
                res = self._http.post("/deployments", json={"uri": service_url, "force": force})
                if res.status_code in (200, 201):
                    return dict(res.json())
                last = f"HTTP {res.status_code}: {res.text[:500]}"
                retry = res.status_code >= 500 or "discover" in res.text.lower()
            except httpx.HTTPError as exc:
                last, retry = repr(exc), True
            if not retry or time.monotonic() > deadline:
                raise EnvironmentProblem(f"could not register {service_url} with Restate: {last}")
            time.sleep(0.1)

    def query(self, sql: str) -> list[dict[str, Any]]:
        """Run an introspection query (`sys_invocation`, `sys_journal`, `state`, ...); NULL columns are absent."""
        res = self._http.post(
            "/query",
            json={"query": sql},
            headers={"accept": "application/json", "content-type": "application/json"},
        )
        if res.status_code != 200:
            raise EnvironmentProblem(f"introspection query failed (HTTP {res.status_code}): {res.text[:500]}")
        return list(res.json().get("rows", []))

    def journal(self, invocation_id: str) -> list[JournalEntry]:
        """The journal of one invocation, in order, with run results and outputs decoded."""
        rows = self.query(
            "select index, entry_type, name, entry_json, appended_at from sys_journal "
            f"where id = '{invocation_id}' order by index"
        )
        return [decode_entry(row) for row in rows]

    def services(self) -> list[str]:
        return sorted(self.service_handlers())

    def service_handlers(self) -> dict[str, set[str]]:
        """Each registered service and the handlers the ingress accepts for it (the public ones)."""
        res = self._http.get("/services")
        res.raise_for_status()
        return {
            s["name"]: {h["name"] for h in s.get("handlers", []) if h.get("public", True)}
            for s in res.json().get("services", [])
        }

    def cancel(self, invocation_id: str) -> None:
        res = self._http.patch(f"/invocations/{invocation_id}/cancel")
        if res.status_code >= 400:
            res = self._http.delete(f"/invocations/{invocation_id}", params={"mode": "Cancel"})
            res.raise_for_status()

    def resume(self, invocation_id: str) -> None:
        """Retry a backing-off invocation now instead of after its retry delay."""
        self._http.patch(f"/invocations/{invocation_id}/resume")
