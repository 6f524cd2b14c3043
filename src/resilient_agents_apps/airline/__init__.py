"""The airline customer-service agent on agent SDKs inside Restate (seeds 001 and 004).

    AirlineAgent/{conversation}/run          the OpenAI Agents SDK version (triage, FAQ and seat booking agents)
    AirlineAgentPydantic/{conversation}/run  the same assistant on Pydantic AI
    AirlineTools/call                        one tool call (started by the agents, in parallel)
    Booking/{confirmation number}/get        a booking (demo bookings 5666 and AB4568)

Try: `curl localhost:8080/AirlineAgent/me/run --json '"can you change my seat to 10b?"'`, then `'"5666"'`.
"""

from __future__ import annotations

from .agents import airline_session
from .bookings import booking_object
from .pydantic_agent import airline_pydantic_session
from .tools import tools

SERVICES = [airline_session, airline_pydantic_session, tools.service, booking_object]
