"""The conversation of a session, stored so that it grows linearly.

Each message is its own state key (`history.000000`, `history.000001`, ...) plus a counter (`history.length`).
A turn writes only its new messages and the counter: the bytes written per turn are proportional to that turn,
never to the whole conversation (the seeds' loop, like Restate's own OpenAI session, rewrites the full list
each turn, so turn 100 writes 100 times what turn 1 did). Messages are pydantic-ai's typed messages wrapped in
a `HistoryEntry` that remembers which agent produced them and whether it was an asynchronous event.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import restate
from pydantic import BaseModel
from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from ..serde import TypedSerde
from .agent import HANDOFF_PREFIX
from .contract import ChatMessage

LENGTH_KEY = "history.length"
EVENT_ROLE_SOURCE = "event"


def entry_key(index: int) -> str:
    return f"history.{index:06d}"


class HistoryEntry(BaseModel):
    """One stored message of the conversation."""

    message: ModelMessage
    agent: str | None = None
    """The agent that produced it (or was active when it arrived)."""
    source: str | None = None
    """Set for asynchronous events (`notify`): who sent it."""


# Every stored message is read back (and so journaled) at each turn: leaving out None fields keeps it small.
ENTRY_SERDE: TypedSerde[HistoryEntry | None] = TypedSerde(HistoryEntry, exclude_none=True)
INT_SERDE: TypedSerde[int] = TypedSerde(int)


def user_entry(text: str, timestamp: datetime, agent: str | None = None) -> HistoryEntry:
    return HistoryEntry(message=ModelRequest(parts=[UserPromptPart(text, timestamp=timestamp)]), agent=agent)


def event_entry(text: str, source: str, timestamp: datetime) -> HistoryEntry:
    """An asynchronous event: the model reads it as a user-channel note marked with its source."""
    part = UserPromptPart(f"[event from {source}] {text}", timestamp=timestamp)
    return HistoryEntry(message=ModelRequest(parts=[part]), source=source)


async def history_length(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> int:
    return await ctx.get(LENGTH_KEY, serde=INT_SERDE) or 0


async def load_history(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> list[HistoryEntry]:
    """Every stored entry, in order."""
    length = await history_length(ctx)
    futures = [ctx.get(entry_key(i), serde=ENTRY_SERDE) for i in range(length)]
    entries = []
    for future in futures:
        entry = await future
        if entry is not None:
            entries.append(entry)
    return entries


class Conversation:
    """The messages a run works on: the stored history plus what the run appends (written through at once)."""

    def __init__(self, entries: Sequence[HistoryEntry] = (), ctx: restate.ObjectContext | None = None) -> None:
        self.entries = list(entries)
        self._ctx = ctx

    def __len__(self) -> int:
        return len(self.entries)

    def append(self, entry: HistoryEntry) -> None:
        index = len(self.entries)
        self.entries.append(entry)
        if self._ctx is not None:
            self._ctx.set(entry_key(index), entry, serde=ENTRY_SERDE)
            self._ctx.set(LENGTH_KEY, index + 1, serde=INT_SERDE)

    def model_messages(self) -> list[ModelMessage]:
        return [e.message for e in self.entries]

    def dangling_calls(self) -> list[ToolCallPart]:
        """Tool calls of the last response still without a result (after an interrupted run)."""
        if not self.entries or not isinstance(self.entries[-1].message, ModelResponse):
            return []
        return [p for p in self.entries[-1].message.parts if isinstance(p, ToolCallPart)]


# --- the chat view ----------------------------------------------------------------------------------------------


def _render(content: Any) -> str:
    if isinstance(content, str):
        return content
    return json.dumps(content, default=str, ensure_ascii=False)


def _request_lines(entry: HistoryEntry, message: ModelRequest) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, UserPromptPart):
            text = part.content if isinstance(part.content, str) else _render([str(c) for c in part.content])
            if entry.source is not None:
                prefix = f"[event from {entry.source}] "
                text = text[len(prefix) :] if text.startswith(prefix) else text
                lines.append({"role": "event", "content": text, "source": entry.source})
            else:
                lines.append({"role": "user", "content": text})
        elif isinstance(part, ToolReturnPart):
            failed = part.outcome != "success"
            if part.tool_name.startswith(HANDOFF_PREFIX) and not failed:
                continue  # the handoff line was shown for the call
            lines.append(
                {
                    "role": "tool_result",
                    "content": _render(part.content),
                    "agent": entry.agent,
                    "tool_name": part.tool_name,
                    "tool_call_id": part.tool_call_id,
                    "is_error": failed,
                }
            )
    return lines


def _response_lines(entry: HistoryEntry, message: ModelResponse, names: dict[str, str]) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = []
    for part in message.parts:
        if isinstance(part, TextPart) and part.content:
            lines.append({"role": "assistant", "content": part.content, "agent": entry.agent})
        elif isinstance(part, ToolCallPart):
            if part.tool_name in names:
                lines.append(
                    {
                        "role": "handoff",
                        "content": f"{entry.agent} -> {names[part.tool_name]}",
                        "agent": entry.agent,
                        "tool_name": part.tool_name,
                        "tool_call_id": part.tool_call_id,
                    }
                )
            else:
                lines.append(
                    {
                        "role": "tool_call",
                        "content": _render(part.args if part.args is not None else {}),
                        "agent": entry.agent,
                        "tool_name": part.tool_name,
                        "tool_call_id": part.tool_call_id,
                    }
                )
    return lines


def chat_messages(
    entries: Sequence[HistoryEntry], handoff_names: dict[str, str] | None = None, *, first_entry: int = 0
) -> list[ChatMessage]:
    """The conversation as chat lines; `first_entry` leaves out the lines of earlier entries (indexes stay)."""
    names = handoff_names or {}
    result: list[ChatMessage] = []
    index = 0
    for position, entry in enumerate(entries):
        message = entry.message
        if isinstance(message, ModelRequest):
            lines = _request_lines(entry, message)
        else:
            lines = _response_lines(entry, message, names)
        for line in lines:
            if position >= first_entry:
                result.append(ChatMessage(index=index, **line))
            index += 1
    return result
