"""Test app for provider faults: a chain of journaled model calls through the real OpenAI client."""

from __future__ import annotations

import restate
from pydantic import Field

from resilient_agents import RequestModel, handler, llm_call

chain = restate.Service("ModelChain")


class ChainRequest(RequestModel):
    prompts: list[str] = Field(default_factory=lambda: ["first", "second"])


@handler(chain)
async def run(ctx: restate.Context, req: ChainRequest) -> list[str]:
    """Ask the model each prompt in turn, one journaled call each."""
    return [await llm_call(ctx, prompt, name=f"LLM call {i}") for i, prompt in enumerate(req.prompts)]


SERVICES = [chain]
