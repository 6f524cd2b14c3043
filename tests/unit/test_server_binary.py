"""Finding restate-server: the project's node_modules, then PATH; when missing, one line naming the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from resilient_agents import EnvironmentProblem
from resilient_agents.engine import server


def test_missing_binary_names_the_install_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RA_RESTATE_SERVER", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(server, "_PLATFORM_BINARY", Path("node_modules/nothing-here/restate-server"))
    with pytest.raises(EnvironmentProblem) as info:
        server.find_restate_server(tmp_path)
    assert str(info.value) == server.INSTALL_HINT
    assert "npm ci" in str(info.value) and "\n" not in str(info.value)


def test_prefers_the_project_binary_then_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RA_RESTATE_SERVER", raising=False)
    on_path = tmp_path / "bin" / "restate-server"
    on_path.parent.mkdir()
    on_path.write_text("#!/bin/sh\n")
    on_path.chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path.parent))
    monkeypatch.setattr(server, "_PLATFORM_BINARY", Path("node_modules/nothing-here/restate-server"))
    assert server.find_restate_server(tmp_path) == on_path
    project = tmp_path / "project"
    binary = project / "node_modules/nothing-here/restate-server"
    binary.parent.mkdir(parents=True)
    binary.write_text("#!/bin/sh\n")
    assert server.find_restate_server(project / "src") == binary, "node_modules of a parent folder wins over PATH"
