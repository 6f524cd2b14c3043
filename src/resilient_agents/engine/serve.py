"""Serve Restate services over HTTP/2 (h2c) in this process with hypercorn.

One process, no forked worker: a SIGKILL of it frees the port at once, which crash tests rely on (hypercorn's
command line forks a worker that would outlive its parent and keep the port).

Run as `python -m resilient_agents.engine package.module:attr --port 9080`, where `attr` is a restate
app, a list of services, or a function returning either.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

import restate
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from restate.server import install_shutdown_hook

from ..exceptions import ConfigurationError
from ..observability import configure_tracing
from ..security import IDENTITY_KEYS_ENV, identity_keys_from_env

log = logging.getLogger("resilient_agents.serve")


class _NoLifespanNoise(logging.Filter):
    """Restate's ASGI app has no lifespan support; hypercorn warns about it on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Lifespan" not in record.getMessage()


log.addFilter(_NoLifespanNoise())

ServiceDef = restate.Service | restate.VirtualObject | restate.Workflow


def build_app(services: Sequence[ServiceDef], identity_keys: Sequence[str] | None = None) -> Any:
    """The ASGI app Restate calls, for these services. `identity_keys` makes it accept only signed requests."""
    return restate.app(list(services), identity_keys=list(identity_keys) if identity_keys else None)


def load_target(target: str) -> Any:
    """Import `module:attr` and turn it into an ASGI app (signed requests only when RA_IDENTITY_KEYS is set)."""
    module_name, _, attr = target.partition(":")
    if not attr:
        raise ConfigurationError(f"{target!r} is not of the form package.module:attribute")
    identity_keys = identity_keys_from_env()
    obj: Any = getattr(importlib.import_module(module_name), attr)
    if _is_factory(obj):
        obj = obj()
    if isinstance(obj, list | tuple):
        obj = build_app(obj, identity_keys)
    elif identity_keys and getattr(obj, "__module__", "") == "restate.server":
        # A ready-made Restate app has its keys baked in; serving it unsigned would defeat the setting.
        # (Other ASGI apps, the chat page, are not called by Restate and ignore the setting.)
        raise ConfigurationError(
            f"{IDENTITY_KEYS_ENV} is set but {target} is a ready-made app: point at a list of services"
            " (or pass identity_keys to build_app yourself)"
        )
    return obj


def _is_factory(obj: Callable[..., Any]) -> bool:
    """A plain function of no arguments (not an ASGI app, which takes scope, receive, send)."""
    if not inspect.isfunction(obj):
        return False
    return len(inspect.signature(obj).parameters) == 0


async def serve(app: Any, host: str, port: int, stop: asyncio.Event | None = None) -> None:
    """Serve `app` until SIGTERM, SIGINT or `stop` is set."""
    config = Config()
    config.bind = [f"{host}:{port}"]
    config.h2_max_concurrent_streams = 10_000
    config.keep_alive_timeout = 600
    config.graceful_timeout = 2.0
    config.accesslog = None
    config.errorlog = log
    stop_event = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    install_shutdown_hook(loop, stop_event.set, signal.SIGTERM)
    install_shutdown_hook(loop, stop_event.set, signal.SIGINT)
    await hypercorn_serve(app, config, shutdown_trigger=stop_event.wait)  # type: ignore[arg-type]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve Restate services in one process (h2c).")
    parser.add_argument("target", help="package.module:attribute (a restate app, a list of services, a factory)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9080)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        configure_tracing()
        app = load_target(args.target)
    except ConfigurationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    asyncio.run(serve(app, args.host, args.port))
