"""Orchestrator-workers: a model plans subtasks, workers run them in parallel, a last call combines the results.

The plan is one journaled structured call; each worker is its own durable future, so a failed worker is retried
alone and the finished ones are kept; the combination is one more journaled call. A planner that proposes no
subtask (the offline model cannot invent any) falls back to `fallback` approaches, so the pattern still runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import restate
from pydantic import BaseModel, Field
from pydantic_ai.models import Model

from ..models import llm_call
from .parallel import gather_texts, llm_future
from .structured import structured_call

PLANNER_INSTRUCTIONS = (
    "Analyze the task and break it into 2 to 4 distinct approaches that would each be valuable. "
    "For each, give a short type (e.g. formal, conversational) and a description of what the worker should do."
)
WORKER_INSTRUCTIONS = "Carry out the task in the style given, following its guidelines."
COMBINER_INSTRUCTIONS = "Combine the workers' results into one answer: say what each brings and which fits best."


class Subtask(BaseModel):
    """One worker's assignment."""

    type: str = Field(description="A short name for the approach, e.g. formal")
    description: str = Field(description="What the worker should write or do")


class Plan(BaseModel):
    """The orchestrator's analysis of a task and the subtasks it delegates."""

    analysis: str = Field(description="How you understand the task and why these approaches")
    subtasks: list[Subtask] = Field(description="The approaches, one worker each")


class WorkerResult(BaseModel):
    """A subtask and the worker's output."""

    type: str
    description: str
    result: str


class OrchestratorResult(BaseModel):
    """The plan's analysis, every worker's result, and the combined answer."""

    analysis: str
    worker_results: list[WorkerResult]
    combined: str


DEFAULT_APPROACHES = (
    Subtask(type="formal", description="A precise, technical version that emphasizes specifications."),
    Subtask(type="conversational", description="An engaging, friendly version that connects with readers."),
)


def worker_prompt(task: str, subtask: Subtask) -> str:
    return f"Task: {task}\nStyle: {subtask.type}\nGuidelines: {subtask.description}"


async def orchestrate(
    ctx: restate.Context,
    task: str,
    *,
    max_subtasks: int = 4,
    fallback: Sequence[Subtask] = DEFAULT_APPROACHES,
    combine: bool = True,
    model: Model | None = None,
) -> OrchestratorResult:
    """Plan `task`, run the workers in parallel, and combine their results."""
    plan = await structured_call(
        ctx, task, Plan, system=PLANNER_INSTRUCTIONS, tool_name="plan", model=model, name="plan"
    )
    subtasks = list(plan.subtasks[:max_subtasks]) or list(fallback)
    futures = [
        llm_future(ctx, worker_prompt(task, s), system=WORKER_INSTRUCTIONS, model=model, name=f"worker {i}: {s.type}")
        for i, s in enumerate(subtasks, start=1)
    ]
    outputs = await gather_texts(futures)
    results = [
        WorkerResult(type=s.type, description=s.description, result=o) for s, o in zip(subtasks, outputs, strict=True)
    ]
    combined = ""
    if combine:
        listing = "\n\n".join(f"[{r.type}]\n{r.result}" for r in results)
        combined = await llm_call(
            ctx, f"Task: {task}\n\nResults:\n{listing}", system=COMBINER_INSTRUCTIONS, model=model, name="combine"
        )
    return OrchestratorResult(analysis=plan.analysis, worker_results=results, combined=combined)
