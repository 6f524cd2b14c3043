"""The scripted model and the tools for the OpenAI Agents SDK.

`DurableRunner` journals only models that its model provider hands out (a `Model` set on the Agent bypasses it,
see RESTATE_NOTES), so the scripted model is reached the way the SDK reaches any model: through the OpenAI
client. The client gets an in-process `httpx` transport that answers `/chat/completions` from `respond`: no
socket, no server, but the SDK's real request building and response parsing, as with a real provider.
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from agents import (
    Agent,
    FunctionTool,
    function_tool,
    set_default_openai_api,
    set_default_openai_client,
    set_tracing_disabled,
)
from openai import AsyncOpenAI

from .workload import TOOL_DESCRIPTION, TOOL_NAMES, respond

MODEL_NAME = "bench-scripted"


def turn_position(messages: list[dict[str, Any]]) -> tuple[str, int]:
    """The latest user prompt and how many tool-calling responses followed it (chat-completions messages)."""
    rounds = 0
    for message in reversed(messages):
        if message.get("role") == "assistant" and message.get("tool_calls"):
            rounds += 1
        elif message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = "".join(part.get("text", "") for part in content)
            return str(content), rounds
    raise ValueError("no user prompt in the conversation")


async def _complete(request: httpx.Request) -> httpx.Response:
    body = json.loads(request.content)
    prompt, rounds = turn_position(body["messages"])
    reply = await respond(prompt, rounds)
    message: dict[str, Any] = {"role": "assistant", "content": reply.text}
    if reply.tool_calls:
        message["tool_calls"] = [
            {"id": c.call_id, "type": "function", "function": {"name": c.name, "arguments": json.dumps(c.args)}}
            for c in reply.tool_calls
        ]
    completion = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": MODEL_NAME,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if reply.tool_calls else "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    return httpx.Response(200, json=completion)


def install_scripted_model() -> None:
    """Make the SDK's default OpenAI client answer from the scripted model (chat completions, no tracing)."""
    client = AsyncOpenAI(
        base_url="http://scripted.invalid/v1",
        api_key="not-needed",
        max_retries=0,
        # openai types its client against its own httpx fork; httpx's transport works the same at run time
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_complete)),  # type: ignore[arg-type]
    )
    set_default_openai_client(client, use_for_tracing=False)
    set_default_openai_api("chat_completions")
    set_tracing_disabled(True)


ToolBody = Callable[[str, int, int, str], Awaitable[str]]


def make_tools(body: ToolBody, decorator: Callable[..., Any] = function_tool) -> list[FunctionTool]:
    """The eight workload tools as Agents SDK function tools; `body(name, n, ms, tag)` does the work."""

    def bind(name: str) -> Callable[[int, int, str], Awaitable[str]]:
        async def tool(n: int, ms: int, tag: str) -> str:
            return await body(name, n, ms, tag)

        return tool

    return [decorator(bind(name), name_override=name, description_override=TOOL_DESCRIPTION) for name in TOOL_NAMES]


def make_agent(tools: list[FunctionTool]) -> Agent[Any]:
    return Agent(name="bench", instructions="Use the tools you are asked to use.", model=MODEL_NAME, tools=[*tools])
