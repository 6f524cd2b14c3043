"""A crew: proactive agents that share a key and are started, paused, resumed and stopped together.

`crew(name, agents=[...])` builds a virtual object whose key is the crew's id; the agents are the virtual
objects `proactive_agent` built, addressed with the same key, so `Crew/acme/start` starts `Monitor/acme`,
`Analyst/acme`... Commands go to the agents in the order given, which should be the order work flows in (a
watcher before the agents it messages): stopping a watcher first means the messages it already sent are
handled before their receivers stop, so a stopped crew has nothing in flight and nothing scheduled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import restate
from pydantic import BaseModel, Field
from restate.exceptions import TerminalError

from ..handlers import handler
from ..serde import TypedSerde
from .agent import Control
from .state import AgentView, StartRequest

CrewStatus = Literal["idle", "running", "paused", "stopped"]

VIEW_SERDE: TypedSerde[AgentView] = TypedSerde(AgentView)
START_SERDE: TypedSerde[StartRequest] = TypedSerde(StartRequest)
CONTROL_SERDE: TypedSerde[Control] = TypedSerde(Control)


class CrewStart(StartRequest):
    """Settings for every agent of the crew, with optional per-agent overrides."""

    agents: dict[str, StartRequest] = Field(default_factory=dict)
    """Per agent name: fields set here win over the crew-wide ones."""

    def for_agent(self, name: str) -> StartRequest:
        common = StartRequest(interval_ms=self.interval_ms, budget=self.budget, max_wakes=self.max_wakes)
        override = self.agents.get(name)
        if override is None:
            return common
        return StartRequest.model_validate(
            {**common.model_dump(exclude_unset=True), **override.model_dump(exclude_unset=True)}
        )


class CrewView(BaseModel):
    """The crew's status and every agent's view."""

    crew: str
    key: str
    status: CrewStatus
    agents: list[AgentView]


def crew_status(views: Sequence[AgentView]) -> CrewStatus:
    """Running if any agent runs, paused if any is paused, idle if none ever started, else stopped."""
    statuses = {v.status for v in views}
    if "running" in statuses:
        return "running"
    if "paused" in statuses:
        return "paused"
    if statuses <= {"idle"}:
        return "idle"
    return "stopped"


def crew(
    name: str, agents: Sequence[restate.VirtualObject], *, description: str | None = None
) -> restate.VirtualObject:
    """A virtual object commanding `agents` (virtual objects from `proactive_agent`) under one key."""
    if not agents:
        raise ValueError("a crew needs at least one agent")
    members = [a.name for a in agents]
    if len(set(members)) != len(members):
        raise ValueError(f"agent names repeat in crew {name}: {members}")
    obj = restate.VirtualObject(name, description=description or f"Crew of {', '.join(members)}")

    async def command(ctx: restate.Context, key: str, handler_name: str, bodies: dict[str, bytes]) -> CrewView:
        views = []
        for member in members:
            # one after another, in flow order: see the module docstring
            raw = await ctx.generic_call(member, handler_name, bodies[member], key=key)
            views.append(VIEW_SERDE.loads(raw))
        return CrewView(crew=name, key=key, status=crew_status(views), agents=views)

    @handler(obj)
    async def start(ctx: restate.ObjectContext, req: CrewStart) -> CrewView:
        """Start every agent (running ones are left as they are)."""
        unknown = sorted(set(req.agents) - set(members))
        if unknown:
            raise TerminalError(f"invalid request: agents: {unknown} are not in crew {name} ({members})", 400)
        bodies = {m: START_SERDE.dumps(req.for_agent(m)) for m in members}
        return await command(ctx, ctx.key(), "start", bodies)

    async def switch(ctx: restate.ObjectContext, handler_name: str, when: str, body: bytes) -> CrewView:
        """Send `handler_name` to the agents whose status is `when`, leaving the others as they are."""
        views = []
        for member in members:
            state = VIEW_SERDE.loads(await ctx.generic_call(member, "get_state", b"", key=ctx.key()))
            if state.status == when:
                state = VIEW_SERDE.loads(await ctx.generic_call(member, handler_name, body, key=ctx.key()))
            views.append(state)
        return CrewView(crew=name, key=ctx.key(), status=crew_status(views), agents=views)

    @handler(obj)
    async def pause(ctx: restate.ObjectContext, req: Control | None) -> CrewView:
        """Pause every running agent."""
        return await switch(ctx, "pause", "running", CONTROL_SERDE.dumps(req or Control(reason="crew paused")))

    @handler(obj)
    async def resume(ctx: restate.ObjectContext, req: Control | None) -> CrewView:
        """Resume every paused agent."""
        return await switch(ctx, "resume", "paused", CONTROL_SERDE.dumps(req or Control(reason="crew resumed")))

    @handler(obj)
    async def stop(ctx: restate.ObjectContext, req: Control | None) -> CrewView:
        """Stop every agent: afterwards nothing of the crew is scheduled."""
        body = CONTROL_SERDE.dumps(req or Control(reason="crew stopped"))
        return await command(ctx, ctx.key(), "stop", dict.fromkeys(members, body))

    @handler(obj, kind="shared")
    async def status(ctx: restate.ObjectSharedContext) -> CrewView:
        """Every agent's state, next wake-up and spending, read in parallel without waiting for their turns."""
        calls = [ctx.generic_call(m, "get_state", b"", key=ctx.key()) for m in members]
        await restate.gather(*calls)
        views = [VIEW_SERDE.loads(await call) for call in calls]
        return CrewView(crew=name, key=ctx.key(), status=crew_status(views), agents=views)

    return obj
