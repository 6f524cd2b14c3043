"""Test doubles for the model: scripted replies in order, or a function of the conversation.

Both are pydantic-ai Models, so they go through exactly the same durable-call path as a real provider. With a
`CallLog` every real call is recorded in a file the test reads, and the position in the script is the number
of calls recorded, so a script survives a restart of the service process.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from pydantic_ai.messages import ModelMessage, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo, FunctionModel

from .ledger import CallLog

Reply = ModelResponse | str
ReplyFunction = Callable[[list[ModelMessage], AgentInfo], ModelResponse | Awaitable[ModelResponse]]


def text(content: str) -> ModelResponse:
    """A reply with just text."""
    return ModelResponse(parts=[TextPart(content)])


def tool_calls(*calls: tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]) -> ModelResponse:
    """A reply asking for tools: `tool_calls(("get_weather", {"city": "Paris"}), ...)` (optional call id third)."""
    parts = []
    for i, call in enumerate(calls):
        name, args = call[0], call[1]
        call_id = call[2] if len(call) > 2 else f"call_{name}_{i}"  # type: ignore[misc]
        parts.append(ToolCallPart(name, args, call_id))
    return ModelResponse(parts=parts)


class ScriptedModel(FunctionModel):
    """Replies from a queue (in order) or from a function; records each call it answers."""

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        *,
        function: ReplyFunction | None = None,
        log: CallLog | None = None,
        latency: float = 0.0,
        name: str = "scripted",
    ) -> None:
        self.replies: list[Reply] = list(replies)
        self.reply_function = function
        self.log = log
        self.latency = latency
        self.calls: list[list[ModelMessage]] = []
        self.script_name = name
        super().__init__(self._answer, model_name=name)

    @property
    def position(self) -> int:
        """How many calls were answered (across restarts when a log is kept)."""
        return self.log.count("model", self.script_name) if self.log else len(self.calls)

    async def _answer(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        index = self.position
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.reply_function is not None:
            reply: Reply = self.reply_function(messages, info)  # type: ignore[assignment]
            if inspect.isawaitable(reply):
                reply = await reply
        elif index < len(self.replies):
            reply = self.replies[index]
        else:
            raise AssertionError(
                f"{self.script_name}: call {index + 1} has no scripted reply ({len(self.replies)} queued)"
            )
        self.calls.append(list(messages))
        if self.log is not None:
            self.log.record("model", self.script_name, index=index)
        return text(reply) if isinstance(reply, str) else reply


def last_user_text(messages: Sequence[ModelMessage]) -> str:
    """The latest user prompt in `messages` (for reply functions)."""
    from pydantic_ai.messages import ModelRequest, UserPromptPart

    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            for part in reversed(message.parts):
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""
