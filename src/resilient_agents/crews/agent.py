"""Proactive agents: virtual objects that wake on durable timers and on messages, and keep going for months.

`proactive_agent(name, act, every=...)` builds a Restate virtual object; each key is one agent (a crew, a
campaign, a customer). Its handlers:

    start    begin a run: a timer wakes the agent every `interval`; `act(turn)` runs at each wake-up
    pause    cancel every scheduled wake-up; messages that arrive are kept for later
    resume   schedule the timer again (at once), hand the kept messages to the first turn
    stop     cancel everything; messages that arrive are dropped
    trigger  a message from outside or from another agent: one turn at once
    wake     the agent's own delayed self-call (timer or follow-up); not reachable from the ingress
    get_state (shared) status, next wake-up, spending, budget, recent activity and memory, without waiting

Timers are delayed self-sends, so the object is free between wake-ups (triggers get in at once) and a sleeping
agent costs nothing. Stopping leaves nothing scheduled: each pending wake-up is cancelled by its invocation id,
and a generation number in every wake-up makes one that slipped through a no-op.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any, TypeVar

import restate
from pydantic import BaseModel
from pydantic_ai.models import Model
from restate.exceptions import TerminalError

from ..exceptions import BudgetExceeded
from ..handlers import RequestModel, handler
from ..serde import TypedSerde
from .state import (
    MAX_BACKLOG,
    AgentMessage,
    AgentState,
    AgentView,
    Budget,
    Delivery,
    Scheduled,
    StartRequest,
    WakeKind,
    WakeUp,
)
from .turn import Turn

M = TypeVar("M", bound=BaseModel)
Act = Callable[[Turn[Any]], Awaitable[None]]

STATE_KEY = "agent"
MEMORY_KEY = "memory"
STATE_SERDE: TypedSerde[AgentState] = TypedSerde(AgentState)
DEFAULT_INTERVAL = timedelta(minutes=1)


class NoMemory(BaseModel):
    """The memory of an agent that keeps none of its own."""


class Control(RequestModel):
    """An optional reason for pause, resume and stop, shown in the agent's state."""

    reason: str = ""


def _ms(delta: timedelta) -> int:
    return int(delta.total_seconds() * 1000)


async def _now_ms(ctx: restate.Context) -> int:
    return int(await ctx.time() * 1000)


def proactive_agent(
    name: str,
    act: Act,
    *,
    every: timedelta | None = None,
    interval: timedelta | None = None,
    memory: type[BaseModel] = NoMemory,
    budget: Budget | None = None,
    max_wakes: int | None = None,
    model: Model | None = None,
    description: str | None = None,
) -> restate.VirtualObject:
    """A virtual object running `act(turn)` on each wake-up.

    `every` makes the agent periodic (None: it only wakes on messages and its own follow-ups); `interval` is the
    time unit of an agent that is not periodic (`turn.interval`, for follow-ups); `memory` is the
    pydantic model of what it remembers between turns; `budget` bounds its model spending for life; `model`
    overrides the process model (RA_MODEL, offline by default). Start requests can override interval, budget
    and `max_wakes`.
    """
    obj = restate.VirtualObject(name, description=description or act.__doc__ or f"Proactive agent {name}")
    memory_serde: TypedSerde[BaseModel] = TypedSerde(memory)
    periodic = every is not None
    default_interval_ms = _ms(every or interval or DEFAULT_INTERVAL)
    default_budget = budget or Budget()

    async def load(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> AgentState:
        return await ctx.get(STATE_KEY, serde=STATE_SERDE) or AgentState(interval_ms=default_interval_ms)

    async def view(ctx: restate.ObjectContext | restate.ObjectSharedContext, state: AgentState) -> AgentView:
        remembered = await ctx.get(MEMORY_KEY, serde=memory_serde)
        return AgentView.of(name, ctx.key(), state, remembered.model_dump(mode="json") if remembered else {})

    async def schedule(
        ctx: restate.ObjectContext, state: AgentState, kind: WakeKind, delay: timedelta, note: str, now_ms: int
    ) -> None:
        wake_up = WakeUp(generation=state.generation, kind=kind, note=note)
        handle = ctx.object_send(wake, ctx.key(), wake_up, send_delay=delay if delay > timedelta(0) else None)
        invocation_id = await handle.invocation_id()
        due = now_ms + max(0, _ms(delay))
        state.scheduled = [
            *state.scheduled,
            Scheduled(invocation_id=invocation_id, kind=kind, due_at_ms=due, note=note),
        ]

    def cancel_scheduled(ctx: restate.ObjectContext, state: AgentState) -> None:
        for pending in state.scheduled:
            ctx.cancel_invocation(pending.invocation_id)
        state.scheduled = []
        # a wake-up that was already on its way carries the old generation and is ignored
        state.generation += 1

    def halt(ctx: restate.ObjectContext, state: AgentState, status: Any, reason: str, now_ms: int) -> None:
        cancel_scheduled(ctx, state)
        state.status = status
        state.reason = reason
        state.dropped += len(state.backlog)
        state.backlog, state.deferred = [], []
        state.note(now_ms, status, reason)

    async def take_turn(
        ctx: restate.ObjectContext, state: AgentState, kind: WakeKind, note: str, messages: list[AgentMessage]
    ) -> None:
        now_ms = await _now_ms(ctx)
        state.count_wake(kind)
        state.last_wake_at_ms = now_ms
        remembered = await ctx.get(MEMORY_KEY, serde=memory_serde) or memory()

        async def schedule_for_turn(kind: WakeKind, delay: timedelta, note: str) -> None:
            await schedule(ctx, state, kind, delay, note, now_ms)

        turn: Turn[Any] = Turn(
            ctx,
            agent=name,
            kind=kind,
            messages=messages,
            note=note,
            memory=remembered,
            state=state,
            now_ms=now_ms,
            model=model,
            schedule=schedule_for_turn,
        )
        heard = [f"{m.source}: {m.message}" for m in messages]
        state.note(now_ms, kind, "; ".join([note, *heard] if note else heard)[:300])
        try:
            await act(turn)
        except BudgetExceeded as exc:
            ctx.set(MEMORY_KEY, turn.memory, serde=memory_serde)
            halt(ctx, state, "out_of_budget", exc.message, now_ms)
            return
        except TerminalError as exc:
            # a failed turn is noted; a long-lived agent keeps its schedule rather than dying on one bad event
            state.note(now_ms, "error", exc.message)
        ctx.set(MEMORY_KEY, turn.memory, serde=memory_serde)
        if turn.stop_reason:
            halt(ctx, state, "stopped", turn.stop_reason, now_ms)
            return
        exhausted = state.budget.exhausted(state.spent)
        if exhausted:
            halt(ctx, state, "out_of_budget", exhausted, now_ms)
            return
        if periodic and kind == "timer":
            if state.max_wakes is not None and state.wakes.get("timer", 0) >= state.max_wakes:
                halt(ctx, state, "finished", f"did its {state.max_wakes} timer wakes", now_ms)
            else:
                await schedule(ctx, state, "timer", timedelta(milliseconds=state.interval_ms), "", now_ms)

    @handler(obj)
    async def start(ctx: restate.ObjectContext, req: StartRequest) -> AgentView:
        """Begin a run (a no-op while running). Spending carries over: it is the agent's for life."""
        state = await load(ctx)
        if state.status == "running":
            return await view(ctx, state)
        now_ms = await _now_ms(ctx)
        cancel_scheduled(ctx, state)
        state.status, state.reason = "running", "started"
        state.interval_ms = req.interval_ms or default_interval_ms
        state.budget = req.budget or default_budget
        state.max_wakes = req.max_wakes if req.max_wakes is not None else max_wakes
        state.wakes, state.backlog, state.deferred = {}, [], []
        state.started_at_ms = now_ms
        state.note(now_ms, "start", f"every {state.interval_ms} ms" if periodic else "on messages")
        exhausted = state.budget.exhausted(state.spent)
        if exhausted:
            halt(ctx, state, "out_of_budget", exhausted, now_ms)
        elif periodic:
            await schedule(ctx, state, "timer", timedelta(0), "first wake-up", now_ms)
        ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        return await view(ctx, state)

    @handler(obj)
    async def pause(ctx: restate.ObjectContext, req: Control | None) -> AgentView:
        """Cancel the scheduled wake-ups; messages are kept until resume."""
        state = await load(ctx)
        if state.status == "running":
            now_ms = await _now_ms(ctx)
            # follow-ups are promises the agent made itself: keep their remaining delay for resume
            state.deferred = [
                s.model_copy(update={"due_at_ms": max(0, s.due_at_ms - now_ms)})
                for s in state.scheduled
                if s.kind == "follow_up"
            ]
            cancel_scheduled(ctx, state)
            state.status, state.reason = "paused", (req.reason if req else "") or "paused"
            state.note(now_ms, "pause", state.reason)
            ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        elif state.status != "paused":
            raise TerminalError(f"{name}/{ctx.key()} is {state.status}, not running: start it instead", 409)
        return await view(ctx, state)

    @handler(obj)
    async def resume(ctx: restate.ObjectContext, req: Control | None) -> AgentView:
        """Continue a paused run: the timer fires at once and the first turn gets the kept messages."""
        state = await load(ctx)
        if state.status == "paused":
            now_ms = await _now_ms(ctx)
            state.status, state.reason = "running", (req.reason if req else "") or "resumed"
            state.note(now_ms, "resume", state.reason)
            if periodic:
                await schedule(ctx, state, "timer", timedelta(0), "resumed", now_ms)
            elif state.backlog:
                await schedule(ctx, state, "resume", timedelta(0), "messages kept during the pause", now_ms)
            for deferred in state.deferred:
                await schedule(
                    ctx, state, "follow_up", timedelta(milliseconds=deferred.due_at_ms), deferred.note, now_ms
                )
            state.deferred = []
            ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        elif state.status != "running":
            raise TerminalError(f"{name}/{ctx.key()} is {state.status}, not paused: start it instead", 409)
        return await view(ctx, state)

    @handler(obj)
    async def stop(ctx: restate.ObjectContext, req: Control | None) -> AgentView:
        """Stop for good: nothing stays scheduled, later messages are dropped. `start` begins a new run."""
        state = await load(ctx)
        now_ms = await _now_ms(ctx)
        halt(ctx, state, "stopped", (req.reason if req else "") or "stopped", now_ms)
        ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        return await view(ctx, state)

    @handler(obj, ingress_private=True)
    async def wake(ctx: restate.ObjectContext, wake_up: WakeUp) -> str:
        """A scheduled wake-up (timer or follow-up). One from an earlier run is ignored."""
        state = await load(ctx)
        own_id = ctx.request().id
        state.scheduled = [s for s in state.scheduled if s.invocation_id != own_id]
        if wake_up.generation != state.generation or state.status != "running":
            ctx.set(STATE_KEY, state, serde=STATE_SERDE)
            return f"ignored: generation {wake_up.generation}, agent at {state.generation} and {state.status}"
        messages, state.backlog = state.backlog, []
        await take_turn(ctx, state, wake_up.kind, wake_up.note, messages)
        ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        return f"{wake_up.kind} turn done"

    @handler(obj)
    async def trigger(ctx: restate.ObjectContext, message: AgentMessage) -> Delivery:
        """Wake the agent now with a message (kept while paused, dropped while stopped)."""
        state = await load(ctx)
        if state.status == "running":
            messages, state.backlog = [*state.backlog, message], []
            await take_turn(ctx, state, "message", "", messages)
            outcome = "handled"
        elif state.status == "paused" and len(state.backlog) < MAX_BACKLOG:
            state.backlog = [*state.backlog, message]
            outcome = "queued"
        else:
            state.dropped += 1
            outcome = "dropped"
        ctx.set(STATE_KEY, state, serde=STATE_SERDE)
        return Delivery(outcome=outcome, status=state.status)  # type: ignore[arg-type]

    @handler(obj, kind="shared")
    async def get_state(ctx: restate.ObjectSharedContext) -> AgentView:
        """Status, next wake-up, spending and memory, readable while the agent works."""
        return await view(ctx, await load(ctx))

    return obj
