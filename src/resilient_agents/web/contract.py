"""Reading the session contract (`resilient_agents.agents.contract`) from whatever a session app answers.

The page and the CLI show any session object, not only `agent_session(...)`: `get_history` may answer a list or
an object wrapping one, the Chat pattern keeps plain `{role, content}` messages, and another app may name a
field slightly differently (`active_agent` for `agent`). These readers normalise all of them into the agent
loop's own models (`ChatMessage`, `SessionState`), so there is one definition of the contract.
"""

from __future__ import annotations

import json
from typing import Any, get_args

from ..agents.contract import ChatMessage, PendingApproval, Role, SessionState
from ..models import Usage

ROLES: tuple[str, ...] = get_args(Role)
STATUSES = ("idle", "running", "waiting_for_approval")
_WRAPPERS = ("entries", "history", "messages", "items")


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


def parse_history(raw: Any) -> list[ChatMessage]:
    """Chat lines from whatever `get_history` answered (a list, or an object wrapping one)."""
    items = _unwrap(raw, _WRAPPERS)
    if not isinstance(items, list):
        return []
    entries = []
    for position, item in enumerate(items):
        if isinstance(item, str):
            entries.append(ChatMessage(index=position, role="assistant", content=item))
            continue
        if not isinstance(item, dict):
            continue
        role = str(item.get("role") or item.get("kind") or item.get("type") or "event")
        content = item.get("content")
        if content is None:
            content = item.get("arguments", item.get("result", item.get("message", item.get("text"))))
        index = item.get("index")
        source = item.get("source")
        entries.append(
            ChatMessage(
                index=index if isinstance(index, int) else position,
                role=role if role in ROLES else "event",  # type: ignore[arg-type]
                content=as_text(content),
                agent=item.get("agent") or item.get("agent_name") or None,
                tool_name=item.get("tool_name") or item.get("tool") or item.get("name") or None,
                tool_call_id=item.get("tool_call_id"),
                is_error=bool(item.get("is_error", False)),
                source=str(source) if source else None,
            )
        )
    return entries


def parse_state(raw: Any) -> SessionState:
    """A `SessionState` from `get_state`'s answer, accepting the usual aliases of each field."""
    data = _unwrap(raw, ("state",))
    if not isinstance(data, dict):
        return SessionState(agent="")
    agent = data.get("agent", data.get("active_agent", data.get("current_agent")))
    approvals = data.get("pending_approvals", data.get("approvals", data.get("pending", []))) or []
    usage = data.get("usage") or {}
    status = str(data.get("status") or "idle")
    return SessionState(
        agent=as_text(agent),
        status=status if status in STATUSES else "running",  # type: ignore[arg-type]
        turns=int(data.get("turns") or 0),
        usage=Usage(
            requests=int(usage.get("requests") or 0),
            input_tokens=int(usage.get("input_tokens") or 0),
            output_tokens=int(usage.get("output_tokens") or 0),
        ),
        pending_approvals=[
            PendingApproval(
                id=str(a.get("id") or a.get("approval_id")),
                tool_name=str(a.get("tool_name") or a.get("tool") or ""),
                arguments=_arguments(a.get("arguments", a.get("args"))),
                agent=str(a.get("agent") or ""),
                tool_call_id=str(a.get("tool_call_id") or ""),
                expires_at=float(a.get("expires_at") or 0.0),
            )
            for a in approvals
            if isinstance(a, dict) and (a.get("id") or a.get("approval_id"))
        ],
        history_length=int(data.get("history_length") or 0),
        run_invocation_id=data.get("run_invocation_id"),
    )


def _arguments(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            return {"value": raw}
        return parsed if isinstance(parsed, dict) else {"value": parsed}
    return {} if raw is None else {"value": raw}


def is_missing_handler(status: int, message: str) -> bool:
    """Restate's answer for a handler the service does not have (as opposed to an unknown service)."""
    return status == 404 and "handler" in message and "not found" in message


def decision_request(approval_id: str, reason: str | None = None) -> dict[str, Any]:
    """The body of `approve` and `reject`."""
    return {"approval_id": approval_id, "reason": reason}
