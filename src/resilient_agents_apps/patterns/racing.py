"""`RacingService/race`: strategies race for the same answer; the first to finish wins, the others are cancelled.

Each strategy runs as its own invocation of `RacingService/attempt`, so a loser can be cancelled through Restate
(its pending model call is never made). A strategy may start late (`start_after_seconds`): that makes a hedged
request, where the backup only runs if the primary is slow. With the defaults the primary starts at once and the
backup after 2 s, so with a fast model (the offline one) the primary wins and the backup is cancelled while it
waits.
"""

from __future__ import annotations

from datetime import timedelta

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, handler, llm_call
from resilient_agents.patterns import race

racing = restate.Service("RacingService", description="Race strategies, keep the first answer, cancel the rest.")


class Strategy(BaseModel):
    """One way to get the answer."""

    name: str = Field(min_length=1, max_length=60)
    instructions: str = Field(default="", description="The system prompt of this strategy")
    start_after_seconds: float = Field(default=0, ge=0, le=3600, description="Start this late (a hedge)")


class Attempt(BaseModel):
    """What one racing invocation runs."""

    prompt: str
    strategy: Strategy


class StrategyAnswer(BaseModel):
    strategy: str
    answer: str


class RaceRequest(RequestModel):
    """A prompt and the strategies that race to answer it."""

    prompt: str = Field(default="Explain durable execution in two sentences.", description="The question")
    strategies: list[Strategy] = Field(
        default=[
            Strategy(name="concise", instructions="Answer as briefly as possible."),
            Strategy(name="thorough", instructions="Think step by step, then answer.", start_after_seconds=2),
        ],
        min_length=1,
        max_length=8,
    )


class RaceResult(BaseModel):
    """The winning strategy's answer and the strategies that were cancelled or failed."""

    winner: str
    answer: str
    cancelled: list[str]
    failed: list[str]


@handler(racing, ingress_private=True)
async def attempt(ctx: restate.Context, req: Attempt) -> StrategyAnswer:
    """One strategy: wait its start delay (durably), then one journaled model call."""
    if req.strategy.start_after_seconds:
        await ctx.sleep(timedelta(seconds=req.strategy.start_after_seconds), name="start delay")
    answer = await llm_call(ctx, req.prompt, system=req.strategy.instructions or None, name=req.strategy.name)
    return StrategyAnswer(strategy=req.strategy.name, answer=answer)


@handler(racing, name="race")
async def race_strategies(ctx: restate.Context, req: RaceRequest) -> RaceResult:
    """Start every strategy as its own invocation; the first answer wins, the rest are cancelled."""
    names = [s.name for s in req.strategies]
    if len(set(names)) != len(names):
        raise restate.TerminalError("invalid request: strategies: names must be unique", status_code=400)
    contenders = {s.name: ctx.service_call(attempt, Attempt(prompt=req.prompt, strategy=s)) for s in req.strategies}
    outcome = await race(ctx, contenders)
    return RaceResult(
        winner=outcome.winner, answer=outcome.value.answer, cancelled=outcome.cancelled, failed=outcome.failed
    )


SERVICES = [racing]
