"""`ParallelizationService/run_in_parallel` and `ParallelToolAgent/run`: many model or tool calls at once.

Each branch is a durable future with its own journal entry: a branch that fails is retried alone, and a branch
that finished before a crash is not run again.
"""

from __future__ import annotations

import hashlib

import restate
from pydantic import BaseModel, Field

from resilient_agents import RequestModel, handler
from resilient_agents.patterns import ParallelResult, ToolLoopResult, durable_tool, parallel_map, run_tool_loop

STAKEHOLDER_PROMPT = (
    "Analyze how market changes will impact this stakeholder group. Provide specific impacts and recommended "
    "actions. Format with clear sections and priorities."
)
STAKEHOLDERS = [
    "Customers:\n- Price sensitive\n- Want better tech\n- Environmental concerns",
    "Employees:\n- Job security worries\n- Need new skills\n- Want clear direction",
    "Investors:\n- Expect growth\n- Want cost control\n- Risk concerns",
    "Suppliers:\n- Capacity constraints\n- Price pressures\n- Tech transitions",
]

parallelization = restate.Service("ParallelizationService", description="One prompt over many inputs at once.")
tool_agent = restate.Service("ParallelToolAgent", description="An agent whose tool calls run in parallel.")


class ParallelizationRequest(RequestModel):
    """The seeds' request: one prompt, applied to every input."""

    prompt: str = Field(default=STAKEHOLDER_PROMPT, description="The instruction for every input")
    inputs: list[str] = Field(default=STAKEHOLDERS, min_length=1, max_length=50, description="One call per input")


@handler(parallelization)
async def run_in_parallel(ctx: restate.Context, req: ParallelizationRequest) -> ParallelResult:
    """One journaled model call per input, all at once; one result per input, in order."""
    return await parallel_map(ctx, req.prompt, req.inputs)


# --- the trip-planning tools of ParallelToolAgent (deterministic stand-ins for real APIs) -------------------


class CityArgs(BaseModel):
    city: str = Field(description="The city, e.g. Paris")


def _pick(city: str, options: list[str]) -> str:
    digest = hashlib.sha256(city.strip().lower().encode()).digest()
    return options[digest[0] % len(options)]


@durable_tool
async def get_weather(args: CityArgs) -> str:
    """Weather forecast for a trip destination city."""
    return f"{args.city}: {_pick(args.city, ['sunny', 'cloudy', 'light rain', 'windy'])}, {12 + len(args.city)} °C"


@durable_tool
async def find_hotels(args: CityArgs) -> str:
    """Hotels with free rooms for a trip destination city."""
    return f"{args.city}: {_pick(args.city, ['Hotel Central', 'Riverside Inn', 'Old Town Suites'])}, from 120 EUR"


@durable_tool
async def find_flights(args: CityArgs) -> str:
    """Flights to a trip destination city."""
    return f"to {args.city}: {_pick(args.city, ['08:10', '12:45', '17:30'])} departure, 2h 05m, 180 EUR"


TRIP_TOOLS = [get_weather, find_hotels, find_flights]
TRIP_INSTRUCTIONS = (
    "You plan trips. Call every tool you need; call independent tools together in one response. "
    "Then summarize the plan."
)


class ToolAgentRequest(RequestModel):
    """A request that needs several tools."""

    message: str = Field(
        default="Plan my trip to Paris: weather, hotels and flights please.", description="What the user asks"
    )


@handler(tool_agent)
async def run(ctx: restate.Context, req: ToolAgentRequest) -> ToolLoopResult:
    """The model asks for several tools in one response; they run in parallel, each journaled."""
    return await run_tool_loop(ctx, req.message, TRIP_TOOLS, system=TRIP_INSTRUCTIONS)


SERVICES = [parallelization, tool_agent]
