"""`resilient-agents dev`: checks before it starts, serves and registers, supervises, keeps its data."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from resilient_agents.engine.server import free_port, port_is_free
from resilient_agents.testing import eventually

CLI = [sys.executable, "-m", "resilient_agents.cli"]
TARGET = "tests.apps.steps:services"


def dev_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    ports = {
        name: str(free_port())
        for name in ("RA_INGRESS_PORT", "RA_ADMIN_PORT", "RA_NODE_PORT", "RA_SERVICE_PORT", "RA_WEB_PORT")
    }
    return {**os.environ, **ports, "RA_DATA_DIR": str(tmp_path / ".restate"), "RA_MODEL": "", **extra}


def run_dev(env: dict[str, str], *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "dev", "--services", TARGET, "--no-web", *args],
        env=env,
        text=True,
        capture_output=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def test_port_in_use_is_one_clear_line(tmp_path: Path) -> None:
    env = dev_env(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", int(env["RA_INGRESS_PORT"])))
        busy.listen()
        result = run_dev(env, "--exit-after-ready")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"port {env['RA_INGRESS_PORT']} (Restate ingress) is already in use" in lines[0]
    assert "RA_INGRESS_PORT" in lines[0]
    assert not (tmp_path / ".restate").exists(), "nothing is started or written before the checks pass"


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({"RA_MODEL": "gpt-4o"}, "RA_MODEL='gpt-4o' is not a model name"),
        ({"RA_MODEL": "openai:gpt-4o-mini", "OPENAI_API_KEY": "", "RA_ALLOW_REAL_MODELS": "1"}, "needs OPENAI_API_KEY"),
        ({"RA_RESTATE_SERVER": "/nonexistent/restate-server"}, "RA_RESTATE_SERVER=/nonexistent/restate-server"),
        ({"RA_INGRESS_PORT": "http"}, "RA_INGRESS_PORT='http' is not a port number"),
    ],
)
def test_bad_configuration_is_one_clear_line(tmp_path: Path, extra: dict[str, str], expected: str) -> None:
    result = run_dev(dev_env(tmp_path, **extra), "--exit-after-ready")
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], result.stderr


@contextlib.contextmanager
def dev_running(env: dict[str, str], log: Path, target: str = TARGET) -> Iterator[subprocess.Popen[str]]:
    """`resilient-agents dev` in the background, its output in `log`, until ready; stopped with Ctrl-C after."""
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [*CLI, "dev", "--services", target, "--no-web"],
            env=env,
            text=True,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        eventually(lambda: "ready in" in log.read_text(), timeout=60, message="dev runner ready")
        yield proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def running_dev(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, str], Path]]:
    env = dev_env(tmp_path)
    log = tmp_path / "dev.log"
    with dev_running(env, log) as proc:
        yield proc, env, log


def _call(env: dict[str, str], path: str, body: object) -> httpx.Response:
    return httpx.post(f"http://127.0.0.1:{env['RA_INGRESS_PORT']}{path}", json=body, timeout=30)


def test_supervises_registers_and_keeps_state(running_dev: tuple[subprocess.Popen[str], dict[str, str], Path]) -> None:
    proc, env, log = running_dev
    text = log.read_text()
    assert f"http://127.0.0.1:{env['RA_INGRESS_PORT']}" in text
    assert f"http://127.0.0.1:{env['RA_ADMIN_PORT']}/ui/" in text
    assert "curl localhost:" in text, "one request to copy and paste"
    assert "offline model" in text, "the offline model is announced"
    assert _call(env, "/Counter/visits/add", 2).json() == 2

    service_pid = int(text.split("(pid ")[1].split(")")[0])
    os.kill(service_pid, signal.SIGKILL)
    eventually(
        lambda: "service process exited" in log.read_text() and "is back" in log.read_text(),
        timeout=30,
        message="the crashed service is restarted and the log says so",
    )
    assert _call(env, "/Counter/visits/add", 3).json() == 5

    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    for port in ("RA_INGRESS_PORT", "RA_ADMIN_PORT", "RA_SERVICE_PORT"):
        eventually(
            lambda port=port: port_is_free("127.0.0.1", int(env[port])),
            timeout=15,
            message=f"{port} released after Ctrl-C",
        )

    started = time.monotonic()
    again = run_dev(env, "--exit-after-ready")
    assert again.returncode == 0, again.stderr
    assert "re-registered" not in again.stdout, "unchanged code is not force-registered"
    assert time.monotonic() - started < 60
    with dev_running(env, log.with_name("dev-second.log")):
        assert _call(env, "/Counter/visits/add", 1).json() == 6, "the second run finds the stored state"
