"""Engine plumbing: the restate-server process, serving our services, the admin and ingress clients."""

from __future__ import annotations

from .admin import AdminClient, JournalEntry
from .ingress import AsyncIngressClient, IngressClient, IngressError
from .process import ServiceProcess
from .serve import build_app, serve
from .server import RestateServer, ServerConfig, find_restate_server, free_port

__all__ = [
    "AdminClient",
    "AsyncIngressClient",
    "IngressClient",
    "IngressError",
    "JournalEntry",
    "RestateServer",
    "ServerConfig",
    "ServiceProcess",
    "build_app",
    "find_restate_server",
    "free_port",
    "serve",
]
