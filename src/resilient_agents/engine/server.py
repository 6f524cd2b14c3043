"""A real restate-server process: find the binary, start it on chosen ports, wait until it is ready, stop it.

Used by the dev runner (`resilient-agents dev`) and by the test harness; there is no mock of Restate anywhere.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from ..exceptions import EnvironmentProblem
from ._orphans import die_with_parent

_PLATFORM_BINARY = Path("node_modules/@restatedev/restate-server-linux-x64/bin/restate-server")
INSTALL_HINT = "restate-server is missing: run `npm ci` in the project folder (or `make install`)"


def find_restate_server(start: Path | None = None) -> Path:
    """Locate the restate-server binary: $RA_RESTATE_SERVER, the project's node_modules, then PATH.

    The platform binary inside node_modules is preferred to `node_modules/.bin/restate-server`, which is a node
    wrapper with a PID of its own (signals sent to it would not reach the server).
    """
    explicit = os.environ.get("RA_RESTATE_SERVER")
    if explicit:
        path = Path(explicit)
        if path.is_file() and os.access(path, os.X_OK):
            return path
        raise EnvironmentProblem(f"RA_RESTATE_SERVER={explicit} is not an executable file")
    here = (start or Path.cwd()).resolve()
    package_root = Path(__file__).resolve().parents[3]
    for folder in (here, *here.parents, package_root):
        candidate = folder / _PLATFORM_BINARY
        if candidate.is_file():
            return candidate
    on_path = shutil.which("restate-server")
    if on_path:
        return Path(on_path)
    raise EnvironmentProblem(INSTALL_HINT)


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A port the OS says is free now (the caller binds it soon after)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def require_free_ports(host: str, ports: dict[str, tuple[int, str]]) -> None:
    """Fail with one clear line when any of the named ports is taken. `ports`: label -> (port, env var)."""
    for label, (port, env_var) in ports.items():
        if not port_is_free(host, port):
            raise EnvironmentProblem(
                f"port {port} ({label}) is already in use: stop what listens there or set {env_var} to another port"
            )


@dataclass
class ServerConfig:
    """How one restate-server is started."""

    base_dir: Path
    ingress_port: int = 8080
    admin_port: int = 9070
    node_port: int = 5122
    host: str = "127.0.0.1"
    node_name: str = "resilient-agents"
    partitions: int = 4
    env: dict[str, str] = field(default_factory=dict)
    """Extra RESTATE_* settings (retry policy, inactivity timeout, identity key...)."""

    def environment(self) -> dict[str, str]:
        address = f"{self.host}:{self.node_port}"
        env = {
            **os.environ,
            "RESTATE_INGRESS__BIND_ADDRESS": f"{self.host}:{self.ingress_port}",
            "RESTATE_ADMIN__BIND_ADDRESS": f"{self.host}:{self.admin_port}",
            "RESTATE_BIND_ADDRESS": address,
            "RESTATE_ADVERTISED_ADDRESS": f"http://{address}",
            "RESTATE_NODE_NAME": self.node_name,
            "RESTATE_DISABLE_TELEMETRY": "true",
            "RESTATE_DEFAULT_NUM_PARTITIONS": str(self.partitions),
            "RESTATE_LOG_FILTER": os.environ.get("RESTATE_LOG_FILTER", "warn,restate=warn"),
        }
        env.update(self.env)
        return env


class RestateServer:
    """One restate-server child process. Start with `start()`, stop with `stop()`; restartable on the same data."""

    def __init__(self, config: ServerConfig, binary: Path | None = None, log: IO[bytes] | None = None) -> None:
        self.config = config
        self.binary = binary or find_restate_server()
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def ingress_url(self) -> str:
        return f"http://{self.config.host}:{self.config.ingress_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.config.host}:{self.config.admin_port}"

    def start(self, timeout: float = 30.0) -> None:
        """Launch and wait until ready."""
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the process without waiting (call `wait_ready` after starting other things)."""
        cfg = self.config
        require_free_ports(
            cfg.host,
            {
                "Restate ingress": (cfg.ingress_port, "RA_INGRESS_PORT"),
                "Restate admin and UI": (cfg.admin_port, "RA_ADMIN_PORT"),
                "Restate node": (cfg.node_port, "RA_NODE_PORT"),
            },
        )
        cfg.base_dir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(self.binary), "--no-logo", "--base-dir", str(cfg.base_dir)],
            env=cfg.environment(),
            stdout=self._log if self._log is not None else subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Poll until the admin API answers SQL and the ingress accepts connections ('healthy is not ready')."""
        deadline = time.monotonic() + timeout
        last_error = "no answer yet"
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process is not None and self.process.poll() is not None:
                    raise EnvironmentProblem(
                        f"restate-server exited with code {self.process.returncode} during start-up"
                        f" (data in {self.config.base_dir})"
                    )
                try:
                    res = client.post(
                        f"{self.admin_url}/query",
                        json={"query": "select count(*) as n from sys_invocation"},
                        headers={"accept": "application/json"},
                    )
                    if res.status_code == 200:
                        client.get(f"{self.ingress_url}/restate/health")
                        return
                    last_error = f"HTTP {res.status_code}: {res.text[:200]}"
                except httpx.HTTPError as exc:
                    last_error = repr(exc)
                time.sleep(0.05)
        self.kill()
        raise EnvironmentProblem(f"restate-server did not become ready within {timeout:.0f}s ({last_error})")

    def stop(self, timeout: float = 15.0) -> None:
        """Graceful stop (SIGTERM), escalating to SIGKILL after `timeout`."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        proc = self.process
        if proc is None or proc.poll() is not None:
            return
        proc.kill()
        proc.wait()

    def restart(self, timeout: float = 30.0, *, hard: bool = False) -> None:
        """Stop (or kill, with `hard`) and start again on the same data directory."""
        if hard:
            self.kill()
        else:
            self.stop()
        self.start(timeout)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
