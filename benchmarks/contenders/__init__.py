"""The contenders, by name. A contender whose packages or code are missing is skipped with the reason."""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import Any

from .base import Contender


@dataclass(frozen=True)
class Entry:
    module: str
    cls: str
    packages: tuple[str, ...] = ()
    """Importable modules it needs (the `bench` extra installs them)."""


CONTENDERS: dict[str, Entry] = {
    "floor": Entry("benchmarks.contenders.floor", "Floor"),
    "agents-sdk-floor": Entry("benchmarks.contenders.agents_sdk_floor", "AgentsSdkFloor", ("agents",)),
    "agents-sdk": Entry("benchmarks.contenders.agents_sdk", "AgentsSdkDurableRunner", ("agents", "restate.ext.openai")),
    "native": Entry("benchmarks.contenders.native", "NativeLoop"),
    "sdk-integration": Entry("benchmarks.contenders.sdk_integration", "SdkIntegration"),
    "dbos": Entry("benchmarks.contenders.dbos_loop", "DbosContender", ("dbos",)),
    "langgraph": Entry(
        "benchmarks.contenders.langgraph_loop", "LangGraphContender", ("langgraph", "langgraph.checkpoint.sqlite")
    ),
}
OURS = ("native", "sdk-integration")


def _missing(package: str) -> bool:
    try:
        return importlib.util.find_spec(package) is None
    except ModuleNotFoundError:
        return True


def contender_class(name: str) -> type[Contender]:
    entry = CONTENDERS[name]
    cls: type[Contender] = getattr(importlib.import_module(entry.module), entry.cls)
    return cls


def unavailable(name: str) -> str | None:
    """Why `name` cannot run here, or None."""
    missing = [p for p in CONTENDERS[name].packages if _missing(p)]
    if missing:
        return f"missing package(s) {', '.join(missing)}: install the bench extra (pip install -e '.[bench]')"
    return contender_class(name).unavailable()


def create(name: str, **options: Any) -> Contender:
    return contender_class(name)(**options)
