"""The session contract as the page and the CLI read it: history entries, session state, pending approvals.

Readers are tolerant on purpose: `get_history` may answer a list or an object wrapping one, the Chat pattern keeps
plain `{role, content}` messages, and an app may name a field slightly differently (`active_agent` or `agent`).
Everything is normalised into the models below, which are what the page's JSON and the CLI tables show.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, Field

ROLES = ("user", "assistant", "tool_call", "tool_result", "handoff", "event")
_WRAPPERS = ("entries", "history", "messages", "items")


class HistoryEntry(BaseModel):
    """One item of a session's conversation."""

    index: int
    role: str
    """user, assistant, tool_call, tool_result, handoff or event (an asynchronous message)."""
    content: str
    agent: str | None = None
    tool_name: str | None = None


class PendingApproval(BaseModel):
    """A tool call waiting for a human decision."""

    id: str
    tool_name: str = ""
    arguments: Any = None
    agent: str | None = None


class SessionUsage(BaseModel):
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class SessionState(BaseModel):
    """What `get_state` says about a session."""

    agent: str | None = None
    """The agent that answers next."""
    status: str = "idle"
    """idle, running or waiting_for_approval."""
    turns: int = 0
    usage: SessionUsage = Field(default_factory=SessionUsage)
    pending_approvals: list[PendingApproval] = Field(default_factory=list)


def as_text(value: Any) -> str:
    """Content for display: strings as they are, anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _unwrap(raw: Any, keys: tuple[str, ...]) -> Any:
    if isinstance(raw, dict):
        for key in keys:
            if key in raw:
                return raw[key]
    return raw


def parse_history(raw: Any) -> list[HistoryEntry]:
    """Entries from whatever `get_history` answered (a list, or an object wrapping one)."""
    items = _unwrap(raw, _WRAPPERS)
    if not isinstance(items, list):
        return []
    entries = []
    for position, item in enumerate(items):
        if isinstance(item, str):
            entries.append(HistoryEntry(index=position, role="assistant", content=item))
            continue
        if not isinstance(item, dict):
            continue
        role = str(item.get("role") or item.get("kind") or item.get("type") or "event")
        content = item.get("content")
        if content is None:
            content = item.get("arguments", item.get("result", item.get("message", item.get("text"))))
        index = item.get("index")
        entries.append(
            HistoryEntry(
                index=index if isinstance(index, int) else position,
                role=role,
                content=as_text(content),
                agent=item.get("agent") or item.get("agent_name") or item.get("source") or None,
                tool_name=item.get("tool_name") or item.get("tool") or item.get("name") or None,
            )
        )
    return entries


def parse_state(raw: Any) -> SessionState:
    """A `SessionState` from `get_state`'s answer, accepting the usual aliases of each field."""
    data = _unwrap(raw, ("state",))
    if not isinstance(data, dict):
        return SessionState()
    agent = data.get("agent", data.get("active_agent", data.get("current_agent")))
    approvals = data.get("pending_approvals", data.get("approvals", data.get("pending", []))) or []
    usage = data.get("usage") or {}
    return SessionState(
        agent=as_text(agent) if agent is not None else None,
        status=str(data.get("status") or "idle"),
        turns=int(data.get("turns") or 0),
        usage=SessionUsage(
            requests=int(usage.get("requests") or 0),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
        ),
        pending_approvals=[
            PendingApproval(
                id=str(a.get("id") or a.get("approval_id")),
                tool_name=str(a.get("tool_name") or a.get("tool") or ""),
                arguments=a.get("arguments", a.get("args")),
                agent=a.get("agent"),
            )
            for a in approvals
            if isinstance(a, dict) and (a.get("id") or a.get("approval_id"))
        ],
    )


def is_missing_handler(status: int, message: str) -> bool:
    """Restate's answer for a handler the service does not have (as opposed to an unknown service)."""
    return status == 404 and "handler" in message and "not found" in message


def decision_request(approval_id: str, reason: str | None = None) -> dict[str, Any]:
    """The body of `approve` and `reject`."""
    return {"approval_id": approval_id, "reason": reason}
