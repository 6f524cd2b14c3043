"""An agent: a persona for the model (instructions), what it may do (tools) and whom it may pass the customer to.

    account = Agent(
        name="Account Agent",
        instructions="You answer questions about the balance and the transactions.",
        tools=[restate_tool(get_balance), restate_tool(get_transactions)],
        handoffs=["Intake Agent"],
        handoff_description="Balance, transactions and spending of the customer's account.",
    )

Agents are plain declarations; the loop in a session (see `session.py`) runs them. Handoffs name other agents
by object or by name (names allow cycles: intake -> account -> intake).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic_ai.models import Model
from pydantic_ai.settings import ModelSettings

from ..exceptions import ConfigurationError
from ..models import default_model

if TYPE_CHECKING:
    from .tools import AgentTool, Tool

HANDOFF_PREFIX = "transfer_to_"
"""Handoffs reach the model as tools named `transfer_to_<agent>` (the offline model knows the prefix)."""


def snake(name: str) -> str:
    """`"Account Agent"` -> `"account_agent"`: a name that is valid as a tool name."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "agent"


@dataclass
class Agent:
    """A persona the model takes on in a session."""

    name: str
    instructions: str = "You are a helpful assistant."
    model: Model | None = None
    """None: the process-wide model (`RA_MODEL`, the offline model when unset)."""
    tools: Sequence[Tool | Any] = field(default_factory=list)
    """`Tool`s, or Restate handlers and plain functions (wrapped with `restate_tool` / `function_tool`)."""
    handoffs: list[Agent | str] = field(default_factory=list)
    """Agents (or their names) this agent may pass the conversation to."""
    handoff_description: str = ""
    """What the other agents read when deciding to hand off to this one."""
    model_settings: ModelSettings | None = None
    """Provider settings for this agent's calls (temperature, max_tokens...)."""

    def __post_init__(self) -> None:
        from .tools import as_tool

        self.tools = [as_tool(t) for t in self.tools]
        names = [t.name for t in self.tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ConfigurationError(f"agent {self.name!r} has two tools named {', '.join(duplicates)}")

    @property
    def handoff_tool_name(self) -> str:
        return HANDOFF_PREFIX + snake(self.name)

    def resolved_model(self) -> Model:
        return self.model or default_model()

    def as_tool(self, name: str | None = None, description: str | None = None, **options: Any) -> AgentTool:
        """This agent as a tool of another agent: it answers one request and hands back its final text."""
        from .tools import AgentTool

        return AgentTool(
            agent_name=self.name,
            name=name or snake(self.name),
            description=description or self.handoff_description or f"Ask {self.name}.",
            **options,
        )

    def find_tool(self, name: str) -> Tool | None:
        for tool in self.tools:
            if tool.name == name:
                return tool  # type: ignore[no-any-return]
        return None


def collect_agents(roots: Iterable[Agent]) -> dict[str, Agent]:
    """Every agent reachable from `roots` through handoffs given as objects, by name."""
    found: dict[str, Agent] = {}
    pending = list(roots)
    while pending:
        agent = pending.pop()
        known = found.get(agent.name)
        if known is not None:
            if known is not agent:
                raise ConfigurationError(f"two different agents are named {agent.name!r}")
            continue
        found[agent.name] = agent
        pending.extend(h for h in agent.handoffs if isinstance(h, Agent))
    for agent in found.values():
        for target in agent.handoffs:
            target_name = target.name if isinstance(target, Agent) else target
            if target_name not in found:
                raise ConfigurationError(
                    f"agent {agent.name!r} hands off to {target_name!r}, which is not one of the session's agents"
                )
    handoff_names = [a.handoff_tool_name for a in found.values()]
    clashes = sorted({n for n in handoff_names if handoff_names.count(n) > 1})
    if clashes:
        raise ConfigurationError(f"agent names collide as tool names: {', '.join(clashes)}")
    return found
