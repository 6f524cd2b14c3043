"""The airline's customer service on the OpenAI Agents SDK: a triage agent that hands off to specialists.

Adapted from the SDK's customer-service example: the triage agent sends invoices itself and hands seat changes
to the seat booking agent and common questions to the FAQ agent; each specialist can hand back. The session
`AirlineAgent/{conversation}` remembers the conversation and which agent is talking, so a specialist that
asked for a confirmation number receives the answer.
"""

from __future__ import annotations

from agents import Agent, handoff

from resilient_agents.integrations import openai_agents_session

from .tools import faq_lookup, send_invoice, update_seat

triage_agent = Agent(
    name="Triage Agent",
    handoff_description="Routes the customer to the right agent.",
    instructions=(
        "You are the first contact of an airline's customer service. Send invoices yourself with send_invoice. "
        "Hand seat changes to the Seat Booking Agent and general questions to the FAQ Agent."
    ),
    tools=[send_invoice],
)

faq_agent = Agent(
    name="FAQ Agent",
    handoff_description="Answers common questions: baggage allowance, wifi on board, the aircraft.",
    instructions=(
        "Answer the customer's question with faq_lookup; do not make answers up. "
        "If the question is not for you, transfer back to the Triage Agent."
    ),
    tools=[faq_lookup],
    # The way back is a handoff object: restate.ext.openai wraps Agent handoffs eagerly, and a cycle of
    # Agent objects would never end.
    handoffs=[handoff(triage_agent)],
)

seat_booking_agent = Agent(
    name="Seat Booking Agent",
    handoff_description="Changes the seat of a booking.",
    instructions=(
        "Change seats. Ask for the confirmation number if the customer has not given it, and for the seat "
        "they want, then call update_seat. If the request is not about a seat, transfer back to the Triage Agent."
    ),
    tools=[update_seat],
    handoffs=[handoff(triage_agent)],
)

triage_agent.handoffs = [faq_agent, seat_booking_agent]

airline_session = openai_agents_session(
    "AirlineAgent",
    [triage_agent, faq_agent, seat_booking_agent],
    description="The airline's customer service (OpenAI Agents SDK), one session per conversation.",
)
