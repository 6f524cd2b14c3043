"""Contender 2's service: the OpenAI Agents SDK under `restate.ext.openai.DurableRunner` (the seeds' approach).

A virtual object per session; the conversation is kept by `use_restate_session=True` (Restate K/V state);
each model call is journaled by DurableRunner's model provider, and each tool wraps its work in `ctx.run`,
as the seeds' airline example does.
"""

from __future__ import annotations

import restate
from restate.ext.openai import DurableRunner, durable_function_tool, restate_context

from ..agents_sdk_model import install_scripted_model, make_agent, make_tools
from ..workload import run_tool
from .noop import noop

install_scripted_model()


async def _durable_tool(name: str, n: int, ms: int, tag: str) -> str:
    async def work() -> str:
        return await run_tool(name, n, ms, tag)

    return await restate_context().run_typed(name, work)


agent = make_agent(make_tools(_durable_tool, durable_function_tool))
session = restate.VirtualObject("BenchAgentsSdk")


@session.handler()
async def run(ctx: restate.ObjectContext, message: str) -> str:
    result = await DurableRunner.run(agent, message, use_restate_session=True)
    return str(result.final_output)


SERVICES = [session, noop]
