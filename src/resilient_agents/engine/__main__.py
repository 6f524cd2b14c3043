"""`python -m resilient_agents.engine TARGET --port P`: serve TARGET's services in this process."""

from __future__ import annotations

from .serve import main

main()
