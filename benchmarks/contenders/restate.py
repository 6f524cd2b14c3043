"""The shape shared by every contender on Restate: a real restate-server, the service in a child process.

The service module (under `benchmarks/services/`) is served by the testing kit's `TestServer.serve` (the same
code path as our tests: a `ServiceProcess` registered with the server), turns go through the ingress with
`AsyncIngressClient`, like a client would send them. Journals are retained (`journal_retention`) so the
per-turn bytes can be read back with the SQL API (`sys_journal.raw_length`: every entry of the turn's
invocations, including its input, its state writes and its output).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path
from typing import Any, ClassVar

import httpx

from resilient_agents import AsyncIngressClient
from resilient_agents.testing import Harness, TestServer

from ..workload import CALL_LOG_ENV, Task
from .base import REPO_ROOT, Contender, RecoveryTarget, file_bytes

NOOP_SERVICE = "BenchNoop"


class RestateContender(Contender):
    """A contender whose agent runs as a Restate service; subclasses name the service module and handler."""

    target: ClassVar[str]
    """`module:attr` of the services to serve (a list that includes `BenchNoop`)."""
    service: ClassVar[str]
    handler: ClassVar[str] = "run"
    storage = "Restate (journal + K/V state, in restate-server)"

    def __init__(self, server: TestServer | None = None) -> None:
        self._shared_server = server
        self._stack = contextlib.ExitStack()
        self.harness: Harness | None = None

    def request(self, task: Task) -> Any:
        """The handler's input for a turn (the plain prompt unless a subclass says otherwise)."""
        return task.prompt()

    def answer(self, output: Any) -> str:
        return str(output)

    @property
    def server(self) -> TestServer:
        assert self._server is not None
        return self._server

    async def start(self, workdir: Path) -> None:
        await asyncio.to_thread(self._boot, workdir)
        self.client = AsyncIngressClient(self.server.server.ingress_url, timeout=600, max_connections=1024)

    def _boot(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self._server = self._shared_server or self._stack.enter_context(TestServer.start(workdir))
        # the service records model calls and tool effects only while this file exists (the recovery figure)
        self.call_log_path = workdir / "calls.jsonl"
        env = {
            "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")]),
            CALL_LOG_ENV: str(self.call_log_path),
        }
        self.harness = self._stack.enter_context(self.server.serve(self.target, env=env))
        self.services = [s for s in self.harness.admin.services() if s.startswith("Bench")]
        with httpx.Client(base_url=self.server.server.admin_url, timeout=10) as admin:
            for name in self.services:
                admin.patch(f"/services/{name}", json={"journal_retention": "1d"}).raise_for_status()

    async def stop(self) -> None:
        await self.client.aclose()
        await asyncio.to_thread(self._stack.close)

    async def turn(self, task: Task) -> str:
        output = await self.client.call(self.service, self.handler, self.request(task), key=task.session)
        return self.answer(output)

    async def noop(self, key: str) -> None:
        """An empty handler call through the same path: the engine's own round trip."""
        await self.client.call(NOOP_SERVICE, "run", "", key=key)

    def stored_bytes(self) -> int:
        names = ", ".join(f"'{s}'" for s in self.services if s != NOOP_SERVICE)
        rows = self.server.admin.query(
            "select sum(j.raw_length) as n from sys_journal j join sys_invocation i on j.id = i.id"
            f" where i.target_service_name in ({names})"
        )
        return int(rows[0].get("n") or 0) if rows else 0

    def disk_bytes(self) -> int:
        return file_bytes(self.server.config.base_dir)

    def recovery_target(self, workdir: Path) -> RecoveryTarget:
        return RestateTarget(self, workdir)


class RestateTarget(RecoveryTarget):
    """Crash the service process (SIGKILL) while restate-server keeps the invocation; Restate retries it."""

    def __init__(self, contender: RestateContender, workdir: Path) -> None:
        assert contender.harness is not None, "start the contender first"
        self.contender = contender
        self.harness = contender.harness
        self.call_log_path = contender.call_log_path

    def begin(self, task: Task) -> None:
        self.call_log_path.touch()
        self.invocation = self.harness.ingress.send(
            self.contender.service, self.contender.handler, self.contender.request(task), key=task.session
        )

    def crash(self) -> None:
        self.harness.kill_service()

    def restart(self) -> float:
        self.harness.start_service()
        return time.time()

    def wait_done(self, timeout: float) -> str:
        try:
            output = self.harness.ingress.attach(self.invocation, timeout=timeout)
        except httpx.TimeoutException:
            rows = self.harness.query(
                "select status, retry_count, last_failure, journal_size from sys_invocation"
                f" where id = '{self.invocation}'"
            )
            raise TimeoutError(f"no answer after {timeout:.0f}s; the invocation: {rows}") from None
        return self.contender.answer(output)

    def close(self) -> None:
        self.call_log_path.unlink(missing_ok=True)
