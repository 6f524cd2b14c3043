"""`Orchestrator/process_text`: a model plans subtasks, workers run them in parallel, a last call combines."""

from __future__ import annotations

import restate
from pydantic import Field

from resilient_agents import RequestModel, handler
from resilient_agents.patterns import OrchestratorResult, orchestrate

orchestrator = restate.Service("Orchestrator", description="Orchestrator-workers with parallel workers.")


class OrchestratorRequest(RequestModel):
    """A task to break down."""

    task: str = Field(
        default="Write a product description for a new eco-friendly water bottle. The target audience is "
        "environmentally conscious millennials; key features: plastic-free, insulated, lifetime warranty.",
        description="The task the orchestrator plans",
    )
    max_subtasks: int = Field(default=4, ge=1, le=8, description="At most this many workers")


@handler(orchestrator)
async def process_text(ctx: restate.Context, req: OrchestratorRequest) -> OrchestratorResult:
    """Plan, run the workers in parallel (a failed one retried alone), combine."""
    return await orchestrate(ctx, req.task, max_subtasks=req.max_subtasks)


SERVICES = [orchestrator]
