"""Pure logic of the pattern building blocks: no server."""

from __future__ import annotations

import asyncio
import inspect
import json
from datetime import timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError
from pydantic_ai.messages import ModelResponse, RetryFeedbackPart, TextPart, ToolCallPart, ToolReturnPart

import resilient_agents.patterns as patterns
from resilient_agents import RetryableModelError, TerminalModelError, TypedSerde
from resilient_agents.patterns import (
    ChainResult,
    ChainStep,
    ChatHistory,
    ChatMessage,
    EvaluationResult,
    FeedbackSerde,
    OrchestratorResult,
    ParallelResult,
    PendingFeedback,
    Round,
    ToolLoopResult,
    durable_tool,
    generation_prompt,
    is_approval,
    is_pass,
    resolve_command,
)
from resilient_agents.patterns.chat import to_model_messages
from resilient_agents.patterns.evaluator import Evaluation
from resilient_agents.patterns.parallel import retry_in_place
from resilient_agents.patterns.structured import _parse, output_tool
from resilient_agents_apps.patterns import SERVICES


def test_all_is_complete_and_sorted() -> None:
    public = {
        name
        for name, value in vars(patterns).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public == set(patterns.__all__)
    assert patterns.__all__ == sorted(patterns.__all__)


def test_the_seeds_service_and_handler_names_are_served() -> None:
    handlers = {(s.name, h) for s in SERVICES for h in s.handlers}
    expected = {
        ("CallChainingService", "run"),
        ("ParallelizationService", "run_in_parallel"),
        ("ParallelToolAgent", "run"),
        ("ToolRouterService", "route"),
        ("AgentRouterService", "route"),
        ("RemoteAgentRouter", "route"),
        ("BillingAgent", "run"),
        ("AccountAgent", "run"),
        ("ProductAgent", "run"),
        ("ParallelAgentsService", "analyze_text"),
        ("Orchestrator", "process_text"),
        ("EvaluatorOptimizer", "improve_until_good"),
        ("HumanInTheLoopService", "run_with_promise"),
        ("HumanInTheLoopService", "run"),
        ("HumanInTheLoopService", "moderate"),
        ("Chat", "message"),
        ("Chat", "get_history"),
        ("HumanEvaluatorOptimizer", "run"),
        ("RacingService", "race"),
    }
    assert expected <= handlers
    kinds = {s.name: s.service_tag.kind for s in SERVICES}
    assert kinds["HumanInTheLoopService"] == kinds["Chat"] == kinds["HumanEvaluatorOptimizer"] == "object"


def test_every_request_model_has_a_one_click_default() -> None:
    for service in SERVICES:
        for name, h in service.handlers.items():
            hint = h.handler_io.input_type
            model = hint.annotation if hint is not None else None
            if isinstance(model, type) and issubclass(model, BaseModel) and not h.ingress_private:
                assert model.model_validate({}) is not None, f"{service.name}/{name} has no default request"


@pytest.mark.parametrize(
    "value",
    [
        ChainResult(steps=[ChainStep(instruction="a", output="b")], result="b"),
        ParallelResult.model_validate({"results": [{"input": "x", "output": "y"}]}),
        ToolLoopResult.model_validate(
            {"answer": "ok", "tool_calls": [{"tool": "t", "args": {"a": 1}, "result": "r"}], "rounds": 2}
        ),
        EvaluationResult(result="r", accepted=False, rounds=[Round(content="c", status="FAIL", feedback="f")]),
        OrchestratorResult.model_validate(
            {"analysis": "a", "worker_results": [{"type": "t", "description": "d", "result": "r"}], "combined": ""}
        ),
        PendingFeedback(awakeable_id="sign_1", role="reviewer", question="q", curl="curl x"),
        ChatHistory(messages=[ChatMessage(role="user", content="hi")]),
    ],
)
def test_values_round_trip_through_the_serde(value: BaseModel) -> None:
    serde: TypedSerde[Any] = TypedSerde(type(value))
    assert serde.loads(serde.dumps(value)) == value


def test_chat_history_round_trips_as_state() -> None:
    history = [ChatMessage(role="user", content="hi"), ChatMessage(role="assistant", content="hello")]
    serde: TypedSerde[list[ChatMessage]] = TypedSerde(list[ChatMessage])
    assert serde.loads(serde.dumps(history)) == history
    messages = to_model_messages(history, "be brief")
    assert [m.kind for m in messages] == ["request", "response"]


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (b'"PASS"', "PASS"),
        (b'{"approved": true}', '{"approved":true}'),
        (b"approve without quotes", "approve without quotes"),
        (b"", ""),
        (b"42", "42"),
    ],
)
def test_feedback_serde_accepts_anything_a_person_sends(raw: bytes, text: str) -> None:
    assert FeedbackSerde().deserialize(raw) == text


def test_feedback_words() -> None:
    assert is_pass("PASS") and is_pass(" pass. ") and is_pass('"Pass"')
    assert not is_pass("passable") and not is_pass("more rhymes")
    assert is_approval("approve") and is_approval("Yes, ship it") and is_approval("LGTM!")
    assert not is_approval("reject: spam") and not is_approval("")


def test_resolve_command_uses_the_configured_ingress(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RA_INGRESS_PORT", "18080")
    command = resolve_command("sign_abc")
    assert command == "curl http://127.0.0.1:18080/restate/awakeables/sign_abc/resolve --json '\"Your feedback...\"'"
    assert resolve_command("sign_abc", "approve", "http://h:1/").endswith("/sign_abc/resolve --json '\"approve\"'")


def test_generation_prompt_carries_earlier_attempts_and_feedback() -> None:
    assert generation_prompt("task", []) == "Task:\ntask"
    prompt = generation_prompt("task", [Round(content="draft one", status="NEEDS_IMPROVEMENT", feedback="shorter")])
    assert "draft one" in prompt and "shorter" in prompt and "NEEDS_IMPROVEMENT" in prompt


def test_structured_output_parsing() -> None:
    good = ModelResponse(parts=[ToolCallPart("evaluation", {"status": "PASS", "feedback": "fine"}, "c1")])
    assert _parse(good, "evaluation", Evaluation) == Evaluation(status="PASS", feedback="fine")
    bad = ModelResponse(parts=[ToolCallPart("evaluation", {"status": "GREAT"}, "c2")])
    complaint = _parse(bad, "evaluation", Evaluation)
    assert isinstance(complaint, ToolReturnPart) and complaint.outcome == "retried" and "status" in complaint.content
    text = ModelResponse(parts=[TextPart("I think it passes")])
    assert isinstance(_parse(text, "evaluation", Evaluation), RetryFeedbackPart)
    schema = output_tool(Evaluation, "evaluation").parameters_json_schema
    assert schema["properties"]["status"]["enum"] == ["PASS", "NEEDS_IMPROVEMENT", "FAIL"]


class Args(BaseModel):
    city: str


def test_durable_tool_reads_the_signature() -> None:
    async def weather(args: Args) -> str:
        """Weather for a city."""
        return args.city

    tool = durable_tool(weather)
    assert (tool.name, tool.description, tool.args_type) == ("weather", "Weather for a city.", Args)
    assert tool.definition().parameters_json_schema["required"] == ["city"]

    async def no_model(city: str) -> str:
        return city

    with pytest.raises(TypeError):
        durable_tool(no_model)  # type: ignore[arg-type]


def test_retry_in_place_retries_transient_failures_only() -> None:
    attempts: list[int] = []

    async def flaky() -> str:
        attempts.append(1)
        if len(attempts) < 3:
            raise RetryableModelError("503", retry_after=timedelta(seconds=0.01))
        return "ok"

    assert asyncio.run(retry_in_place(flaky, first_delay=0.01)) == "ok"
    assert len(attempts) == 3

    async def terminal() -> str:
        raise TerminalModelError("bad key", 401)

    with pytest.raises(TerminalModelError):
        asyncio.run(retry_in_place(terminal, retry_on=(Exception,), first_delay=0.01))

    async def slow_retry_after() -> str:
        raise RetryableModelError("429", 429, retry_after=timedelta(minutes=5))

    with pytest.raises(RetryableModelError):
        asyncio.run(retry_in_place(slow_retry_after, first_delay=0.01)), "a long Retry-After goes to Restate"


def test_request_models_refuse_unknown_keys() -> None:
    from resilient_agents_apps.patterns.parallelization import ParallelizationRequest

    with pytest.raises(ValidationError):
        ParallelizationRequest.model_validate({"prompt": "x", "inputs": ["a"], "extra": 1})
    assert json.loads(ParallelizationRequest().model_dump_json())["inputs"][0].startswith("Customers")
