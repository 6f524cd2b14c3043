"""The tool phase of a turn: run the tool calls of one model response in parallel, each journaled on its own.

Order of work (all of it deterministic, so a replay after a crash takes the same path):
1. read every call: handoffs are set aside; an unknown tool, arguments that are not a JSON object or that do
   not fit the schema are answered at once with a `retried` result the model can correct;
2. start every call that needs no approval: a Restate call for handler tools and agent tools, a `ctx.run` for
   function tools, or a durable delayed send when the model asked for `delay_seconds`;
3. ask for the approvals the others need and start each approved call (rejected ones get a `denied` result);
4. wait for all of them together (`restate.gather`), so three slow tools take the time of the slowest.
Each result answers its own call id. A tool that fails (a terminal error of the callee, or a function that
still raises after its attempts) comes back as a `failed` result; only a cancellation of the session's own run
propagates. Calls of tools with a compensation are recorded in the run's `Saga` as they start (see
`compensation.py`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import restate
from pydantic_ai.messages import ToolCallPart, ToolReturnPart
from restate.exceptions import TerminalError

from .agent import Agent
from .approvals import ApprovalGate
from .compensation import Saga
from .handoffs import DUPLICATE_HANDOFF, handoffs_of, transferred_message
from .tools import DELAY_ARGUMENT, MAX_DELAY, Started, Tool, ToolArgumentsError, ToolCallInfo, ToolRuntime

NO_APPROVALS_HERE = "this tool needs a human approval, which an agent used as a tool cannot ask for"


@dataclass
class ToolOutcome:
    """What the tool phase hands back: one result per call, in call order, and the handoff to apply."""

    parts: list[ToolReturnPart]
    handoff: str | None = None


@dataclass
class _Planned:
    part: ToolCallPart
    tool: Tool
    value: Any
    call: ToolCallInfo
    delay: timedelta | None


@dataclass
class _Results:
    timestamp: datetime
    by_call: dict[int, ToolReturnPart] = field(default_factory=dict)

    def set(self, index: int, part: ToolCallPart, content: Any, outcome: str = "success") -> None:
        self.by_call[index] = ToolReturnPart(
            part.tool_name,
            content,
            part.tool_call_id,
            timestamp=self.timestamp,
            outcome=outcome,  # type: ignore[arg-type]
        )


def _delay(tool: Tool, arguments: dict[str, Any]) -> timedelta | None:
    if not tool.schedulable or DELAY_ARGUMENT not in arguments:
        return None
    raw = arguments.pop(DELAY_ARGUMENT)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw) or raw < 0:
        raise ToolArgumentsError(f"{DELAY_ARGUMENT} must be a number of seconds >= 0, not {raw!r}")
    delay = timedelta(seconds=raw)
    if delay > MAX_DELAY:
        raise ToolArgumentsError(f"{DELAY_ARGUMENT} must be at most {int(MAX_DELAY.total_seconds())} (a year)")
    return delay if raw > 0 else None


async def run_tool_calls(
    rt: ToolRuntime,
    agent: Agent,
    agents: Mapping[str, Agent],
    calls: list[ToolCallPart],
    *,
    gate: ApprovalGate | None,
    timestamp: datetime,
    saga: Saga | None = None,
) -> ToolOutcome:
    """Run the calls of one response; see the module docstring for the order of work."""
    results = _Results(timestamp)
    handoffs = handoffs_of(agent, agents)
    handoff: str | None = None
    planned: list[tuple[int, _Planned]] = []
    for index, part in enumerate(calls):
        if part.tool_name in handoffs:
            if handoff is None:
                handoff = handoffs[part.tool_name].target
                results.set(index, part, transferred_message(handoff))
            else:
                results.set(index, part, DUPLICATE_HANDOFF, "failed")
            continue
        tool = agent.find_tool(part.tool_name)
        if tool is None:
            names = ", ".join([t.name for t in agent.tools] + list(handoffs)) or "none"
            results.set(index, part, f"Unknown tool {part.tool_name!r}. Available: {names}.", "retried")
            continue
        try:
            arguments = dict(part.args_as_dict(raise_if_invalid=True))
        except (ValueError, AssertionError):
            results.set(index, part, "The arguments are not a JSON object; send them as one.", "retried")
            continue
        try:
            delay = _delay(tool, arguments)
            value = tool.prepare(arguments)
        except ToolArgumentsError as exc:
            results.set(index, part, f"Invalid arguments for {tool.name}: {exc}", "retried")
            continue
        call = ToolCallInfo(rt.session_key, agent.name, part.tool_call_id, arguments, rt.ctx.uuid().hex)
        planned.append((index, _Planned(part, tool, value, call, delay)))

    started: list[tuple[int, _Planned, Started]] = []
    scheduled: list[tuple[int, _Planned, restate.SendHandle]] = []

    def launch(index: int, item: _Planned) -> None:
        launched: Started | restate.SendHandle
        if item.delay is not None or item.tool.background:
            launched = item.tool.schedule(rt, item.call, item.value, item.delay or timedelta(0))
            scheduled.append((index, item, launched))
        else:
            launched = item.tool.start(rt, item.call, item.value)
            started.append((index, item, launched))
        if saga is not None:
            saga.record(item.tool, item.call, item.value, launched)

    needs_approval = [(i, p) for i, p in planned if p.tool.requires_approval]
    for index, item in planned:
        if not item.tool.requires_approval:
            launch(index, item)
    if needs_approval and gate is None:
        for index, item in needs_approval:
            results.set(index, item.part, NO_APPROVALS_HERE, "denied")
    elif needs_approval and gate is not None:
        meanwhile = [s.future for _, _, s in started]
        decisions = await gate.decide([(p.tool, p.call, p.delay) for _, p in needs_approval], meanwhile)
        for (index, item), decision in zip(needs_approval, decisions, strict=True):
            if decision.approved:
                launch(index, item)
            else:
                why = f": {decision.reason}" if decision.reason else ""
                results.set(index, item.part, f"The call was rejected ({decision.by}){why}. Do not retry it.", "denied")

    # Waiting for all at once: a cancellation of this run raises here and propagates (never turned into a result).
    await restate.gather(*[s.future for _, _, s in started])
    for index, item, handle in scheduled:
        invocation_id = await handle.invocation_id()
        if item.delay is None:
            results.set(index, item.part, {"started": True, "invocation_id": invocation_id})
        else:
            seconds = item.delay.total_seconds()
            results.set(index, item.part, {"scheduled": True, "delay_seconds": seconds, "invocation_id": invocation_id})
    for index, item, start in started:
        try:
            value = await start.future
        except TerminalError as exc:
            results.set(index, item.part, f"The tool failed: {exc.message}", "failed")
            continue
        results.set(index, item.part, start.decode(value))
    return ToolOutcome([results.by_call[i] for i in range(len(calls))], handoff)
