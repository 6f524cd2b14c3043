"""Prompt chaining: each step's output is the next step's input, and every step is its own journal entry.

After a crash the completed steps are replayed from the journal and only the step in flight runs again, so a
long pipeline never pays twice for the calls it already made.
"""

from __future__ import annotations

from collections.abc import Sequence

import restate
from pydantic import BaseModel
from pydantic_ai.models import Model

from ..models import llm_call

STEP_INSTRUCTIONS = "Apply the instruction to the input. Answer with the transformed input only, no commentary."


class ChainStep(BaseModel):
    """One step of a chain: the instruction given and what the model produced."""

    instruction: str
    output: str


class ChainResult(BaseModel):
    """Every step of a chain in order; `result` is the last step's output."""

    steps: list[ChainStep]
    result: str


def step_prompt(instruction: str, current: str) -> str:
    """The prompt of one chain step."""
    return f"{instruction}\n\nInput:\n{current}"


async def chain(
    ctx: restate.Context,
    text: str,
    instructions: Sequence[str],
    *,
    system: str = STEP_INSTRUCTIONS,
    model: Model | None = None,
) -> ChainResult:
    """Run `instructions` one after another over `text`, each on the previous step's output."""
    current = text
    steps: list[ChainStep] = []
    for i, instruction in enumerate(instructions, start=1):
        current = await llm_call(ctx, step_prompt(instruction, current), system=system, model=model, name=f"step {i}")
        steps.append(ChainStep(instruction=instruction, output=current))
    return ChainResult(steps=steps, result=current)
