"""`BenchNoop/{key}/run`: an empty keyed handler, the engine's own round trip through the same path as a turn."""

from __future__ import annotations

import restate

noop = restate.VirtualObject("BenchNoop")


@noop.handler()
async def run(ctx: restate.ObjectContext, message: str) -> str:
    return ""
