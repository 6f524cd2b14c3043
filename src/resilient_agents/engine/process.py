"""The service process: our Restate services served in a child process that can be killed and restarted.

The dev runner supervises it (a crash is logged and the process restarted); the test harness SIGKILLs it on
purpose to prove that completed steps are not run again.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from ..exceptions import EnvironmentProblem
from ._orphans import die_with_parent
from .server import port_is_free


def wait_for_port(host: str, port: int, timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise EnvironmentProblem(f"the service process exited with code {proc.returncode} during start-up")
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.03)
    raise EnvironmentProblem(f"nothing listens on {host}:{port} after {timeout:.0f}s")


class ServiceProcess:
    """`python -m resilient_agents.engine TARGET --port PORT` as a child process."""

    def __init__(
        self,
        target: str,
        port: int,
        *,
        host: str = "127.0.0.1",
        env: dict[str, str] | None = None,
        log: IO[bytes] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.target = target
        self.host = host
        self.port = port
        self.env = dict(env or {})
        self._log = log
        self.cwd = cwd
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        """Launch and wait until the port accepts connections."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting (imports take a while: start other things meanwhile)."""
        if not port_is_free(self.host, self.port):
            raise EnvironmentProblem(
                f"port {self.port} (service endpoint) is already in use: stop what listens there"
                " or set RA_SERVICE_PORT to another port"
            )
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "resilient_agents.engine",
                self.target,
                "--host",
                self.host,
                "--port",
                str(self.port),
            ],
            env={**os.environ, **self.env},
            stdout=self._log if self._log is not None else None,
            stderr=subprocess.STDOUT if self._log is not None else None,
            stdin=subprocess.DEVNULL,
            cwd=self.cwd,
            preexec_fn=die_with_parent(),
        )
        self.starts += 1

    def wait_ready(self, timeout: float = 30.0) -> None:
        wait_for_port(self.host, self.port, timeout, self.process)

    def kill(self) -> None:
        """SIGKILL, as a crash would; waits until the port is free again."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 10
        while not port_is_free(self.host, self.port) and time.monotonic() < deadline:
            time.sleep(0.02)

    def stop(self, timeout: float = 10.0) -> None:
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def restart(self, timeout: float = 30.0) -> None:
        self.kill()
        self.start(timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        return None if self.process is None else self.process.pid

    @property
    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()
