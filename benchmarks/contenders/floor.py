"""Contender 1, the floor: the plain agent loop in this process, history in a dict, nothing persisted."""

from __future__ import annotations

from pathlib import Path

from pydantic_ai.messages import ModelMessage

from ..loop import PlainSteps, agent_turn, final_text
from ..workload import Task
from .base import Contender


class Floor(Contender):
    name = "floor"
    title = "plain loop (no durability)"
    durable = False
    storage = "memory only"

    def __init__(self) -> None:
        self.sessions: dict[str, list[ModelMessage]] = {}
        self.steps = PlainSteps()

    async def start(self, workdir: Path) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def turn(self, task: Task) -> str:
        history = self.sessions.setdefault(task.session, [])
        added = await agent_turn(history, task.prompt(), self.steps)
        history.extend(added)
        return final_text(added)
