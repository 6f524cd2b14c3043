"""Test app for the foundation: durable steps that record their effects, an awakeable wait, a model call."""

from __future__ import annotations

import asyncio

import restate

from resilient_agents import RequestModel, handler, llm_call
from resilient_agents.testing import CallLog

steps = restate.Service("Steps")
waiter = restate.Service("Waiter")
llm = restate.Service("LlmOnce")


class StepsRequest(RequestModel):
    count: int = 5
    delay: float = 0.3


def _log() -> CallLog:
    log = CallLog.from_env()
    assert log is not None, "RA_CALL_LOG is not set"
    return log


@handler(steps)
async def run(ctx: restate.Context, req: StepsRequest) -> list[int]:
    """Run `count` durable steps, each recording its effect once it completes."""
    results = []
    for i in range(req.count):

        async def step(i: int = i) -> int:
            await asyncio.sleep(req.delay)
            _log().record("effect", f"step-{i}")
            return i * i

        results.append(await ctx.run_typed(f"step {i}", step))
    return results


@handler(waiter)
async def wait(ctx: restate.Context, label: str) -> str:
    """Wait on an awakeable whose id is recorded in the call log."""
    awakeable_id, promise = ctx.awakeable(type_hint=str)

    def announce() -> None:
        _log().record("awakeable", label, id=awakeable_id)

    await ctx.run_typed("announce", announce)
    value = await promise
    return f"{label}: {value}"


@handler(llm)
async def ask(ctx: restate.Context, prompt: str) -> str:
    """One journaled model call with the model RA_MODEL names."""
    return await llm_call(ctx, prompt)


@handler(llm)
async def ask_and_wait(ctx: restate.Context, prompt: str) -> str:
    """A journaled model call, then a wait on an awakeable (a point to crash at after the call)."""
    answer = await llm_call(ctx, prompt)
    awakeable_id, promise = ctx.awakeable(type_hint=str)

    def announce() -> None:
        _log().record("awakeable", prompt, id=awakeable_id)

    await ctx.run_typed("announce", announce)
    return f"{answer} / {await promise}"


counter = restate.VirtualObject("Counter")


@handler(counter)
async def add(ctx: restate.ObjectContext, amount: int) -> int:
    """Add to a counter kept in the object's state."""
    total = (await ctx.get("total", type_hint=int) or 0) + amount
    ctx.set("total", total)
    return total


services = [steps, waiter, llm, counter]
