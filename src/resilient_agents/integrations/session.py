"""Agent sessions as Restate virtual objects, whichever SDK runs the agent: one object per conversation.

The handler contract is shared with the native agent loop's sessions, the CLI client and the chat page, and so
are its types (`RunInput`, `ChatMessage`, `AgentResponse` from `resilient_agents.agents`):

    POST /<Session>/<conversation>/run          "message"  or  {"message": "..."}
         -> {"final_output", "agent", "usage", "session_usage", "messages": [ChatMessage...], "turn"}
    POST /<Session>/<conversation>/get_history  -> [{"index", "role", "content", "agent", "tool_name", ...}]
    POST /<Session>/<conversation>/get_state    -> {"agent", "status", "usage", "turns", "framework", ...}
    POST /<Session>/<conversation>/reset        forget the conversation

`run` is exclusive (one turn at a time per conversation, the next message queues behind it); `get_history`
and `get_state` are shared, so they answer while a turn is running. The SDK-specific part is a `TurnRunner`:
given the context, the message and the session state, it runs one turn and says what happened.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

import restate
from pydantic import BaseModel
from restate.exceptions import TerminalError

from ..agents import AgentResponse, ChatMessage, RunInput
from ..exceptions import InvalidRequest
from ..handlers import handler
from ..models import Usage
from ..serde import TypedSerde

Framework = Literal["openai-agents", "pydantic-ai"]


class SdkSessionState(BaseModel):
    """The session at a glance: who answers next, whether a turn is running, what it has cost."""

    agent: str
    """The active agent: the one that answers the next message."""
    status: Literal["idle", "running", "failed"]
    framework: Framework
    usage: Usage = Usage()
    """Model usage summed over the session."""
    turns: int = 0
    """Completed turns."""
    error: str | None = None
    """Why the last turn failed, when it did."""


class SessionReply(AgentResponse):
    """The answer to one message: the native loop's `AgentResponse`, plus the turn's number."""

    turn: int = 0
    """The number of this turn in the conversation, from 1."""


@dataclass
class Turn:
    """What one turn produced, as the SDK-specific runner reports it."""

    final_output: str
    agent: str
    usage: Usage
    entries: list[ChatMessage] = field(default_factory=list)
    """The turn's lines after the user's message (their indexes are assigned by the session)."""


TurnRunner = Callable[[restate.ObjectContext, str, SdkSessionState], Awaitable[Turn]]

STATE = "state"
HISTORY = "history"
STATE_SERDE: TypedSerde[SdkSessionState] = TypedSerde(SdkSessionState)
HISTORY_SERDE: TypedSerde[list[ChatMessage]] = TypedSerde(list[ChatMessage])


def add_usage(a: Usage, b: Usage) -> Usage:
    return Usage(
        requests=a.requests + b.requests,
        input_tokens=a.input_tokens + b.input_tokens,
        output_tokens=a.output_tokens + b.output_tokens,
    )


def sdk_session(
    name: str,
    run_turn: TurnRunner,
    *,
    first_agent: str,
    framework: Framework,
    description: str | None = None,
) -> restate.VirtualObject:
    """A virtual object `name` whose `run` handler runs one turn with `run_turn` (keyed by conversation)."""
    session = restate.VirtualObject(name, description=description)

    @handler(session, name="run")
    async def run(ctx: restate.ObjectContext, request: RunInput) -> SessionReply:
        """Send a message to this conversation; returns the answer and the agent that gave it."""
        message = request if isinstance(request, str) else request.message
        if not message.strip():
            raise InvalidRequest("message: must not be empty")
        state = await ctx.get(STATE, serde=STATE_SERDE) or SdkSessionState(
            agent=first_agent, status="idle", framework=framework
        )
        history = await ctx.get(HISTORY, serde=HISTORY_SERDE) or []
        first_line = len(history)
        history.append(ChatMessage(index=first_line, role="user", content=message))
        # Written before the turn so that get_state and get_history show it while the turn runs.
        ctx.set(HISTORY, history, serde=HISTORY_SERDE)
        ctx.set(STATE, state.model_copy(update={"status": "running", "error": None}), serde=STATE_SERDE)
        try:
            turn = await run_turn(ctx, message, state)
        except TerminalError as exc:
            history.append(ChatMessage(index=len(history), role="event", content=f"turn failed: {exc.message}"))
            ctx.set(HISTORY, history, serde=HISTORY_SERDE)
            failed = state.model_copy(update={"status": "failed", "error": exc.message})
            ctx.set(STATE, failed, serde=STATE_SERDE)
            raise
        for entry in turn.entries:
            history.append(entry.model_copy(update={"index": len(history)}))
        ctx.set(HISTORY, history, serde=HISTORY_SERDE)
        done = SdkSessionState(
            agent=turn.agent,
            status="idle",
            framework=framework,
            usage=add_usage(state.usage, turn.usage),
            turns=state.turns + 1,
        )
        ctx.set(STATE, done, serde=STATE_SERDE)
        return SessionReply(
            final_output=turn.final_output,
            agent=turn.agent,
            turn=done.turns,
            usage=turn.usage,
            session_usage=done.usage,
            messages=history[first_line:],
        )

    @handler(session, name="get_history", kind="shared", output_serde=HISTORY_SERDE)
    async def get_history(ctx: restate.ObjectSharedContext) -> list[ChatMessage]:
        """The conversation so far, step by step (answers while a turn runs)."""
        return await ctx.get(HISTORY, serde=HISTORY_SERDE) or []

    @handler(session, name="get_state", kind="shared")
    async def get_state(ctx: restate.ObjectSharedContext) -> SdkSessionState:
        """Active agent, status and usage of this conversation (answers while a turn runs)."""
        return await ctx.get(STATE, serde=STATE_SERDE) or SdkSessionState(
            agent=first_agent, status="idle", framework=framework
        )

    @handler(session, name="reset")
    async def reset(ctx: restate.ObjectContext) -> None:
        """Forget this conversation: history, SDK memory and state."""
        ctx.clear_all()

    return session
