"""Racing: start several strategies for the same answer, keep the first that succeeds, cancel the rest.

Contenders are durable futures. Calls to other handlers (`ctx.service_call(...)`) can be cancelled: the losers'
invocations are cancelled through Restate, so they stop and their remaining model calls are never made. Other
futures (a `ctx.run`) cannot be stopped and are simply left behind. A contender that fails is skipped; if all
fail, the last failure is raised.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

import restate
from pydantic import BaseModel

T = TypeVar("T")


class RaceOutcome(BaseModel, Generic[T]):
    """The winner's name and value, and who was cancelled or failed."""

    winner: str
    value: T
    cancelled: list[str]
    failed: list[str]


async def race(ctx: restate.Context, contenders: Mapping[str, restate.RestateDurableFuture[T]]) -> RaceOutcome[T]:
    """Wait for the first contender to succeed, cancel the others that are calls, return the winner."""
    if not contenders:
        raise ValueError("race() needs at least one contender")
    names = {id(f): n for n, f in contenders.items()}
    remaining: list[restate.RestateDurableFuture[Any]] = list(contenders.values())
    failed: list[str] = []
    last_error: restate.TerminalError | None = None
    while remaining:
        done, remaining = await restate.wait_completed(*remaining)
        for future in done:
            try:
                value = await future
            except restate.TerminalError as exc:
                failed.append(names[id(future)])
                last_error = exc
                continue
            cancelled = []
            for loser in remaining:
                if isinstance(loser, restate.RestateDurableCallFuture):
                    await loser.cancel_invocation()
                    cancelled.append(names[id(loser)])
            return RaceOutcome[T](winner=names[id(future)], value=value, cancelled=cancelled, failed=failed)
    assert last_error is not None
    raise last_error
