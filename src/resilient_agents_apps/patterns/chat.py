"""`Chat/{key}/message`: a long-lived chat session per key, its history in the object's state.

`Chat/{key}/get_history` is a shared handler: it reads the history (the message being answered included)
without waiting for the session, from the CLI, the UI or another service.
"""

from __future__ import annotations

import restate

from resilient_agents import handler
from resilient_agents.patterns import ChatHistory, chat_turn, read_history

chat = restate.VirtualObject("Chat", description="Chat sessions with their history in Restate's state.")


@handler(chat)
async def message(ctx: restate.ObjectContext, text: str) -> str:
    """Answer `text` in this session; the history is stored before and after the model call."""
    return await chat_turn(ctx, text)


@handler(chat, kind="shared")
async def get_history(ctx: restate.ObjectSharedContext) -> ChatHistory:
    """The conversation so far; never blocked by a message being handled."""
    return await read_history(ctx)


SERVICES = [chat]
