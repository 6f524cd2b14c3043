"""Contender 4: our OpenAI Agents SDK integration with parallel tools (service in `services/sdk_integration.py`)."""

from __future__ import annotations

import importlib.util
from typing import Any

from .restate import RestateContender


class SdkIntegration(RestateContender):
    name = "sdk-integration"
    title = "resilient-agents OpenAI Agents SDK integration (Restate, parallel tools)"
    target = "benchmarks.services.sdk_integration:SERVICES"
    service = "BenchSdkIntegration"

    @classmethod
    def unavailable(cls) -> str | None:
        if importlib.util.find_spec("resilient_agents.integrations") is None:
            return "our agent-SDK integration (resilient_agents.integrations) is not in this checkout yet"
        from resilient_agents import integrations

        missing = [n for n in ("openai_agents_session", "ParallelTools") if not hasattr(integrations, n)]
        if missing:
            return f"resilient_agents.integrations has no {', '.join(missing)} yet"
        return None

    def answer(self, output: Any) -> str:
        return str(output["final_output"]) if isinstance(output, dict) else str(output)
