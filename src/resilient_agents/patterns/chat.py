"""Chat sessions on a virtual object: the history lives in the object's state, one object per conversation.

Restate runs one message per session at a time, so the history is always consistent; the user's message is
stored before the model is called, so a shared handler (`read_history`) shows the conversation, in-flight
message included, without waiting for the session. History and the session survive restarts of the service and
of restate-server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import restate
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, UserPromptPart
from pydantic_ai.models import Model

from ..models import durable_model_call, response_text
from .state import StateKey

CHAT_INSTRUCTIONS = "You are a helpful assistant. Keep answers short."


class ChatMessage(BaseModel):
    """One message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


class ChatHistory(BaseModel):
    """A conversation, oldest message first."""

    messages: list[ChatMessage]


HISTORY: StateKey[list[ChatMessage]] = StateKey("history", list[ChatMessage])


def to_model_messages(history: Sequence[ChatMessage], system: str | None) -> list[ModelMessage]:
    """The conversation as model messages (the instructions ride on every request)."""
    messages: list[ModelMessage] = []
    for message in history:
        if message.role == "user":
            messages.append(ModelRequest(parts=[UserPromptPart(message.content)], instructions=system))
        else:
            messages.append(ModelResponse(parts=[TextPart(message.content)]))
    return messages


async def chat_turn(
    ctx: restate.ObjectContext,
    message: str,
    *,
    system: str | None = CHAT_INSTRUCTIONS,
    model: Model | None = None,
    history_key: StateKey[list[ChatMessage]] = HISTORY,
    window: int | None = 40,
) -> str:
    """Add `message` to the session, answer it with the model (journaled), store the answer; returns it.

    Only the last `window` messages go to the model; the stored history keeps everything.
    """
    history = await history_key.get(ctx) or []
    history.append(ChatMessage(role="user", content=message))
    history_key.set(ctx, history)
    recent = history[-window:] if window else history
    turn = sum(1 for m in history if m.role == "user")
    response = await durable_model_call(ctx, to_model_messages(recent, system), model=model, name=f"LLM call {turn}")
    answer = response_text(response)
    history.append(ChatMessage(role="assistant", content=answer))
    history_key.set(ctx, history)
    return answer


async def read_history(
    ctx: restate.ObjectSharedContext | restate.ObjectContext, history_key: StateKey[list[ChatMessage]] = HISTORY
) -> ChatHistory:
    """The session's history (from a shared handler: never waits for a running message)."""
    return ChatHistory(messages=await history_key.get(ctx) or [])
