"""Contender 2: the OpenAI Agents SDK under Restate's `DurableRunner` (service in `services/agents_sdk.py`)."""

from __future__ import annotations

from .restate import RestateContender


class AgentsSdkDurableRunner(RestateContender):
    name = "agents-sdk"
    title = "OpenAI Agents SDK + Restate DurableRunner"
    parallel_tools = False
    target = "benchmarks.services.agents_sdk:SERVICES"
    service = "BenchAgentsSdk"
