"""Bookings: one virtual object per confirmation number, its state the booking itself.

Two demo bookings exist from the start (5666 and AB4568), so the agent can be tried at once; a seat change
or an invoice is a state change of the booking, applied exactly once by Restate and visible in the UI's
state tab (`Booking/5666`).
"""

from __future__ import annotations

import re

import restate
from pydantic import BaseModel, field_validator
from restate.exceptions import TerminalError

from resilient_agents import RequestModel, TypedSerde, handler

booking_object = restate.VirtualObject("Booking", description="Airline bookings, keyed by confirmation number.")

_SEAT = re.compile(r"^\d{1,2}[A-F]$")


class Booking(BaseModel):
    """A passenger's booking."""

    confirmation_number: str
    passenger: str
    flight: str
    seat: str
    email: str
    invoices_sent: int = 0


DEMO_BOOKINGS = {
    "5666": Booking(
        confirmation_number="5666",
        passenger="Ada Lovelace",
        flight="RA 101 Amsterdam to Lisbon",
        seat="14C",
        email="ada@example.com",
    ),
    "AB4568": Booking(
        confirmation_number="AB4568",
        passenger="Grace Hopper",
        flight="RA 202 Boston to Denver",
        seat="2A",
        email="grace@example.com",
    ),
}

BOOKING = "booking"
BOOKING_SERDE: TypedSerde[Booking] = TypedSerde(Booking)


class SeatChange(RequestModel):
    """The new seat, a row number and a letter A-F (10B)."""

    seat: str = "10B"

    @field_validator("seat")
    @classmethod
    def _valid_seat(cls, value: str) -> str:
        seat = value.strip().upper()
        if not _SEAT.match(seat):
            raise ValueError(f"{value!r} is not a seat: use a row number and a letter A-F, such as 10B")
        return seat


async def _load(ctx: restate.ObjectContext | restate.ObjectSharedContext) -> Booking:
    stored = await ctx.get(BOOKING, serde=BOOKING_SERDE)
    booking = stored or DEMO_BOOKINGS.get(ctx.key())
    if booking is None:
        raise TerminalError(f"no booking with confirmation number {ctx.key()}", status_code=404)
    return booking


@handler(booking_object, name="get", kind="shared")
async def get_booking(ctx: restate.ObjectSharedContext) -> Booking:
    """The booking (404 when there is none under this confirmation number)."""
    return await _load(ctx)


@handler(booking_object, name="change_seat")
async def change_seat(ctx: restate.ObjectContext, change: SeatChange) -> Booking:
    """Move the passenger to another seat."""
    booking = (await _load(ctx)).model_copy(update={"seat": change.seat})
    ctx.set(BOOKING, booking, serde=BOOKING_SERDE)
    return booking


@handler(booking_object, name="record_invoice")
async def record_invoice(ctx: restate.ObjectContext) -> Booking:
    """Count one more invoice sent for this booking."""
    current = await _load(ctx)
    booking = current.model_copy(update={"invoices_sent": current.invoices_sent + 1})
    ctx.set(BOOKING, booking, serde=BOOKING_SERDE)
    return booking
