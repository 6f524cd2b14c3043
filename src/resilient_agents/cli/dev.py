"""`resilient-agents dev`: the whole local environment in one command (what `make run` calls).

It checks everything before starting anything (model settings, the server binary, free ports), then starts
restate-server with its data in `.restate/`, serves every app in a supervised child process (a crash is logged
and the process restarted), registers the deployment (with force when the code changed), serves the chat page,
and prints where to look. Ctrl-C stops every process it started.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import os
import signal
import time
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer

from ..config import Settings
from ..engine.admin import AdminClient
from ..engine.process import ServiceProcess
from ..engine.server import RestateServer, ServerConfig, find_restate_server, require_free_ports
from ..exceptions import ResilientAgentsError
from ..models.spec import build_model, parse_model_spec
from ..observability import otel_endpoint, server_tracing_env
from ._app import app, console, fail

SERVICES_TARGET = "resilient_agents_apps:all_services"
WEB_TARGET = "resilient_agents.web.server:app"
EXAMPLE_REQUEST = "curl localhost:{port}/AgentSession/alice/run --json '\"how much is my balance?\"'"


def code_fingerprint() -> str:
    """A hash of the Python sources served, so a changed deployment is re-registered with force."""
    digest = hashlib.sha256()
    roots = [
        Path(__file__).resolve().parents[1],
        Path(__file__).resolve().parents[2] / "resilient_agents_apps",
    ]
    for root in roots:
        for path in sorted(root.rglob("*.py")):
            digest.update(path.as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def register(admin: AdminClient, service_url: str, data_dir: Path) -> bool:
    """Register the deployment; with force when the code changed since the last run. True if forced."""
    stamp = data_dir / "deployment.sha256"
    fingerprint = code_fingerprint()
    changed = not stamp.exists() or stamp.read_text() != fingerprint
    admin.register(service_url, force=True)
    stamp.write_text(fingerprint)
    return changed


def _web_available() -> bool:
    """Whether the chat page is installed (found, not imported: the web server builds its app on import)."""
    return importlib.util.find_spec("resilient_agents.web") is not None


def seconds_since_process_start() -> float | None:
    """How long this process has run, imports included (Linux); None where /proc cannot tell."""
    try:
        with open("/proc/self/stat") as stat, open("/proc/uptime") as uptime:
            start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
            return float(uptime.read().split()[0]) - start_ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class _Stop(Exception):
    """Raised from the signal handler to leave the supervision loop."""


@app.command()
def dev(
    services: Annotated[
        str, typer.Option(help="What to serve: package.module:attribute (a list of services or a factory)")
    ] = SERVICES_TARGET,
    no_web: Annotated[bool, typer.Option("--no-web", help="Do not serve the chat page")] = False,
    exit_after_ready: Annotated[
        bool, typer.Option("--exit-after-ready", help="Stop everything once ready (for timing and checks)")
    ] = False,
) -> None:
    """Start restate-server, serve and register every service, serve the chat page."""
    started = time.monotonic()
    try:
        settings = Settings.from_env()
        spec = parse_model_spec(settings.model)
        build_model(spec)
        traces = otel_endpoint()
        binary = find_restate_server()
        web = not no_web and _web_available()
        ports = {
            "Restate ingress": (settings.ingress_port, "RA_INGRESS_PORT"),
            "Restate admin and UI": (settings.admin_port, "RA_ADMIN_PORT"),
            "Restate node": (settings.node_port, "RA_NODE_PORT"),
            "service endpoint": (settings.service_port, "RA_SERVICE_PORT"),
        }
        if web:
            ports["chat page"] = (settings.web_port, "RA_WEB_PORT")
        require_free_ports(settings.host, ports)
    except ResilientAgentsError as exc:
        raise fail(str(exc)) from None

    data_dir = settings.data_dir.resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]model:[/] {spec.describe()}", highlight=False)
    if traces:
        console.print(f"[bold]traces:[/] OTLP/gRPC to {traces} (restate-server and the services)", highlight=False)
    server_log = open(data_dir / "server.log", "ab")  # noqa: SIM115  (kept open for the server's lifetime)
    server = RestateServer(
        ServerConfig(
            base_dir=data_dir,
            ingress_port=settings.ingress_port,
            admin_port=settings.admin_port,
            node_port=settings.node_port,
            host=settings.host,
            env=server_tracing_env(traces),
        ),
        binary=binary,
        log=server_log,
    )
    service = ServiceProcess(services, settings.service_port, host=settings.host)
    web_process = ServiceProcess(WEB_TARGET, settings.web_port, host=settings.host) if web else None

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise _Stop()

    previous = signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        # Start all three at once: the service process spends most of its start-up importing the apps.
        server.launch()
        service.launch()
        if web_process is not None:
            web_process.launch()
        server.wait_ready()
        service.wait_ready()
        console.print(f"serving {services} on {service.url} (pid {service.pid})", highlight=False)
        with AdminClient(server.admin_url) as admin:
            forced = register(admin, service.url, data_dir)
        if web_process is not None:
            web_process.wait_ready()
        ready = seconds_since_process_start() or time.monotonic() - started
        _print_ready(settings, ready, forced, web_process is not None, data_dir)
        if exit_after_ready:
            return
        _supervise(server, service, web_process)
    except _Stop:
        console.print("\nstopping...")
    except ResilientAgentsError as exc:
        raise fail(str(exc)) from None
    finally:
        signal.signal(signal.SIGINT, previous)
        for proc in (web_process, service):
            if proc is not None:
                with contextlib.suppress(_Stop):
                    proc.stop()
        with contextlib.suppress(_Stop):
            server.stop()
        server_log.close()


def _print_ready(settings: Settings, seconds: float, forced: bool, web: bool, data_dir: Path) -> None:
    console.print(
        f"[bold green]ready in {seconds:.1f}s[/]" + (" (deployment re-registered: the code changed)" if forced else "")
    )
    console.print(f"  ingress      {settings.ingress_url}")
    console.print(f"  Restate UI   {settings.admin_url}/ui/")
    if web:
        console.print(f"  chat page    {settings.web_url}/")
    console.print(f"  data         {data_dir} (kept across restarts)")
    console.print("try:")
    console.print("  " + EXAMPLE_REQUEST.format(port=settings.ingress_port), highlight=False, markup=False)
    console.print('  .venv/bin/resilient-agents client "how much is my balance?"', highlight=False)
    console.print("Ctrl-C stops everything.")


def _supervise(server: RestateServer, service: ServiceProcess, web: ServiceProcess | None) -> None:
    """Restart whatever crashes; the log says so."""
    backoff = 0.5
    while True:
        time.sleep(0.25)
        if not server.running:
            code = server.process.returncode if server.process else None
            console.print(f"[yellow]restate-server exited (code {code}); restarting[/]")
            server.start()
        for proc, label in ((service, "service process"), (web, "chat page server")):
            if proc is not None and not proc.running:
                console.print(f"[yellow]{label} exited (code {proc.exit_code}); restarting[/]")
                time.sleep(backoff)
                try:
                    proc.start()
                    console.print(f"{label} is back (pid {proc.pid})")
                    backoff = 0.5
                except ResilientAgentsError as exc:
                    console.print(f"[red]{label} did not come back: {exc}[/]")
                    backoff = min(backoff * 2, 10.0)
