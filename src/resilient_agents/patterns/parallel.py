"""Parallel branches as Restate durable futures: each branch is its own journal entry, retried on its own.

`llm_future` starts a journaled model call without waiting for it; `gather_values` waits for many with
`restate.gather` and returns their values in order. A branch that completed before a crash or a failure is
replayed from the journal, never called again.

Why branches retry in place first (`retry_in_place`): Restate retries a failed `ctx.run` by ending the whole
attempt, which restarts the sibling branches that were still running (finished ones are kept). So a transient
failure (a 429, a 503) is retried inside the failing branch's own step, a few times with backoff, and the other
branches never notice; only when those tries are used up does the failure go to Restate's retry.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

import restate
from pydantic import BaseModel
from pydantic_ai.messages import ModelRequest, ModelResponse, UserPromptPart
from pydantic_ai.models import Model
from restate.exceptions import RetryableError

from ..exceptions import RetryableModelError
from ..models import default_model, request_model, response_text
from ..models.call import RESPONSE_SERDE

T = TypeVar("T")
log = logging.getLogger("resilient_agents.patterns")

BRANCH_ATTEMPTS = 3
"""Tries of a parallel branch in place before its failure goes to Restate."""


async def retry_in_place(
    action: Callable[[], Awaitable[T]],
    *,
    retry_on: tuple[type[Exception], ...] = (RetryableModelError,),
    attempts: int = BRANCH_ATTEMPTS,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
) -> T:
    """Run `action`, retrying a `retry_on` failure here (backoff, honouring Retry-After up to `max_delay`).

    A `TerminalError` is never retried; the last failure, or one asking for a longer wait, is raised to Restate.
    """
    delay = first_delay
    for attempt in range(1, attempts + 1):
        try:
            return await action()
        except retry_on as exc:
            if isinstance(exc, restate.TerminalError) or attempt == attempts:
                raise
            wait = delay
            if isinstance(exc, RetryableError) and exc.retry_after is not None:
                wait = exc.retry_after.total_seconds()
            if wait > max_delay:
                raise
            log.warning("retrying a parallel branch in %.2fs (try %d of %d): %s", wait, attempt + 1, attempts, exc)
            await asyncio.sleep(wait)
            delay = min(delay * 2, max_delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def llm_future(
    ctx: restate.Context,
    prompt: str,
    *,
    system: str | None = None,
    model: Model | None = None,
    name: str = "LLM call",
) -> restate.RestateDurableFuture[ModelResponse]:
    """Start one journaled model call and return its durable future (await it, or gather many)."""
    chosen = model or default_model()
    messages = [ModelRequest(parts=[UserPromptPart(prompt)], instructions=system)]

    async def step() -> ModelResponse:
        return await retry_in_place(lambda: request_model(chosen, messages))

    return ctx.run_typed(name, step, restate.RunOptions(serde=RESPONSE_SERDE))


async def gather_values(futures: Sequence[restate.RestateDurableFuture[T]]) -> list[T]:
    """Wait for all `futures` together (durably) and return their values in the same order."""
    done = await restate.gather(*futures)
    return [await f for f in done]


async def gather_texts(futures: Sequence[restate.RestateDurableFuture[ModelResponse]]) -> list[str]:
    """`gather_values` for model calls: the text of each response."""
    return [response_text(r) for r in await gather_values(futures)]


class ParallelItem(BaseModel):
    """One input of a parallel map and the model's output for it."""

    input: str
    output: str


class ParallelResult(BaseModel):
    """The outputs of a parallel map, one per input, in input order."""

    results: list[ParallelItem]


def _short(text: str, limit: int = 40) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


async def parallel_map(
    ctx: restate.Context,
    prompt: str,
    inputs: Sequence[str],
    *,
    system: str | None = None,
    model: Model | None = None,
) -> ParallelResult:
    """The seeds' `run_in_parallel`: `prompt` applied to every input at once, one journaled call per input."""
    futures = [
        llm_future(ctx, f"{prompt}\nInput: {item}", system=system, model=model, name=f"LLM call {i}: {_short(item)}")
        for i, item in enumerate(inputs, start=1)
    ]
    outputs = await gather_texts(futures)
    return ParallelResult(results=[ParallelItem(input=i, output=o) for i, o in zip(inputs, outputs, strict=True)])
