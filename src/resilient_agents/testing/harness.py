"""A real restate-server for tests, without Docker.

    with TestServer.start(tmp_dir) as server:              # one per test session (the pytest plugin does it)
        with server.serve("my_app.services:services", env={...}) as h:
            h.ingress.call("Greeter", "greet", "Ada")
            h.kill_service(); h.start_service()             # SIGKILL the service process and bring it back
            h.restart_server()                              # stop and start restate-server on the same data
            h.admin.query("select * from sys_invocation")  # the introspection SQL API

The server gets free ports, its own data folder, a fast retry policy, and optionally the always-replay mode
(every suspension point replays the handler from the journal, which flushes out non-determinism).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar

from ..engine.admin import AdminClient
from ..engine.ingress import IngressClient
from ..engine.process import ServiceProcess
from ..engine.server import RestateServer, ServerConfig, free_port
from .ledger import CallLog

T = TypeVar("T")

FAST_RETRIES = {
    "RESTATE_DEFAULT_RETRY_POLICY__INITIAL_INTERVAL": "50ms",
    "RESTATE_DEFAULT_RETRY_POLICY__EXPONENTIATION_FACTOR": "1.5",
    "RESTATE_DEFAULT_RETRY_POLICY__MAX_INTERVAL": "500ms",
    "RESTATE_DEFAULT_RETRY_POLICY__MAX_ATTEMPTS": "2000",
}
"""A retry policy for tests: 50 ms first, never more than 500 ms apart, about 15 minutes before pausing."""


def always_replay_requested() -> bool:
    return os.environ.get("RA_ALWAYS_REPLAY", "0") == "1"


def eventually(check: Callable[[], T], timeout: float = 30.0, interval: float = 0.05, message: str = "") -> T:
    """Poll `check` until it returns a truthy value (returned) or `timeout` passes (AssertionError)."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
        except AssertionError as exc:
            last = exc
        else:
            if last:
                return last
        time.sleep(interval)
    raise AssertionError(f"not true after {timeout}s: {message or check} (last: {last!r})")


class TestServer:
    """A restate-server on free ports in a temporary folder."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        base_dir: Path,
        *,
        always_replay: bool = False,
        log: IO[bytes] | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        env = dict(FAST_RETRIES)
        env["RESTATE_WORKER__INVOKER__INACTIVITY_TIMEOUT"] = "0s" if always_replay else "1m"
        env.update(extra_env or {})
        self.config = ServerConfig(
            base_dir=base_dir / "restate-data",
            ingress_port=free_port(),
            admin_port=free_port(),
            node_port=free_port(),
            node_name="test",
            partitions=2,
            env=env,
        )
        self.base_dir = base_dir
        self.always_replay = always_replay
        self.server = RestateServer(self.config, log=log)
        self.admin = AdminClient(self.server.admin_url)
        self.ingress = IngressClient(self.server.ingress_url)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls,
        base_dir: Path | None = None,
        *,
        always_replay: bool | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> Iterator[TestServer]:
        with contextlib.ExitStack() as stack:
            if base_dir is None:
                base_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ra-restate-")))
            log = stack.enter_context(open(base_dir / "restate-server.log", "ab"))
            replay = always_replay_requested() if always_replay is None else always_replay
            server = cls(base_dir, always_replay=replay, log=log, extra_env=extra_env)
            server.server.start()
            try:
                yield server
            finally:
                server.admin.close()
                server.ingress.close()
                server.server.stop()

    def restart(self, *, hard: bool = False) -> None:
        """Stop (SIGTERM, or SIGKILL with `hard`) and start restate-server again on the same data."""
        self.server.restart(hard=hard)

    @contextlib.contextmanager
    def serve(self, target: str, *, env: dict[str, str] | None = None) -> Iterator[Harness]:
        """Serve `target` (module:attr) in a child process, register it, and hand back a `Harness`."""
        call_log = CallLog(Path(tempfile.mkstemp(prefix="calls-", suffix=".jsonl", dir=self.base_dir)[1]))
        service_env = {
            "RA_CALL_LOG": str(call_log.path),
            "RA_ALLOW_REAL_MODELS": "0",
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        log_path = self.base_dir / f"service-{target.replace(':', '.')}.log"
        with open(log_path, "ab") as log:
            process = ServiceProcess(target, free_port(), env=service_env, log=log)
            process.start()
            harness = Harness(self, process, call_log, log_path)
            try:
                harness.register()
                yield harness
            finally:
                process.stop()


@dataclass
class Harness:
    """What a test gets: clients for the ingress and the SQL API, and hands on both processes."""

    __test__ = False

    server: TestServer
    service: ServiceProcess
    calls: CallLog
    """The effects the service process recorded (model calls, tool effects)."""
    service_log: Path

    @property
    def ingress(self) -> IngressClient:
        return self.server.ingress

    @property
    def admin(self) -> AdminClient:
        return self.server.admin

    def register(self) -> None:
        self.admin.register(self.service.url, force=True)

    def query(self, sql: str) -> list[dict[str, Any]]:
        return self.admin.query(sql)

    def kill_service(self) -> None:
        """SIGKILL the service process (it stays down until `start_service`)."""
        self.service.kill()

    def start_service(self) -> None:
        self.service.start()

    def restart_service(self) -> None:
        self.service.restart()

    def restart_server(self, *, hard: bool = False) -> None:
        self.server.restart(hard=hard)

    def invocation_status(self, invocation_id: str) -> str | None:
        rows = self.query(f"select status from sys_invocation where id = '{invocation_id}'")
        return rows[0]["status"] if rows else None

    def wait_for_journal_entry(self, invocation_id: str, name: str, timeout: float = 30.0) -> None:
        """Poll until the invocation's journal holds a completed entry called `name`."""
        eventually(
            lambda: self.query(f"select index from sys_journal where id = '{invocation_id}' and name = '{name}'"),
            timeout,
            message=f"journal entry {name!r} of {invocation_id}",
        )

    def service_log_text(self) -> str:
        return self.service_log.read_text(errors="replace")
