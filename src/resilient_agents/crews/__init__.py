"""Long-lived proactive agents: virtual objects woken by durable timers and messages, commanded as crews.

    monitor = proactive_agent("Monitor", watch_feed, every=timedelta(minutes=5), memory=MonitorMemory)
    analyst = proactive_agent("Analyst", assess, budget=Budget(max_calls=200))
    campaign = crew("CampaignCrew", [monitor, analyst])

`CampaignCrew/acme/start` starts both for key "acme"; `Monitor/acme/get_state` shows its next wake-up and spend.
"""

from __future__ import annotations

from .agent import Control, NoMemory, proactive_agent
from .crew import CrewStart, CrewStatus, CrewView, crew, crew_status
from .state import (
    Activity,
    AgentMessage,
    AgentState,
    AgentStatus,
    AgentView,
    Budget,
    Delivery,
    Scheduled,
    StartRequest,
    WakeKind,
    WakeUp,
)
from .turn import Turn

__all__ = [
    "Activity",
    "AgentMessage",
    "AgentState",
    "AgentStatus",
    "AgentView",
    "Budget",
    "Control",
    "CrewStart",
    "CrewStatus",
    "CrewView",
    "Delivery",
    "NoMemory",
    "Scheduled",
    "StartRequest",
    "Turn",
    "WakeKind",
    "WakeUp",
    "crew",
    "crew_status",
    "proactive_agent",
]
