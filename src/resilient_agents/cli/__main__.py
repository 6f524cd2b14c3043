"""`python -m resilient_agents.cli`: the same as the `resilient-agents` command."""

from __future__ import annotations

from . import main

main()
