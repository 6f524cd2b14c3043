"""The airline's tools, shared by the OpenAI Agents SDK agents and the Pydantic AI agent.

They are parallel tools: every call the model makes runs as its own invocation of `AirlineTools/call`, with
its own journal and its own Restate context (`restate_context()`), concurrently with the other calls of the
same model response.
"""

from __future__ import annotations

import logging

from restate.exceptions import TerminalError
from restate.ext.openai import restate_context

from resilient_agents.integrations import ParallelTools

from .bookings import Booking, SeatChange, change_seat, get_booking, record_invoice

log = logging.getLogger("resilient_agents_apps.airline")

tools = ParallelTools("AirlineTools", description="Runs the airline agents' tool calls, one invocation per call.")

FAQ = {
    ("baggage", "bag", "luggage", "suitcase"): (
        "Each passenger may bring one carry-on bag of up to 8 kg and 55 x 40 x 23 cm; checked bags of up to "
        "23 kg can be added to a booking."
    ),
    ("wifi", "wi-fi", "internet"): "Every flight has free wifi: join the network 'RA-Air' once on board.",
    ("plane", "aircraft", "seats", "rows"): (
        "Our aircraft have 120 seats in 20 rows of six: business class in rows 1-4, economy in rows 5-20; "
        "exit rows are 4 and 16."
    ),
}


@tools.tool
async def faq_lookup(question: str) -> str:
    """Look up the airline's answer to a frequently asked question (baggage, wifi, the aircraft).

    Args:
        question: The customer's question.
    """
    words = question.lower()
    for keywords, answer in FAQ.items():
        if any(k in words for k in keywords):
            return answer
    return "The FAQ has no answer to that question."


@tools.tool
async def update_seat(confirmation_number: str, new_seat: str) -> str:
    """Move the passenger to another seat, given the confirmation number and the new seat.

    Args:
        confirmation_number: The booking's confirmation number.
        new_seat: The seat to move to, such as 10B.
    """
    try:
        change = SeatChange(seat=new_seat)
    except ValueError:
        return f"{new_seat!r} is not a seat: a seat is a row number and a letter A-F, such as 10B."
    try:
        booking: Booking = await restate_context().object_call(change_seat, key=confirmation_number, arg=change)
    except TerminalError as exc:
        return f"Could not change the seat: {exc.message}."
    return f"Seat changed to {booking.seat} on booking {booking.confirmation_number} ({booking.flight})."


@tools.tool
async def send_invoice(confirmation_number: str) -> str:
    """Send the invoice of a booking to the passenger's email.

    Args:
        confirmation_number: The booking's confirmation number.
    """
    ctx = restate_context()
    try:
        booking: Booking = await ctx.object_call(get_booking, key=confirmation_number, arg=None)
    except TerminalError as exc:
        return f"Could not send the invoice: {exc.message}."

    def email() -> str:
        # Stands in for the mail provider; journaled, so a retry after a crash does not mail twice.
        log.info("invoice for booking %s mailed to %s", booking.confirmation_number, booking.email)
        return booking.email

    address = await ctx.run_typed("email invoice", email)
    await ctx.object_call(record_invoice, key=confirmation_number, arg=None)
    return f"Invoice for booking {booking.confirmation_number} ({booking.flight}) sent to {address}."
