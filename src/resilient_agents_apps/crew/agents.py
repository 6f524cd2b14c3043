"""The campaign crew: a monitor watching the feed, an analyst assessing alerts, a responder answering customers.

    CampaignMonitor   wakes every interval, reads the next batch of the feed, alerts the analyst on bursts
    CampaignAnalyst   assesses each alert with the model, opens an incident, asks the responder to answer the
                      serious ones, and checks back on the incident three intervals later (a follow-up)
    CampaignResponder drafts one public reply per incident with the model, posts it once, and two intervals
                      later looks at how it landed and reports back to the analyst

`build_crew()` wires them; the demo serves the default, tests pass a scripted model and a recording publisher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Literal

import restate
from pydantic import BaseModel, Field
from pydantic_ai.models import Model

from resilient_agents.crews import Budget, Turn, crew, proactive_agent

from .feed import FeedEvent, FeedSimulator

MONITOR = "CampaignMonitor"
ANALYST = "CampaignAnalyst"
RESPONDER = "CampaignResponder"
CREW = "CampaignCrew"
KEEP = 50
"""How many past entries each memory keeps: memory stays small however long the crew runs."""

log = logging.getLogger("resilient_agents_apps.crew")


class TickSummary(BaseModel):
    tick: int
    events: int
    negative: int


class MonitorMemory(BaseModel):
    """What the monitor remembers: where it is in the feed and what it saw."""

    cursor: int = 0
    """The next tick to read."""
    seen: int = 0
    alerts_sent: int = 0
    ticks: list[TickSummary] = Field(default_factory=list)


class Alert(BaseModel):
    """The monitor's message to the analyst."""

    tick: int
    events: list[FeedEvent]


class Incident(BaseModel):
    id: str
    tick: int
    severity: Literal["medium", "high"]
    summary: str
    status: Literal["open", "responding", "answered", "reviewed"] = "open"
    engagement: int | None = None


class AnalystMemory(BaseModel):
    incidents: list[Incident] = Field(default_factory=list)
    reviews: int = 0

    def find(self, incident_id: str) -> Incident | None:
        return next((i for i in self.incidents if i.id == incident_id), None)


class Brief(BaseModel):
    """The analyst's request to the responder."""

    incident: Incident
    events: list[FeedEvent]


class Reply(BaseModel):
    id: str
    campaign: str
    incident_id: str
    text: str
    engagement: int | None = None


class ReplyReport(BaseModel):
    """The responder's report back to the analyst."""

    incident_id: str
    reply_id: str
    engagement: int


class ResponderMemory(BaseModel):
    replies: list[Reply] = Field(default_factory=list)

    def find(self, reply_id: str) -> Reply | None:
        return next((r for r in self.replies if r.id == reply_id), None)


Publish = Callable[[Reply], None]


def log_reply(reply: Reply) -> None:
    """The demo's "social network": the reply goes to the service log."""
    log.info("posted %s for %s on %s: %s", reply.id, reply.incident_id, reply.campaign, reply.text)


def build_crew(
    *,
    feed: FeedSimulator | None = None,
    publish: Publish = log_reply,
    model: Model | None = None,
    every: timedelta = timedelta(seconds=10),
    budget: Budget | None = None,
) -> list[restate.VirtualObject]:
    """The crew object and its three agents; `publish` posts a reply (called once per reply)."""
    simulator = feed or FeedSimulator()
    spend_limit = budget or Budget(max_calls=100)

    async def watch_feed(turn: Turn[MonitorMemory]) -> None:
        """Reads the next batch of the campaign's feed; alerts the analyst about bursts of complaints."""
        memory = turn.memory
        tick = memory.cursor
        events: list[FeedEvent] = await turn.run(
            f"read feed tick {tick}", lambda: simulator.batch(turn.key, tick), type_hint=list[FeedEvent]
        )
        negative = [e for e in events if e.sentiment < -0.5]
        memory.cursor = tick + 1
        memory.seen += len(events)
        memory.ticks = [*memory.ticks, TickSummary(tick=tick, events=len(events), negative=len(negative))][-KEEP:]
        if len(negative) >= 2:
            turn.send(ANALYST, f"{len(negative)} negative posts at tick {tick}", Alert(tick=tick, events=negative))
            memory.alerts_sent += 1

    async def assess(turn: Turn[AnalystMemory]) -> None:
        """Assesses alerts with the model, hands serious incidents to the responder, checks back later."""
        memory = turn.memory
        for message in turn.messages:
            if message.source == MONITOR:
                await open_incident(turn, Alert.model_validate(message.data))
            elif message.source == RESPONDER:
                report = ReplyReport.model_validate(message.data)
                incident = memory.find(report.incident_id)
                if incident is not None:
                    incident.engagement = report.engagement
                    if incident.status != "reviewed":
                        incident.status = "answered"
            else:
                turn.log("note", f"message from {message.source} noted: {message.message}")
        if turn.kind == "follow_up":
            incident = memory.find(turn.note.removeprefix("review "))
            if incident is not None:
                verdict = "answered" if incident.status == "answered" else "still waiting for an answer"
                incident.status = "reviewed"
                memory.reviews += 1
                turn.log("review", f"{incident.id}: {verdict}")

    async def open_incident(turn: Turn[AnalystMemory], alert: Alert) -> None:
        posts = "\n".join(f"- @{e.author} (reach {e.reach}): {e.text}" for e in alert.events)
        summary = await turn.llm(
            f"Summarise in one sentence what these customers complain about:\n{posts}",
            system="You are a marketing analyst watching a campaign's social-media feed.",
            name=f"assess tick {alert.tick}",
        )
        # severity is a rule, not a model opinion: the same feed always escalates the same way
        high = len(alert.events) >= 3 or max(e.reach for e in alert.events) >= 5000
        incident = Incident(
            id=f"incident-{alert.tick}", tick=alert.tick, severity="high" if high else "medium", summary=summary
        )
        turn.memory.incidents = [*turn.memory.incidents, incident][-KEEP:]
        if high:
            incident.status = "responding"
            turn.send(RESPONDER, f"please answer {incident.id}", Brief(incident=incident, events=alert.events))
        await turn.follow_up(turn.interval * 3, f"review {incident.id}")

    async def respond(turn: Turn[ResponderMemory]) -> None:
        """Drafts one public reply per incident, posts it once, follows up on how it landed."""
        memory = turn.memory
        for message in turn.messages:
            if message.source != ANALYST:
                continue
            brief = Brief.model_validate(message.data)
            reply_id = f"reply-{brief.incident.id}"
            if memory.find(reply_id) is not None:
                continue
            text = await turn.llm(
                f"Write a short, kind public reply to customers about: {brief.incident.summary}",
                system="You answer customers on social media for the brand. Two sentences at most.",
                name=f"draft {reply_id}",
            )
            reply = Reply(id=reply_id, campaign=turn.key, incident_id=brief.incident.id, text=text)

            def post(reply: Reply = reply) -> None:
                publish(reply)

            await turn.run(f"post {reply_id}", post)
            memory.replies = [*memory.replies, reply][-KEEP:]
            await turn.follow_up(turn.interval * 2, f"engagement {reply_id}")
        if turn.kind == "follow_up":
            landed = memory.find(turn.note.removeprefix("engagement "))
            if landed is not None and landed.engagement is None:
                landed.engagement = simulator.engagement(landed.id)
                report = ReplyReport(incident_id=landed.incident_id, reply_id=landed.id, engagement=landed.engagement)
                turn.send(ANALYST, f"{landed.id} got {landed.engagement} likes", report)

    monitor = proactive_agent(MONITOR, watch_feed, every=every, memory=MonitorMemory, model=model)
    analyst = proactive_agent(ANALYST, assess, interval=every, memory=AnalystMemory, budget=spend_limit, model=model)
    responder = proactive_agent(
        RESPONDER, respond, interval=every, memory=ResponderMemory, budget=spend_limit, model=model
    )
    agents = [monitor, analyst, responder]
    return [crew(CREW, agents, description="A campaign-watching crew: monitor, analyst, responder"), *agents]
