"""pytest plugin (registered through the `pytest11` entry point): a session-wide real Restate server.

Fixtures:
- `restate_server`: one `TestServer` for the whole session (set RA_ALWAYS_REPLAY=1 to replay at every
  suspension point);
- `serve_app(target, env=...)`: a context manager that serves an app against it and yields a `Harness`;
- `no_real_models` (autouse): fails a test that builds a model talking to a real provider.
Use `harness_fixture("module:attr")` to declare a module-scoped harness in one line.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from .harness import Harness, TestServer


@pytest.fixture(scope="session")
def restate_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServer]:
    with TestServer.start(tmp_path_factory.mktemp("restate")) as server:
        yield server


@pytest.fixture(scope="session")
def serve_app(restate_server: TestServer) -> Callable[..., AbstractContextManager[Harness]]:
    def serve(target: str, env: dict[str, str] | None = None) -> AbstractContextManager[Harness]:
        return restate_server.serve(target, env=env)

    return serve


@pytest.fixture(autouse=True)
def no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real model calls are impossible in tests unless a test opts in (RA_ALLOW_REAL_MODELS=1 for that test)."""
    if os.environ.get("RA_TESTS_ALLOW_REAL_MODELS") != "1":
        monkeypatch.setenv("RA_ALLOW_REAL_MODELS", "0")


def harness_fixture(target: str, env: dict[str, str] | None = None, scope: Any = "module") -> Any:
    """A fixture serving `target` against the session server: `harness = harness_fixture("tests.apps.x:app")`."""

    @pytest.fixture(scope=scope)
    def _harness(restate_server: TestServer) -> Iterator[Harness]:
        with restate_server.serve(target, env=env) as harness:
            yield harness

    return _harness
