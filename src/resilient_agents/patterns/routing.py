"""Routing to specialist agents: the model chooses one (an enum in its output), the choice is journaled.

Three shapes of the same idea:
- `route_to_specialist`: the specialist is a prompt run in this handler (one more journaled model call);
- `route_to_remote_agent`: the specialist is another Restate service, called through Restate, so the call is
  journaled, retried and deduplicated across processes (the router never calls the specialist's code directly);
- `consult_in_parallel`: every specialist at once (durable futures), results kept in order.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import restate
from pydantic import BaseModel, TypeAdapter
from pydantic_ai.models import Model

from ..models import llm_call
from .parallel import gather_texts, llm_future
from .structured import choose


class Specialist(BaseModel):
    """A specialist agent defined by its instructions, run in the calling handler."""

    name: str
    """Route name; the router's enum value."""
    description: str
    """What it handles (shown to the routing model)."""
    instructions: str
    """Its system prompt."""


class RemoteAgent(BaseModel):
    """A specialist living in its own Restate service: `service/handler`, taking and returning a string."""

    name: str
    description: str
    service: str
    handler: str = "run"


class RoutedAnswer(BaseModel):
    """Which agent the router chose, why, and that agent's answer."""

    agent: str
    reason: str
    answer: str


class AgentAnalysis(BaseModel):
    """One specialist's contribution to a parallel consultation."""

    agent: str
    result: str


def routing_instructions(options: Sequence[Specialist | RemoteAgent]) -> str:
    """System prompt for the routing model: the options and what each one handles."""
    lines = "\n".join(f"- {o.name}: {o.description}" for o in options)
    return f"Route the request to the single best specialist.\nSpecialists:\n{lines}"


async def choose_agent(
    ctx: restate.Context, message: str, options: Sequence[Specialist | RemoteAgent], *, model: Model | None = None
) -> tuple[str, str]:
    """The chosen option's name and the reason (one journaled model call named `route`)."""
    decision = await choose(
        ctx,
        message,
        [o.name for o in options],
        system=routing_instructions(options),
        field_description="The specialist who should handle the request.",
        tool_name="route_request",
        model=model,
        name="route",
    )
    return decision.choice, decision.reason


async def route_to_specialist(
    ctx: restate.Context, message: str, specialists: Sequence[Specialist], *, model: Model | None = None
) -> RoutedAnswer:
    """Pick a specialist, then let it answer (two journaled model calls)."""
    chosen, reason = await choose_agent(ctx, message, specialists, model=model)
    specialist = next(s for s in specialists if s.name == chosen)
    answer = await llm_call(ctx, message, system=specialist.instructions, model=model, name=f"agent {chosen}")
    return RoutedAnswer(agent=chosen, reason=reason, answer=answer)


_TEXT = TypeAdapter(str)


async def call_remote_agent(ctx: restate.Context, agent: RemoteAgent, message: str) -> str:
    """Call a specialist service through Restate (journaled, retried, exactly once) and return its answer."""
    raw = await ctx.generic_call(agent.service, agent.handler, json.dumps(message).encode())
    return _TEXT.validate_json(raw)


async def route_to_remote_agent(
    ctx: restate.Context, message: str, agents: Sequence[RemoteAgent], *, model: Model | None = None
) -> RoutedAnswer:
    """Pick a remote specialist, then call its service through Restate."""
    chosen, reason = await choose_agent(ctx, message, agents, model=model)
    agent = next(a for a in agents if a.name == chosen)
    return RoutedAnswer(agent=chosen, reason=reason, answer=await call_remote_agent(ctx, agent, message))


async def consult_in_parallel(
    ctx: restate.Context, text: str, specialists: Sequence[Specialist], *, model: Model | None = None
) -> list[AgentAnalysis]:
    """Every specialist on `text` at once; one journaled call each, a failed one retried alone."""
    futures = [llm_future(ctx, text, system=s.instructions, model=model, name=f"agent {s.name}") for s in specialists]
    results = await gather_texts(futures)
    return [AgentAnalysis(agent=s.name, result=r) for s, r in zip(specialists, results, strict=True)]
