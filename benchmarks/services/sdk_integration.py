"""Contender 4's service: our OpenAI Agents SDK integration (`resilient_agents.integrations`).

The same agent, model path and tools as contender 2 (the scripted model through the SDK's OpenAI client, each
tool's work in `ctx.run`), but run with `openai_agents_session`: the tool calls of one response run in
parallel, each as its own invocation of the `BenchSdkTools` service.
"""

from __future__ import annotations

import restate
from restate.ext.openai import restate_context

from resilient_agents.integrations import ParallelTools, openai_agents_session

from ..agents_sdk_model import install_scripted_model, make_agent, make_tools
from ..workload import run_tool
from .noop import noop

install_scripted_model()
tools = ParallelTools("BenchSdkTools")


async def _durable_tool(name: str, n: int, ms: int, tag: str) -> str:
    async def work() -> str:
        return await run_tool(name, n, ms, tag)

    return await restate_context().run_typed(name, work)


agent = make_agent(make_tools(_durable_tool, tools.tool))
# model=None: each agent keeps its own SDK model name, the scripted model as contender 2 reaches it
session: restate.VirtualObject = openai_agents_session("BenchSdkIntegration", [agent], model=None, max_turns=50)

SERVICES = [session, tools.service, noop]
