"""The testing kit: a real Restate server without Docker, process kills, scripted models, an effect ledger."""

from __future__ import annotations

from .harness import FAST_RETRIES, Harness, TestServer, eventually
from .ledger import CallLog
from .models import ScriptedModel, last_user_text, text, tool_calls
from .pytest_plugin import harness_fixture

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
