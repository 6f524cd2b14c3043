"""The same agent work for every contender: one scripted model, eight tools, all driven by the prompt.

A turn is one user message. Its text is a `Task` (JSON after a prefix) that says how the model behaves: how many
tool calls per response (`tools`), how many responses with tool calls before the final answer (`rounds`), the
model's latency and each tool's latency. The model is a pure function of the conversation since the last user
message, so every framework gets exactly the same replies, in any process, after any crash:

    rounds done < rounds  ->  `tools` parallel calls of tool_0..tool_{tools-1}, args {"n": i, "ms": tool_ms, "tag": ...}
    otherwise              ->  a final text answer

Each framework adapts `respond` to its own message types (pydantic-ai, OpenAI chat completions, LangChain) in
its contender module; nothing else about the model differs. When `BENCH_CALL_LOG` names an existing file, every
model call (start and end) and tool effect is recorded in it (a `CallLog`, fsynced), which the recovery figure
reads across a SIGKILL; the other figures leave the file absent, so they pay nothing for it.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from resilient_agents.testing import CallLog

PREFIX = "[bench] "
TOOL_COUNT = 8
TOOL_NAMES = [f"tool_{i}" for i in range(TOOL_COUNT)]
TOOL_DESCRIPTION = "A benchmark tool: waits `ms` milliseconds and returns a short result for item `n`."
TOOL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"n": {"type": "integer"}, "ms": {"type": "integer"}, "tag": {"type": "string"}},
    "required": ["n", "ms", "tag"],
    "additionalProperties": False,
}
# Fixed-size payloads, so bytes per turn compare like with like across frameworks.
ANSWER_FILLER = "The work is complete and every requested item was checked. " * 3
RESULT_FILLER = "status ok, checked, nothing further to report. "
CALL_LOG_ENV = "BENCH_CALL_LOG"


class Task(BaseModel):
    """What one user message asks of the scripted model (encoded in the message text)."""

    session: str
    turn: int
    tools: int = 1
    """Tool calls in each response that asks for tools (at most 8)."""
    rounds: int = 1
    """Responses with tool calls before the final text answer."""
    model_ms: int = 0
    tool_ms: int = 0

    def prompt(self) -> str:
        return PREFIX + self.model_dump_json()

    @classmethod
    def parse(cls, prompt: str) -> Task:
        if not prompt.startswith(PREFIX):
            raise ValueError(f"not a benchmark prompt: {prompt[:60]!r}")
        return cls.model_validate_json(prompt[len(PREFIX) :])

    @property
    def model_calls(self) -> int:
        return self.rounds + 1


@dataclass(frozen=True)
class ToolCall:
    name: str
    args: dict[str, Any]
    call_id: str


@dataclass(frozen=True)
class Reply:
    """A scripted response: either tool calls or a final text."""

    tool_calls: list[ToolCall] = field(default_factory=list)
    text: str | None = None


def call_log() -> CallLog | None:
    """The call log, when `BENCH_CALL_LOG` names a file that exists (the recovery figure creates it)."""
    raw = os.environ.get(CALL_LOG_ENV)
    return CallLog(raw) if raw and os.path.exists(raw) else None


def decide(task: Task, rounds_done: int) -> Reply:
    """The scripted model's decision: pure, so replays and restarts see the same reply."""
    if rounds_done < task.rounds:
        tag = f"{task.session}/{task.turn}/{rounds_done}"
        calls = [
            ToolCall(TOOL_NAMES[i], {"n": i, "ms": task.tool_ms, "tag": tag}, f"call_{task.turn}_{rounds_done}_{i}")
            for i in range(min(task.tools, TOOL_COUNT))
        ]
        return Reply(tool_calls=calls)
    return Reply(text=f"Turn {task.turn} of {task.session} answered. {ANSWER_FILLER}")


async def respond(prompt: str, rounds_done: int) -> Reply:
    """One model call: wait the task's latency and decide (recorded in the call log when one is set)."""
    task = Task.parse(prompt)
    key = f"{task.session}/{task.turn}/{rounds_done}"
    log = call_log()
    if log is not None:
        log.record("model-start", key, ts=time.time())
    if task.model_ms:
        await asyncio.sleep(task.model_ms / 1000)
    reply = decide(task, rounds_done)
    if log is not None:
        log.record("model", key, ts=time.time())
    return reply


async def run_tool(name: str, n: int, ms: int, tag: str = "") -> str:
    """The body of every tool: wait `ms`, return a fixed-size result (`tag` names the model call that asked)."""
    if ms:
        await asyncio.sleep(ms / 1000)
    log = call_log()
    if log is not None:
        log.record("tool", f"{tag}/{name}", ts=time.time())
    return f"{name} result {n}: {RESULT_FILLER}"
