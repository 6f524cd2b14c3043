"""Test app: the real pattern services, with a scripted model that counts its calls in the CallLog.

The model behaves like the offline model for tools and structured outputs, answers text with a short scripted
line (never echoing its prompt, so markers do not leak into later prompts), and obeys markers found in the last
user prompt or the instructions:
- `[id:NAME]`      the label its calls are recorded under (the last one wins);
- `[slow:S]`       wait S seconds before answering (a long model call);
- `[flaky]`        fail transiently the first time this label is called (a provider 503);
- `[improve:N]`    as the evaluator, answer NEEDS_IMPROVEMENT until the N-th evaluation of this label;
- `[plan:N:S]`     as the planner, return N subtasks labelled LABEL-w1..N whose workers take S seconds;
                   `[plan:N:S:flaky]` makes the last worker flaky, `[plan:N:S:staggered]` makes worker i take i*S.
Every call records `start` when it begins and `llm` when it completes (with the time, `at`).
Serve with RA_MODEL=registered:patterns.
"""

from __future__ import annotations

import asyncio
import re
import time

import restate
from pydantic import BaseModel, Field
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolCallPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import OfflineModel, RequestModel, RetryableModelError, handler, register_model
from resilient_agents.patterns import ToolLoopResult, durable_tool, run_tool_loop
from resilient_agents.testing import CallLog, ScriptedModel, last_user_text
from resilient_agents_apps.patterns import SERVICES as PATTERN_SERVICES

LOG = CallLog.from_env()
OFFLINE = OfflineModel()
_ID = re.compile(r"\[id:([\w-]+)\]")
_SLOW = re.compile(r"\[slow:([\d.]+)\]")
_IMPROVE = re.compile(r"\[improve:(\d+)\]")
_PLAN = re.compile(r"\[plan:(\d+):([\d.]+)(?::(flaky|staggered))?\]")


def _log() -> CallLog:
    assert LOG is not None, "RA_CALL_LOG is not set"
    return LOG


def _marked_text(messages: list[ModelMessage]) -> str:
    instructions = next((m.instructions for m in reversed(messages) if isinstance(m, ModelRequest)), None)
    return f"{instructions or ''}\n{last_user_text(messages)}"


def _structured(tool: str, text: str, label: str) -> dict[str, object] | None:
    """Scripted structured outputs for the markers; None lets the offline model answer."""
    improve = _IMPROVE.search(text)
    if tool == "evaluation" and improve:
        earlier = sum(1 for e in _log().entries("llm", label) if e.get("tool") == "evaluation")
        passed = earlier + 1 >= int(improve.group(1))
        return {"status": "PASS" if passed else "NEEDS_IMPROVEMENT", "feedback": f"feedback {earlier + 1}"}
    plan = _PLAN.search(text)
    if tool == "plan" and plan:
        count, seconds, mode = int(plan.group(1)), float(plan.group(2)), plan.group(3)
        subtasks = [
            {
                "type": f"part{i}",
                "description": f"[id:{label}-w{i}] [slow:{seconds * (i if mode == 'staggered' else 1)}]",
            }
            for i in range(1, count + 1)
        ]
        if mode == "flaky":
            subtasks[-1]["description"] += " [flaky]"
        return {"analysis": "scripted plan", "subtasks": subtasks}
    return None


async def reply(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    text = _marked_text(messages)
    labels = _ID.findall(text)
    label = labels[-1] if labels else "call"
    slow = _SLOW.findall(text)
    _log().record("start", label, at=time.time())
    if "[flaky]" in text and _log().count("fail", label) == 0:
        _log().record("fail", label)
        raise RetryableModelError(f"scripted transient failure of {label}")
    if slow:
        await asyncio.sleep(float(slow[-1]))
    tool = info.output_tools[0].name if info.output_tools else ""
    scripted = _structured(tool, text, label) if tool else None
    if scripted is not None:
        response = ModelResponse(parts=[ToolCallPart(tool, scripted, "scripted_0")])
    elif info.output_tools or info.function_tools:
        response = OFFLINE.function(messages, info)  # type: ignore[misc]
    else:
        turn = sum(1 for m in messages if isinstance(m, ModelResponse)) + 1
        response = ModelResponse(parts=[TextPart(f"[scripted] answer {turn} for {label}")])
    rounds = sum(1 for m in messages if isinstance(m, ModelResponse))
    _log().record("llm", label, tool=tool, round=rounds, prompt=last_user_text(messages), at=time.time())
    return response


register_model("patterns", ScriptedModel(function=reply, name="patterns"))


# --- ToolProbe: the library's tool loop with slow tools that record their effects -----------------------------


class ProbeArgs(BaseModel):
    seconds: float = Field(description="How long the probe takes")
    tag: str = Field(description="The request the probe belongs to")


async def _probe(name: str, args: ProbeArgs) -> str:
    _log().record("tool-start", name, at=time.time())
    # Only gamma is flaky (once, half-way), so the test can see that alpha and beta were not restarted.
    if name == "probe_gamma" and "[tool-flaky]" in args.tag and _log().count("tool-fail", name) == 0:
        await asyncio.sleep(args.seconds / 2)
        _log().record("tool-fail", name)
        raise RuntimeError(f"{name}: scripted transient failure")
    await asyncio.sleep(args.seconds)
    _log().record("tool", name, tag=args.tag, at=time.time())
    return f"{name} done"


@durable_tool
async def probe_alpha(args: ProbeArgs) -> str:
    """Probe alpha."""
    return await _probe("probe_alpha", args)


@durable_tool
async def probe_beta(args: ProbeArgs) -> str:
    """Probe beta."""
    return await _probe("probe_beta", args)


@durable_tool
async def probe_gamma(args: ProbeArgs) -> str:
    """Probe gamma."""
    return await _probe("probe_gamma", args)


probe = restate.Service("ToolProbe")


class ProbeRequest(RequestModel):
    message: str


@handler(probe)
async def run(ctx: restate.Context, req: ProbeRequest) -> ToolLoopResult:
    """The offline tool choice calls all three probes at once (they tie)."""
    return await run_tool_loop(ctx, req.message, [probe_alpha, probe_beta, probe_gamma])


SERVICES = [*PATTERN_SERVICES, probe]
