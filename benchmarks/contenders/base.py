"""What every contender offers the figures: run a turn, count persisted bytes, be crashed and recovered.

In-process contenders (the floor, DBOS, LangGraph) run their loop in the benchmark's own process; for the
recovery figure a `WorkerTarget` runs them in a child process (`python -m benchmarks.worker`) that can be
SIGKILLed and started again. Restate contenders live in `restate.py`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

from ..workload import CALL_LOG_ENV, Task

REPO_ROOT = Path(__file__).resolve().parents[2]


class Contender(ABC):
    """One system under test. Create, `await start(workdir)`, run turns, `await stop()`."""

    name: ClassVar[str]
    """Short id used on the command line and in the results."""
    title: ClassVar[str]
    """How the report names it."""
    durable: ClassVar[bool] = True
    parallel_tools: ClassVar[bool] = True
    """Whether the tool calls of one response run concurrently."""
    storage: ClassVar[str] = ""
    """Where it persists, as the report says it."""

    @classmethod
    def unavailable(cls) -> str | None:
        """Why this contender cannot run here (a missing package, code not written yet); None when it can."""
        return None

    @abstractmethod
    async def start(self, workdir: Path) -> None: ...

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def turn(self, task: Task) -> str:
        """Send one user message (`task.prompt()`) to session `task.session`; return the final answer."""

    async def resume(self, task: Task) -> str:
        """Carry on with `task` after a crash, the way this framework's users would (default: run it again)."""
        return await self.turn(task)

    def stored_bytes(self) -> int | None:
        """Logical bytes persisted so far (journal entries, checkpoints, rows); None when nothing is stored."""
        return None

    def disk_bytes(self) -> int | None:
        """Bytes on disk of its data (files or data folder); None when nothing is stored."""
        return None

    def recovery_target(self, workdir: Path) -> RecoveryTarget:
        """Something the recovery figure can start, SIGKILL and restart with one long turn."""
        return WorkerTarget(self.name, workdir)


def file_bytes(*paths: Path) -> int:
    """Total size of files and folders (recursively)."""
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


class RecoveryTarget(ABC):
    """A process running one long turn that the recovery figure crashes and brings back."""

    call_log_path: Path

    @abstractmethod
    def begin(self, task: Task) -> None:
        """Start the process(es) and the turn; model calls are recorded in `call_log_path`."""

    @abstractmethod
    def crash(self) -> None:
        """SIGKILL the process that runs the agent loop."""

    @abstractmethod
    def restart(self) -> float:
        """Start it again, as a supervisor would; returns the time (`time.time()`) it was up again."""

    @abstractmethod
    def wait_done(self, timeout: float) -> str:
        """Wait for the turn's final answer."""

    def close(self) -> None:
        return None


class WorkerTarget(RecoveryTarget):
    """An in-process contender run by `python -m benchmarks.worker` in a child process."""

    def __init__(self, contender: str, workdir: Path) -> None:
        self.contender = contender
        self.workdir = workdir
        self.call_log_path = workdir / "calls.jsonl"
        self.process: subprocess.Popen[bytes] | None = None
        self._task: Task | None = None

    def _spawn(self, resume: bool) -> None:
        assert self._task is not None
        args = [sys.executable, "-m", "benchmarks.worker", self.contender, str(self.workdir), self._task.prompt()]
        if resume:
            args.append("--resume")
        env = {**os.environ, CALL_LOG_ENV: str(self.call_log_path), "PYTHONPATH": str(REPO_ROOT)}
        log = open(self.workdir / "worker.log", "ab")  # noqa: SIM115 - handed to the child process
        self.process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=log, cwd=REPO_ROOT)
        log.close()

    def begin(self, task: Task) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.call_log_path.touch()
        self._task = task
        self._spawn(resume=False)

    def crash(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self._mark = len(self._lines())

    def restart(self) -> float:
        self._spawn(resume=True)
        # "up" = the worker finished its imports and start-up and said so in the call log
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self._lines()[self._mark :]:
                entry = json.loads(line)
                if entry["kind"] == "ready":
                    return float(entry["ts"])
            time.sleep(0.01)
        raise TimeoutError(f"{self.contender} worker did not come back up")

    _mark = 0

    def _lines(self) -> list[str]:
        if not self.call_log_path.exists():
            return []
        return [line for line in self.call_log_path.read_text().splitlines() if line.strip()]

    def wait_done(self, timeout: float) -> str:
        assert self.process is not None
        out, _ = self.process.communicate(timeout=timeout)
        if self.process.returncode != 0:
            raise RuntimeError(f"{self.contender} worker failed (see {self.workdir / 'worker.log'})")
        return out.decode().strip()

    def close(self) -> None:
        self.crash()
