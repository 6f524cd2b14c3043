"""The ready apps that `make run` serves: the pattern services, the bank, the airline, loans, crews.

Each app is a subpackage or module here exposing `SERVICES` (a list of restate services). They import only the
public API of `resilient_agents`, exactly as a user's app would. `all_services()` collects every app, so adding
an app is adding a module: nothing else to edit.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any


def app_modules() -> list[str]:
    """Names of the app modules, in a stable order."""
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def all_services() -> list[Any]:
    """Every service of every app (the dev runner serves this)."""
    services: list[Any] = []
    seen: set[str] = set()
    for name in app_modules():
        module = importlib.import_module(f"{__name__}.{name}")
        for service in getattr(module, "SERVICES", []):
            if service.name in seen:
                raise ValueError(f"two apps define a service named {service.name!r}")
            seen.add(service.name)
            services.append(service)
    return services
