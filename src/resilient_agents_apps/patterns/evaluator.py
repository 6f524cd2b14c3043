"""`EvaluatorOptimizer/improve_until_good` (a model evaluates, bounded rounds) and
`HumanEvaluatorOptimizer/{key}/run` (a person evaluates between calls; memory and chain of thought in state).
"""

from __future__ import annotations

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, handler
from resilient_agents.patterns import EvaluationResult, StateKey, evaluate_and_improve, structured_call

STACK_TASK = (
    "Implement a Stack with:\n1. push(x)\n2. pop()\n3. getMin()\nAll operations should be O(1).\n"
    "Write it in Python with a short explanation."
)

evaluator = restate.Service("EvaluatorOptimizer", description="Generate, evaluate, improve; bounded rounds.")
human_evaluator = restate.VirtualObject(
    "HumanEvaluatorOptimizer", description="A person evaluates; the object remembers every attempt."
)


class ImproveRequest(RequestModel):
    """A task and how many rounds the loop may take."""

    task: str = Field(default=STACK_TASK, description="What to produce")
    max_rounds: int = Field(default=3, ge=1, le=10, description="Stop after this many generate-evaluate rounds")


@handler(evaluator)
async def improve_until_good(ctx: restate.Context, req: ImproveRequest) -> EvaluationResult:
    """Generate and evaluate until PASS or `max_rounds`; each round's two calls are journaled."""
    return await evaluate_and_improve(ctx, req.task, max_rounds=req.max_rounds)


# --- the human-evaluated, stateful loop -----------------------------------------------------------------------


class Generation(BaseModel):
    """Your reasoning and the result."""

    thoughts: str = Field(description="How you approach the task and use the feedback")
    result: str = Field(description="The complete result")


class Thought(BaseModel):
    """One attempt kept in the chain of thought."""

    feedback: str = ""
    """The feedback this attempt answered (empty for the first)."""
    thoughts: str
    result: str


class HumanEvaluatorRequest(RequestModel):
    """The task, and feedback on the previous result (empty on the first call)."""

    task: str = Field(default=STACK_TASK, description="What to produce")
    feedback: str = Field(default="", description="Your feedback on the last result; empty to start")
    generator_prompt: str = Field(
        default="Complete the task. Reflect on the earlier attempts and the feedback, and improve on them.",
        description="Instructions for the generator",
    )


class HumanEvaluatorResponse(BaseModel):
    """The new result and the whole chain of thought so far."""

    result: str
    chain_of_thought: list[Thought]


MEMORY: StateKey[list[str]] = StateKey("memory", list[str])
CHAIN_OF_THOUGHT: StateKey[list[Thought]] = StateKey("chain_of_thought", list[Thought])


def _prompt(task: str, memory: list[str], feedback: str) -> str:
    parts = [f"Task:\n{task}"]
    parts.extend(f"Attempt {i}:\n{result}" for i, result in enumerate(memory, start=1))
    if feedback:
        parts.append(f"Feedback on the last attempt:\n{feedback}")
    return "\n\n".join(parts)


@handler(human_evaluator)
async def run(ctx: restate.ObjectContext, req: HumanEvaluatorRequest) -> HumanEvaluatorResponse:
    """One generation with the memory of every earlier attempt and the new feedback; state keeps both."""
    memory = await MEMORY.get(ctx) or []
    chain = await CHAIN_OF_THOUGHT.get(ctx) or []
    generation = await structured_call(
        ctx,
        _prompt(req.task, memory, req.feedback),
        Generation,
        system=req.generator_prompt,
        tool_name="generation",
        name=f"generate {len(chain) + 1}",
    )
    memory.append(generation.result)
    MEMORY.set(ctx, memory)
    chain.append(Thought(feedback=req.feedback, thoughts=generation.thoughts, result=generation.result))
    CHAIN_OF_THOUGHT.set(ctx, chain)
    return HumanEvaluatorResponse(result=generation.result, chain_of_thought=chain)


SERVICES = [evaluator, human_evaluator]
