"""Contender 3: our Restate-native agent loop (service in `services/native.py`)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .restate import RestateContender


class NativeLoop(RestateContender):
    name = "native"
    title = "resilient-agents native loop (Restate)"
    target = "benchmarks.services.native:SERVICES"
    service = "BenchNative"

    @classmethod
    def unavailable(cls) -> str | None:
        if importlib.util.find_spec("resilient_agents.agents") is None:
            return "our native agent loop (resilient_agents.agents) is not in this checkout yet"
        from resilient_agents import agents

        if not hasattr(agents, "agent_session"):
            return "resilient_agents.agents has no agent_session yet"
        return None

    def answer(self, output: Any) -> str:
        return str(output["final_output"]) if isinstance(output, dict) else str(output)
