"""Routing: `ToolRouterService/route` (the model picks tools until it can answer), `AgentRouterService/route`
(the model picks a specialist agent), `ParallelAgentsService/analyze_text` (several specialists at once).
"""

from __future__ import annotations

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, handler
from resilient_agents.patterns import (
    AgentAnalysis,
    RoutedAnswer,
    Specialist,
    ToolLoopResult,
    consult_in_parallel,
    durable_tool,
    route_to_specialist,
    run_tool_loop,
)

from .specialists import SUPPORT_SPECIALISTS, TICKETS

tool_router = restate.Service("ToolRouterService", description="The model routes to tools until it can answer.")
agent_router = restate.Service("AgentRouterService", description="The model routes to a specialist agent.")
parallel_agents = restate.Service("ParallelAgentsService", description="Several specialist agents at once.")


# --- support tools (deterministic stand-ins for real systems) ------------------------------------------------


class UserArgs(BaseModel):
    email: str = Field(description="The user's email address")


class ErrorArgs(BaseModel):
    error: str = Field(description="The error message or symptom")


@durable_tool
async def check_account_status(args: UserArgs) -> str:
    """Account status: locked, login attempts, last password change."""
    return f"account of {args.email}: locked after 5 failed login attempts; password last changed 94 days ago"


@durable_tool
async def send_password_reset(args: UserArgs) -> str:
    """Send a password reset link so the user can log in again."""
    return f"password reset link sent to the address on file for {args.email}; valid for 30 minutes"


@durable_tool
async def search_known_issues(args: ErrorArgs) -> str:
    """Search known issues and outages for an error message."""
    return f"no open incident matches '{args.error[:80]}'; login service healthy"


SUPPORT_TOOLS = [check_account_status, send_password_reset, search_known_issues]
SUPPORT_INSTRUCTIONS = (
    "You are a support agent. Use the tools to look things up or act; when you have what you need, answer the "
    "customer directly."
)


class TicketRequest(RequestModel):
    """A support ticket."""

    message: str = Field(default=TICKETS[0], description="The customer's message")


@handler(tool_router)
async def route(ctx: restate.Context, req: TicketRequest) -> ToolLoopResult:
    """Loop: the model picks tools (each call journaled) until it answers without one."""
    return await run_tool_loop(ctx, req.message, SUPPORT_TOOLS, system=SUPPORT_INSTRUCTIONS)


@handler(agent_router, name="route")
async def route_to_agent(ctx: restate.Context, req: TicketRequest) -> RoutedAnswer:
    """The model picks a specialist (an enum), then the specialist answers; both steps journaled."""
    return await route_to_specialist(ctx, req.message, SUPPORT_SPECIALISTS)


ANALYSTS = [
    Specialist(
        name="sentiment",
        description="tone and sentiment",
        instructions="Analyze the sentiment of the text: positive, negative or neutral, with the evidence.",
    ),
    Specialist(
        name="key_points",
        description="main points",
        instructions="List the key points of the text as short bullets.",
    ),
    Specialist(
        name="summary",
        description="a short summary",
        instructions="Summarize the text in two sentences.",
    ),
]
SAMPLE_TEXT = (
    "Our new release cut checkout time in half and customers noticed: support tickets about payments fell by a "
    "third. Two enterprise customers still report slow exports, and the mobile app rating dropped slightly after "
    "the redesign."
)


class AnalyzeRequest(RequestModel):
    """A text for the specialist analysts."""

    text: str = Field(default=SAMPLE_TEXT, description="The text to analyze")


class ParallelAnalysis(BaseModel):
    """Every analyst's result, in the analysts' order."""

    analyses: list[AgentAnalysis]


@handler(parallel_agents)
async def analyze_text(ctx: restate.Context, req: AnalyzeRequest) -> ParallelAnalysis:
    """All analysts at once; a failed one is retried alone, finished ones are kept."""
    return ParallelAnalysis(analyses=await consult_in_parallel(ctx, req.text, ANALYSTS))


SERVICES = [tool_router, agent_router, parallel_agents]
