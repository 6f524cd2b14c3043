"""The pure parts of saga compensation, without a server: declaring compensations, the request they receive,
its validation, and which calls a run's saga keeps."""

from __future__ import annotations

from typing import Any, cast

import pytest
import restate
from pydantic import BaseModel, ValidationError

from resilient_agents import BudgetExceeded, ConfigurationError, RequestModel, TypedSerde, handler
from resilient_agents.agents import (
    CompensationRequest,
    FunctionCompensation,
    HandlerCompensation,
    ToolCallInfo,
    function_tool,
    restate_tool,
)
from resilient_agents.agents.compensation import CompensationError, Saga, compensation_of, reason_of
from resilient_agents.agents.tools import Started

hotels = restate.VirtualObject("UnitHotels")


class Stay(RequestModel):
    city: str
    nights: int = 1


class Reservation(BaseModel):
    reservation_id: str


@handler(hotels)
async def reserve(ctx: restate.ObjectContext, stay: Stay) -> Reservation:
    """Reserve a room."""
    return Reservation(reservation_id=stay.city)


@handler(hotels)
async def release(ctx: restate.ObjectContext, undo: CompensationRequest[Stay, Reservation]) -> None:
    """Release a reserved room."""


@handler(hotels)
async def forget(ctx: restate.ObjectContext) -> None:
    """A compensation that needs no input."""


@handler(hotels)
async def rename(ctx: restate.ObjectContext, name: str) -> None:
    """Not a compensation: its input is not a CompensationRequest."""


def note(text: str) -> str:
    return text


def unnote(undo: CompensationRequest[dict[str, Any], str]) -> None:
    """Take a note back."""


def call() -> ToolCallInfo:
    return ToolCallInfo("alice", "A", "c1", {"city": "Rome"}, "0123456789abcdef")


def request(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "tool": "reserve",
        "arguments": {"city": "Rome", "nights": 2},
        "result": {"reservation_id": "r-1"},
        "reason": "the run was interrupted",
        "session_key": "alice",
        "agent": "A",
        "call_id": "c1",
    }
    return {**base, **changes}


def test_tools_declare_their_compensation() -> None:
    tool = restate_tool(reserve, compensate=release)
    assert isinstance(tool.compensation, HandlerCompensation)
    assert (tool.compensation.service, tool.compensation.handler, tool.compensation.service_kind) == (
        "UnitHotels",
        "release",
        "object",
    )
    assert tool.call_key(call()) == "alice", "an object compensation is keyed like the call it undoes"
    function = function_tool(note, compensate=unnote)
    assert isinstance(function.compensation, FunctionCompensation) and function.compensation.name == "unnote"
    assert function.call_key(call()) is None
    assert restate_tool(reserve).compensation is None and function_tool(note).compensation is None
    assert isinstance(compensation_of(forget), HandlerCompensation), "a handler without input can compensate"
    assert compensation_of(function.compensation) is function.compensation
    # the schema the model sees does not change
    assert tool.definition() == restate_tool(reserve).definition()


def _two(undo: CompensationRequest[Any, Any], extra: int) -> None: ...


def _wrong_type(undo: Stay) -> None: ...


@pytest.mark.parametrize(
    ("compensate", "problem"),
    [
        (rename, "takes a CompensationRequest"),
        (_wrong_type, "takes a CompensationRequest"),
        (_two, "must take one parameter"),
        (42, "cannot compensate"),
    ],
)
def test_a_compensation_of_the_wrong_shape_is_refused_at_declaration(compensate: Any, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        restate_tool(reserve, compensate=compensate)
    with pytest.raises(ConfigurationError, match=problem):
        function_tool(note, compensate=compensate)


def test_the_request_is_typed_and_round_trips() -> None:
    typed = CompensationRequest[Stay, Reservation]
    value = typed.model_validate(request())
    assert value.arguments == Stay(city="Rome", nights=2) and value.result.reservation_id == "r-1"
    serde: TypedSerde[Any] = TypedSerde(typed)
    assert serde.loads(serde.dumps(value)) == value
    loose = CompensationRequest.model_validate(request(result=None))
    assert loose.arguments == {"city": "Rome", "nights": 2} and loose.result is None
    with pytest.raises(ValidationError, match="extra"):
        typed.model_validate(request(unexpected=1))


def test_a_request_the_compensation_refuses_names_the_field() -> None:
    compensation = compensation_of(release)
    runtime = cast(Any, None)  # validation comes before any use of the context
    with pytest.raises(CompensationError, match=r"arguments\.city: Field required"):
        compensation.start(runtime, call(), "alice", request(arguments={"nights": 2}))
    with pytest.raises(CompensationError, match=r"result: Input should be a valid string"):
        compensation_of(unnote).start(runtime, call(), None, request(result={"reservation_id": 1}))


def test_why_a_run_is_undone() -> None:
    assert reason_of(restate.TerminalError("cancelled", 409)) == "the run was interrupted"
    assert reason_of(BudgetExceeded("max_turns reached")) == "the run stopped: max_turns reached"


def test_the_saga_keeps_only_compensable_calls() -> None:
    saga = Saga()
    started = Started(cast(Any, None))
    saga.record(restate_tool(reserve), call(), Stay(city="Rome"), started)
    assert not saga and len(saga) == 0
    saga.record(restate_tool(reserve, compensate=release), call(), Stay(city="Rome"), started)
    saga.record(function_tool(note, compensate=unnote), call(), None, started)
    assert len(saga) == 2
