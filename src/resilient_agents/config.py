"""Settings read from the environment, with one default each.

Every port and path the dev runner, the harness and the clients use comes from here, so `RA_INGRESS_PORT=18080
make run` and `resilient-agents client` agree without further flags.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import ConfigurationError


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name}={raw!r} is not a port number: set it to an integer 1-65535") from None
    if not 0 < value < 65536:
        raise ConfigurationError(f"{name}={value} is out of range: set it to an integer 1-65535")
    return value


@dataclass(frozen=True)
class Settings:
    """Where things listen and where data lives. Build with `Settings.from_env()`."""

    host: str = "127.0.0.1"
    ingress_port: int = 8080
    """Restate ingress: where clients send requests (`RA_INGRESS_PORT`)."""
    admin_port: int = 9070
    """Restate admin API and UI (`RA_ADMIN_PORT`)."""
    node_port: int = 5122
    """Restate's internal node-to-node port (`RA_NODE_PORT`)."""
    service_port: int = 9080
    """Our service endpoint that Restate calls (`RA_SERVICE_PORT`)."""
    web_port: int = 8090
    """The chat page (`RA_WEB_PORT`)."""
    data_dir: Path = field(default_factory=lambda: Path(".restate"))
    """restate-server's data, kept across restarts (`RA_DATA_DIR`)."""
    model: str | None = None
    """The model spec (`RA_MODEL`); None means the offline model."""

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            host=os.environ.get("RA_HOST", "127.0.0.1"),
            ingress_port=_port("RA_INGRESS_PORT", 8080),
            admin_port=_port("RA_ADMIN_PORT", 9070),
            node_port=_port("RA_NODE_PORT", 5122),
            service_port=_port("RA_SERVICE_PORT", 9080),
            web_port=_port("RA_WEB_PORT", 8090),
            data_dir=Path(os.environ.get("RA_DATA_DIR", ".restate")),
            model=os.environ.get("RA_MODEL") or None,
        )

    @property
    def ingress_url(self) -> str:
        return f"http://{self.host}:{self.ingress_port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.admin_port}"

    @property
    def service_url(self) -> str:
        return f"http://{self.host}:{self.service_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"
