"""Remote agent routing: `RemoteAgentRouter/route` picks a specialist that lives in its own service
(`BillingAgent`, `AccountAgent`, `ProductAgent`) and calls it through Restate, never directly.

The call is journaled in the router and the specialist runs as its own invocation: each may be deployed,
scaled and restarted separately, and a crash on either side neither loses nor repeats the other's work.
"""

from __future__ import annotations

import restate

from resilient_agents import handler, llm_call
from resilient_agents.patterns import RemoteAgent, RoutedAnswer, Specialist, route_to_remote_agent

from .routing import TicketRequest
from .specialists import ACCOUNT, BILLING, PRODUCT

remote_router = restate.Service("RemoteAgentRouter", description="Routes to specialist services through Restate.")


def specialist_service(specialist: Specialist, service_name: str) -> restate.Service:
    """A service whose `run` handler answers a question (a string) as `specialist`."""
    service = restate.Service(service_name, description=f"The {specialist.name} specialist agent.")

    async def run(ctx: restate.Context, question: str) -> str:
        return await llm_call(ctx, question, system=specialist.instructions, name=f"{specialist.name} answer")

    run.__doc__ = f"Answer a {specialist.name} question ({specialist.description})."
    handler(service, name="run")(run)
    return service


billing_agent = specialist_service(BILLING, "BillingAgent")
account_agent = specialist_service(ACCOUNT, "AccountAgent")
product_agent = specialist_service(PRODUCT, "ProductAgent")

REMOTE_AGENTS = [
    RemoteAgent(name=s.name, description=s.description, service=svc.name)
    for s, svc in ((BILLING, billing_agent), (ACCOUNT, account_agent), (PRODUCT, product_agent))
]


@handler(remote_router, name="route")
async def route_remote(ctx: restate.Context, req: TicketRequest) -> RoutedAnswer:
    """Pick the specialist (journaled), then call its service through Restate (journaled, exactly once)."""
    return await route_to_remote_agent(ctx, req.message, REMOTE_AGENTS)


SERVICES = [remote_router, billing_agent, account_agent, product_agent]
