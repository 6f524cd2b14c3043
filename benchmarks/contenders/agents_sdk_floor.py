"""The Agents SDK's own floor: plain `Runner.run` in this process, history in a dict, nothing persisted.

Not one of the six contenders but the fair baseline for contender 2: the difference between the two is what
Restate's DurableRunner adds; the difference between this and the floor is what the SDK itself costs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agents import Runner

from ..agents_sdk_model import install_scripted_model, make_agent, make_tools
from ..workload import Task, run_tool
from .base import Contender


async def _plain_tool(name: str, n: int, ms: int, tag: str) -> str:
    return await run_tool(name, n, ms, tag)


class AgentsSdkFloor(Contender):
    name = "agents-sdk-floor"
    title = "OpenAI Agents SDK, plain Runner.run (no durability)"
    durable = False
    storage = "memory only"

    async def start(self, workdir: Path) -> None:
        install_scripted_model()
        self.agent = make_agent(make_tools(_plain_tool))
        self.sessions: dict[str, list[Any]] = {}

    async def stop(self) -> None:
        return None

    async def turn(self, task: Task) -> str:
        history = self.sessions.get(task.session, [])
        result = await Runner.run(self.agent, [*history, {"role": "user", "content": task.prompt()}])
        self.sessions[task.session] = result.to_input_list()
        return str(result.final_output)
