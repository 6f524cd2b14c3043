"""A long-lived proactive crew watching a campaign's social-media feed (see docs/crews.md).

curl localhost:8080/CampaignCrew/spring-sale/start --json '{"interval_ms": 2000}'
curl localhost:8080/CampaignCrew/spring-sale/status
curl localhost:8080/CampaignCrew/spring-sale/stop --json '{}'
"""

from __future__ import annotations

from .agents import (
    ANALYST,
    CREW,
    MONITOR,
    RESPONDER,
    Alert,
    AnalystMemory,
    Brief,
    Incident,
    MonitorMemory,
    Reply,
    ReplyReport,
    ResponderMemory,
    build_crew,
)
from .feed import FeedEvent, FeedSimulator

SERVICES = build_crew()

__all__ = [
    "ANALYST",
    "CREW",
    "MONITOR",
    "RESPONDER",
    "SERVICES",
    "Alert",
    "AnalystMemory",
    "Brief",
    "FeedEvent",
    "FeedSimulator",
    "Incident",
    "MonitorMemory",
    "Reply",
    "ReplyReport",
    "ResponderMemory",
    "build_crew",
]
