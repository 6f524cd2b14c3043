"""Typed state keys for virtual objects: one name, one type, one serializer (`TypedSerde`).

HISTORY = StateKey("history", list[ChatMessage])
history = await HISTORY.get(ctx) or []
HISTORY.set(ctx, history)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import restate

from ..serde import TypedSerde

T = TypeVar("T")


@dataclass(frozen=True)
class StateKey(Generic[T]):
    """A key of a virtual object's state with the type of its value."""

    name: str
    type: Any
    serde: TypedSerde[T] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "serde", TypedSerde(self.type))

    async def get(self, ctx: restate.ObjectContext | restate.ObjectSharedContext) -> T | None:
        """The stored value, None when unset (works from shared handlers too)."""
        return await ctx.get(self.name, serde=self.serde)

    def set(self, ctx: restate.ObjectContext, value: T) -> None:
        ctx.set(self.name, value, serde=self.serde)

    def clear(self, ctx: restate.ObjectContext) -> None:
        ctx.clear(self.name)
