"""Contender 3's service: our Restate-native agent loop (`resilient_agents.agents.agent_session`).

The eight workload tools are function tools (each call a journaled `ctx.run`, all calls of a response in
parallel); the model is the scripted model as a pydantic-ai model, set on the agent.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from resilient_agents.agents import Agent, FunctionTool, agent_session, function_tool

from ..loop import bench_model
from ..workload import TOOL_DESCRIPTION, TOOL_NAMES, run_tool
from .noop import noop


def _tool(name: str) -> FunctionTool:
    async def tool(n: int, ms: int, tag: str) -> str:
        return await run_tool(name, n, ms, tag)

    body: Callable[..., Awaitable[str]] = tool
    return function_tool(body, name=name, description=TOOL_DESCRIPTION)  # type: ignore[no-any-return]


agent = Agent(
    name="Bench",
    instructions="Use the tools you are asked to use.",
    model=bench_model(),
    tools=[_tool(name) for name in TOOL_NAMES],
)
session = agent_session("BenchNative", agents=[agent], max_turns=50)

SERVICES = [session, noop]
