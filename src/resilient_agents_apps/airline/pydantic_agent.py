"""The same airline assistant on Pydantic AI: one agent with the same tools, through `restate.ext.pydantic`.

`AirlineAgentPydantic/{conversation}` answers the same requests as `AirlineAgent` (it asks for a missing
confirmation number and takes it from the next message), with the same parallel tools.
"""

from __future__ import annotations

from pydantic_ai import Agent

from resilient_agents import default_model
from resilient_agents.integrations import parallel_toolset, pydantic_ai_session

from .tools import tools

ASSISTANT = "Airline Assistant"


def build_agent() -> Agent[None, str]:
    """The Pydantic AI agent, on the model RA_MODEL names (built in the service process, on first use)."""
    return Agent(
        default_model(),
        name=ASSISTANT,
        instructions=(
            "You are an airline's customer service. Answer common questions with faq_lookup, change seats with "
            "update_seat (ask for the confirmation number if you do not have it) and send invoices with "
            "send_invoice."
        ),
        toolsets=[parallel_toolset(tools)],
    )


airline_pydantic_session = pydantic_ai_session(
    "AirlineAgentPydantic",
    build_agent,
    agent_name=ASSISTANT,
    description="The airline's customer service on Pydantic AI, one session per conversation.",
)
