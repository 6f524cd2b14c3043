"""Test app for saga compensation: a travel-booking style session whose tools record their effects, and whose
compensations record their undos, in the CallLog.

`jot`, `remind` (with its service) and the ledger helper come from the loop's test app, `tests/apps/agents.py`.
The model (registered as `RA_MODEL=registered:saga-script`) reads the last user message:
    say <text>              answers "said: <text>"
    do [[tool, {args}], ...] calls the tools one per model call, in order; then answers "done: tool=outcome; ..."
    fail [[tool, {args}], ...] the same, then fails with a terminal model error instead of answering
It is a pure function of the conversation, so a repeated call after a crash answers the same. A session's
`max_turns` (set with `configure`) makes a run fail after a chosen number of tool calls.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import restate
from pydantic import BaseModel
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import RequestModel, TerminalModelError, handler, register_model
from resilient_agents.agents import Agent, CompensationRequest, agent_session, function_tool, restate_tool
from resilient_agents.testing import CallLog, ScriptedModel, last_user_text, text, tool_calls

from .agents import _log, jot, remind, tools_service

bookings = restate.Service("SagaBookings")


class Booking(RequestModel):
    name: str = "hotel"
    book_delay: float = 0.0
    """Seconds the booking waits (a durable timer) before it applies: room for an interrupt mid-call."""
    undo_delay: float = 0.0
    """Seconds the cancellation waits (a durable timer) before it applies: room for a crash mid-undo."""


class BookingReceipt(BaseModel):
    booking_id: str
    name: str


@handler(bookings)
async def book(ctx: restate.Context, booking: Booking) -> BookingReceipt:
    """Book something (a hotel, a flight): applied once, cancelled if the run fails."""
    if booking.book_delay:
        await ctx.sleep(timedelta(seconds=booking.book_delay))

    def apply() -> None:
        _log().record("book", booking.name)

    await ctx.run_typed("book", apply)
    return BookingReceipt(booking_id=f"bk-{booking.name}", name=booking.name)


@handler(bookings, ingress_private=True)
async def cancel_booking(ctx: restate.Context, undo: CompensationRequest[Booking, BookingReceipt]) -> None:
    """The compensation of `book`: cancel the booking the call made (its receipt is the call's result)."""
    if undo.arguments.undo_delay:
        await ctx.sleep(timedelta(seconds=undo.arguments.undo_delay))

    def apply() -> None:
        _log().record("cancel", undo.arguments.name, booking_id=undo.result.booking_id, reason=undo.reason)

    await ctx.run_typed("cancel", apply)


@handler(bookings)
async def wait(ctx: restate.Context, seconds: float) -> str:
    """Wait (a durable timer): a step that is still running when the run is interrupted."""
    await ctx.sleep(timedelta(seconds=seconds))
    return "waited"


@handler(bookings)
async def sold_out(ctx: restate.Context, booking: Booking) -> BookingReceipt:
    """A booking that always fails for good: nothing to undo."""
    raise restate.TerminalError(f"{booking.name} is sold out")


@handler(bookings, ingress_private=True)
async def unremind(ctx: restate.Context, undo: CompensationRequest[str, str]) -> None:
    """The compensation of `remind`: take a reminder back."""

    def apply() -> None:
        _log().record("unremind", undo.arguments, result=undo.result)

    await ctx.run_typed("unremind", apply)


async def slow_jot(text: str, seconds: float) -> str:
    """Write a note after a while (a function tool still running when the run is interrupted)."""
    _log().record("note-started", text)
    await asyncio.sleep(seconds)
    return jot(text)


def unjot(undo: CompensationRequest[dict[str, Any], str]) -> None:
    """The compensation of `jot`, a function run durably."""
    _log().record("unnote", undo.arguments["text"], result=undo.result)


async def _reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    user = last_user_text(messages)
    prompts = [i for i, m in enumerate(messages) if isinstance(m, ModelRequest) and _has_prompt(m)]
    since = messages[prompts[-1] :] if prompts else messages
    returns = [p for m in since if isinstance(m, ModelRequest) for p in m.parts if isinstance(p, ToolReturnPart)]
    if user.startswith("say "):
        return text(f"said: {user[4:]}")
    if user.startswith(("do ", "fail ")):
        command, _, script = user.partition(" ")
        steps = json.loads(script)
        if len(returns) < len(steps):
            name, args = steps[len(returns)]
            return tool_calls((name, args, f"s{len(messages)}"))
        if command == "fail":
            raise TerminalModelError("the provider refused the request", 400)
        return text("done: " + "; ".join(f"{r.tool_name}={r.outcome}" for r in returns))
    return text(f"heard: {user}")


def _has_prompt(request: ModelRequest) -> bool:
    return any(isinstance(part, UserPromptPart) for part in request.parts)


MODEL = ScriptedModel(function=_reply, log=CallLog.from_env(), name="saga-script")
register_model("saga-script", MODEL)

traveller = Agent(
    name="Travel",
    instructions="You book trips.",
    tools=[
        restate_tool(book, compensate=cancel_booking),
        restate_tool(sold_out, compensate=cancel_booking),
        restate_tool(remind, schedulable=True, compensate=unremind),
        restate_tool(wait),
        function_tool(jot, compensate=unjot),
        function_tool(slow_jot, compensate=unjot),
    ],
)
session = agent_session("SagaSession", agents=[traveller])

services = [session, bookings, tools_service]
