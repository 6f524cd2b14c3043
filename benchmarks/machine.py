"""The machine and the versions a run measured: printed with every result, since numbers mean nothing without."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from resilient_agents.engine import find_restate_server

PACKAGES = ("restate-sdk", "pydantic-ai-slim", "openai-agents", "dbos", "langgraph", "langgraph-checkpoint-sqlite")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _restate_server_version() -> str:
    try:
        out = subprocess.run(
            [str(find_restate_server()), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
        return out.stdout.strip().splitlines()[0] if out.stdout.strip() else "unknown"
    except Exception as exc:  # noqa: BLE001 - a missing binary is reported, not fatal
        return f"unknown ({exc})"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe() -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "os": platform.platform(),
        "python": sys.version.split()[0],
        "restate_server": _restate_server_version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "packages": {name: _version(name) for name in PACKAGES},
    }
