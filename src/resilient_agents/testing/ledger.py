"""A side-effect ledger shared between processes: the test counts what the service process really did.

The service process appends one JSON line per real effect (a model call, a tool effect); the test reads the file.
It survives SIGKILL of the writer (each line is flushed and fsynced), so a test can count what ran before and
after a crash and prove that nothing completed was repeated.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any


class CallLog:
    """An append-only JSON-lines file of effects."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    @classmethod
    def from_env(cls, var: str = "RA_CALL_LOG") -> CallLog | None:
        """The log named by `$RA_CALL_LOG`, if set (the harness sets it for the service process)."""
        raw = os.environ.get(var)
        return cls(raw) if raw else None

    def record(self, kind: str, name: str = "", **data: Any) -> None:
        line = json.dumps({"kind": kind, "name": name, **data}, default=str) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, line.encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def entries(self, kind: str | None = None, name: str | None = None) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        rows = [json.loads(line) for line in self.path.read_text().splitlines() if line.strip()]
        return [r for r in rows if (kind is None or r["kind"] == kind) and (name is None or r["name"] == name)]

    def count(self, kind: str | None = None, name: str | None = None) -> int:
        return len(self.entries(kind, name))

    def counts(self, kind: str | None = None) -> Counter[str]:
        return Counter(r["name"] for r in self.entries(kind))

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)
