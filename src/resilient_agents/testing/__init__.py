"""The testing kit: a real Restate server without Docker, process kills, scripted models, an effect ledger."""

from __future__ import annotations

import typing as _typing

from .harness import FAST_RETRIES, Harness, TestServer, eventually
from .ledger import CallLog
from .models import ScriptedModel, last_user_text, text, tool_calls


def __getattr__(name: str) -> _typing.Any:
    # pytest is a test-time dependency: an app that records effects in a CallLog must not need it.
    if name == "harness_fixture":
        from .pytest_plugin import harness_fixture

        return harness_fixture
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FAST_RETRIES",
    "CallLog",
    "Harness",
    "ScriptedModel",
    "TestServer",
    "eventually",
    "harness_fixture",
    "last_user_text",
    "text",
    "tool_calls",
]
