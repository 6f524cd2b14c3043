"""Handler input validation, the journal serializer, and the public API surface."""

from __future__ import annotations

import importlib
import inspect

import pytest
import restate
from pydantic_ai.messages import ModelResponse, TextPart, ToolCallPart

import resilient_agents
from resilient_agents import InvalidRequest, RequestModel, TypedSerde, handler
from resilient_agents.handlers import _Invalid, _ValidatingSerde


class Greeting(RequestModel):
    name: str
    times: int = 1


def test_validating_serde_names_the_field() -> None:
    serde = _ValidatingSerde(Greeting)
    assert serde.deserialize(b'{"name": "Ada"}') == Greeting(name="Ada")
    bad = serde.deserialize(b'{"name": "Ada", "times": "x"}')
    assert isinstance(bad, _Invalid) and "times" in bad.message and bad.status == 400
    unknown = serde.deserialize(b'{"name": "Ada", "colour": 1}')
    assert isinstance(unknown, _Invalid) and "colour" in unknown.message
    missing = serde.deserialize(b"{}")
    assert isinstance(missing, _Invalid) and "name" in missing.message
    empty = serde.deserialize(b"")
    assert isinstance(empty, _Invalid) and "empty" in empty.message


def test_oversized_payload_is_413() -> None:
    serde = _ValidatingSerde(str)
    big = serde.deserialize(b'"' + b"x" * (2 * 1024 * 1024) + b'"')
    assert isinstance(big, _Invalid) and big.status == 413


async def test_handler_raises_invalid_request_and_keeps_the_schema() -> None:
    svc = restate.Service("UnitGreeter")

    @handler(svc)
    async def greet(ctx: restate.Context, req: Greeting) -> str:
        return f"hello {req.name}" * req.times

    registered = svc.handlers["greet"]
    assert registered.handler_io.input_type is not None
    schema = registered.handler_io.input_type.generate_json_schema()  # type: ignore[misc]
    assert schema["properties"]["times"]["default"] == 1
    with pytest.raises(InvalidRequest) as info:
        await registered.fn(None, _Invalid("invalid request: name: Field required"))
    assert info.value.status_code == 400
    assert await registered.fn(None, Greeting(name="Ada")) == "hello Ada"


def test_typed_serde_round_trips_model_responses() -> None:
    serde: TypedSerde[ModelResponse] = TypedSerde(ModelResponse, exclude_none=True)
    response = ModelResponse(parts=[TextPart("hi"), ToolCallPart("t", {"a": 1}, "c1")], model_name="m")
    data = serde.serialize(response)
    assert serde.deserialize(data) == response
    assert b"null" not in data, "None fields are left out of the journal"
    assert TypedSerde(Greeting).deserialize(TypedSerde(Greeting).serialize(Greeting(name="A"))) == Greeting(name="A")


def test_public_api_is_complete() -> None:
    for package_name in (
        "resilient_agents",
        "resilient_agents.testing",
        "resilient_agents.models",
        "resilient_agents.engine",
    ):
        package = importlib.import_module(package_name)
        exported = set(package.__all__)
        public = {
            name
            for name, value in vars(package).items()
            if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
        }
        assert public <= exported, f"{package_name} exports without __all__: {sorted(public - exported)}"
        for name in exported:
            assert hasattr(package, name), f"{package_name}.__all__ names missing {name}"
    assert resilient_agents.__all__ == sorted(resilient_agents.__all__)


async def test_results_the_sdk_cannot_serialize_go_through_typed_serde() -> None:
    svc = restate.Service("UnitLister")

    @handler(svc)
    async def listing(ctx: restate.Context, req: Greeting) -> list[Greeting]:
        return [req, req]

    @handler(svc)
    async def single(ctx: restate.Context, req: Greeting) -> Greeting:
        return req

    out = svc.handlers["listing"].handler_io.output_serde.serialize([Greeting(name="A")])
    assert out == b'[{"name":"A","times":1}]'
    assert not isinstance(svc.handlers["single"].handler_io.output_serde, TypedSerde)
