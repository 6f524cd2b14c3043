"""Handoffs: the model passes the conversation to another agent by calling `transfer_to_<agent>`.

A handoff is offered to the model as a tool without arguments whose description is the target's
`handoff_description`. Applying it changes the session's active agent (kept in state, so the next message goes
to the new agent too). Only one agent can lead: when a response asks for several handoffs, the first wins and
the others are answered with an error the model can read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pydantic_ai.tools import ToolDefinition

from .agent import Agent


@dataclass(frozen=True)
class Handoff:
    """One handoff an agent may make."""

    tool_name: str
    target: str
    description: str

    def definition(self) -> ToolDefinition:
        return ToolDefinition(
            name=self.tool_name,
            description=self.description,
            parameters_json_schema={"type": "object", "properties": {}},
        )


def handoffs_of(agent: Agent, agents: Mapping[str, Agent]) -> dict[str, Handoff]:
    """The handoffs `agent` may make, by tool name."""
    result: dict[str, Handoff] = {}
    for item in agent.handoffs:
        target = agents[item.name if isinstance(item, Agent) else item]
        description = target.handoff_description or f"Transfer the conversation to {target.name}."
        result[target.handoff_tool_name] = Handoff(target.handoff_tool_name, target.name, description)
    return result


def handoff_names(agents: Mapping[str, Agent]) -> dict[str, str]:
    """Tool name -> agent name for every agent of a session (for the chat view)."""
    return {agent.handoff_tool_name: agent.name for agent in agents.values()}


def transferred_message(target: str) -> str:
    return f"Transferred to {target}. {target} now leads the conversation."


DUPLICATE_HANDOFF = "Only one handoff per response is applied; this one was ignored because another came first."
