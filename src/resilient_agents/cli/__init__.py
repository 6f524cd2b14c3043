"""The `resilient-agents` command line: the dev runner, clients for every app and pattern, approvals, state.

Each group of commands lives in its own module and registers itself on `app`.
"""

from __future__ import annotations

from . import (
    client,  # noqa: F401
    crew,  # noqa: F401
    dev,  # noqa: F401  (registers commands)
    invoke,  # noqa: F401
    keys,  # noqa: F401
    loans,  # noqa: F401
    patterns,  # noqa: F401
    sessions,  # noqa: F401
)
from ._app import app, console


def main() -> None:
    app()


__all__ = ["app", "console", "main"]
