"""Evaluator-optimizer: generate, let an evaluator judge (PASS / NEEDS_IMPROVEMENT / FAIL), improve, repeat.

Every generation and evaluation is a journaled call, so after a crash the loop resumes at the round it was in.
The loop is bounded by `max_rounds`: it ends at the first PASS, or after the last round with the best effort
and `accepted=False`. The offline model fills the status enum from the words of the evaluation prompt and
otherwise with the first value (PASS), so offline runs end after one round unless the text names another status.
"""

from __future__ import annotations

from typing import Literal

import restate
from pydantic import BaseModel, Field
from pydantic_ai.models import Model

from ..models import llm_call
from .structured import structured_call

Status = Literal["PASS", "NEEDS_IMPROVEMENT", "FAIL"]

GENERATOR_INSTRUCTIONS = (
    "Complete the task. If earlier attempts and feedback are given, reflect on the feedback and improve on them."
)
EVALUATOR_INSTRUCTIONS = (
    "Evaluate the content against the task: correctness, completeness, style. Answer with status PASS only when "
    "nothing needs to change; NEEDS_IMPROVEMENT with concrete feedback otherwise; FAIL if it misses the task."
)


class Evaluation(BaseModel):
    """The evaluator's verdict on one attempt."""

    status: Status = Field(description="PASS, NEEDS_IMPROVEMENT or FAIL")
    feedback: str = Field(description="What to improve and why")


class Round(BaseModel):
    """One generate-and-evaluate round."""

    content: str
    status: Status
    feedback: str


class EvaluationResult(BaseModel):
    """The last content, whether the evaluator accepted it, and every round."""

    result: str
    accepted: bool
    rounds: list[Round]


def generation_prompt(task: str, rounds: list[Round]) -> str:
    """The generator's prompt: the task, then earlier attempts with their feedback (the loop's memory)."""
    if not rounds:
        return f"Task:\n{task}"
    history = "\n\n".join(
        f"Attempt {i}:\n{r.content}\nFeedback ({r.status}): {r.feedback}" for i, r in enumerate(rounds, start=1)
    )
    return f"Task:\n{task}\n\nEarlier attempts and feedback:\n{history}"


def evaluation_prompt(task: str, content: str) -> str:
    return f"Task:\n{task}\n\nContent to evaluate:\n{content}"


async def evaluate_and_improve(
    ctx: restate.Context,
    task: str,
    *,
    max_rounds: int = 3,
    generator_instructions: str = GENERATOR_INSTRUCTIONS,
    evaluator_instructions: str = EVALUATOR_INSTRUCTIONS,
    model: Model | None = None,
) -> EvaluationResult:
    """Generate and evaluate until PASS or `max_rounds` rounds; two journaled calls per round."""
    rounds: list[Round] = []
    for n in range(1, max_rounds + 1):
        content = await llm_call(
            ctx, generation_prompt(task, rounds), system=generator_instructions, model=model, name=f"generate {n}"
        )
        verdict = await structured_call(
            ctx,
            evaluation_prompt(task, content),
            Evaluation,
            system=evaluator_instructions,
            tool_name="evaluation",
            model=model,
            name=f"evaluate {n}",
        )
        rounds.append(Round(content=content, status=verdict.status, feedback=verdict.feedback))
        if verdict.status == "PASS":
            return EvaluationResult(result=content, accepted=True, rounds=rounds)
    return EvaluationResult(result=rounds[-1].content, accepted=False, rounds=rounds)
