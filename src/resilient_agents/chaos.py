"""Chaos for durability tests: crash the service process and restart restate-server while a workload runs.

    with Chaos(harness, ChaosPlan(kills=6, server_restarts=1, seed=7)) as chaos:
        run_the_workload()                 # sessions, messages, anything going through Restate
    print(chaos.counts)                    # kills, server restarts, how long things were down

A background thread SIGKILLs the service process at random moments (a crash: no shutdown, whatever was in flight
is lost) and brings it back after a random pause; some of those moments restart restate-server instead. Leaving
the block stops the chaos and makes sure both processes are up again, so the workload can finish and be checked.
The schedule comes from `seed`, so a failing run can be repeated.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

from .exceptions import ResilientAgentsError
from .testing.harness import Harness

__all__ = ["Chaos", "ChaosCounts", "ChaosPlan"]


@dataclass(frozen=True)
class ChaosPlan:
    """What the chaos thread does, and how often."""

    kills: int = 5
    """SIGKILLs of the service process (at most; fewer if the workload ends first)."""
    server_restarts: int = 1
    """Restarts of restate-server, spread among the kills."""
    hard_restarts: bool = False
    """Restart restate-server with SIGKILL (a crash) instead of SIGTERM."""
    interval: tuple[float, float] = (0.4, 1.5)
    """Seconds between one disruption's recovery and the next disruption (uniform in this range)."""
    downtime: tuple[float, float] = (0.0, 0.4)
    """Seconds the service stays dead before it is started again."""
    seed: int | None = None


@dataclass
class ChaosCounts:
    """What the chaos thread did."""

    kills: int = 0
    server_restarts: int = 0
    down_seconds: float = 0.0
    """Total time the service process or the server was down (as the thread measured it)."""
    events: list[str] = field(default_factory=list)
    """One line per disruption, with its time since the start."""


class Chaos:
    """A context manager running `plan` against `harness` in a background thread."""

    def __init__(self, harness: Harness, plan: ChaosPlan | None = None) -> None:
        self.harness = harness
        self.plan = plan or ChaosPlan()
        self.counts = ChaosCounts()
        self._random = random.Random(self.plan.seed)
        self._stop = threading.Event()
        self.finished = threading.Event()
        """Set once every planned disruption happened (and was recovered from)."""
        self._thread = threading.Thread(target=self._run, name="chaos", daemon=True)
        self._error: BaseException | None = None
        self._started = 0.0

    def __enter__(self) -> Chaos:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop disrupting, wait for the current disruption to end, and leave both processes running."""
        self._stop.set()
        self._thread.join()
        if not self.harness.server.server.running:
            self.harness.server.server.start()
        if not self.harness.service.running:
            self.harness.start_service()
        if self._error is not None:
            raise ResilientAgentsError(f"the chaos thread failed: {self._error!r}") from self._error

    def _schedule(self) -> list[str]:
        plan = self.plan
        events = ["kill"] * plan.kills
        if plan.server_restarts:
            # Spread the restarts evenly, so they happen while the workload still runs.
            step = max(1, len(events) // (plan.server_restarts + 1))
            for n in range(plan.server_restarts, 0, -1):
                events.insert(min(n * step, len(events)), "restart")
        return events

    def _run(self) -> None:
        try:
            for event in self._schedule():
                if self._stop.wait(self._random.uniform(*self.plan.interval)):
                    return
                down = time.monotonic()
                if event == "kill":
                    self.harness.kill_service()
                    self.counts.kills += 1
                    self._stop.wait(self._random.uniform(*self.plan.downtime))
                    self.harness.start_service()
                else:
                    self.harness.restart_server(hard=self.plan.hard_restarts)
                    self.counts.server_restarts += 1
                self.counts.down_seconds += time.monotonic() - down
                self.counts.events.append(f"{down - self._started:6.2f}s {event}")
            self.finished.set()
        except Exception as exc:  # noqa: BLE001  (handed to stop(), which raises it in the caller's thread)
            self._error = exc
