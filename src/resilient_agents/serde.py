"""One serializer for every value that crosses the journal or state: pydantic, compact JSON.

`TypedSerde(T)` works for pydantic models, pydantic-ai's message dataclasses and plain containers alike. With
`exclude_none` the fields that are None are left out, which keeps pydantic-ai's messages (mostly optional
metadata) small in the journal; use it only for types whose None fields default to None.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter
from restate.serde import Serde

T = TypeVar("T")


class TypedSerde(Serde[T], Generic[T]):
    """Restate serde for any type pydantic can validate."""

    def __init__(self, tp: Any, *, exclude_none: bool = False) -> None:
        self.type = tp
        self.exclude_none = exclude_none
        self._adapter: TypeAdapter[T] = TypeAdapter(tp)

    def serialize(self, obj: T | None) -> bytes:
        if obj is None:
            return b""
        return self._adapter.dump_json(obj, exclude_none=self.exclude_none)

    def deserialize(self, buf: bytes) -> T | None:
        if not buf:
            return None
        return self._adapter.validate_json(buf)

    def dumps(self, obj: T) -> bytes:
        return self.serialize(obj)

    def loads(self, buf: bytes) -> T:
        value = self.deserialize(buf)
        if value is None:
            raise ValueError(f"empty buffer for {self.type!r}")
        return value
