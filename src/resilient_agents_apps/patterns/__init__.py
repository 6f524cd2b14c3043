"""The durable LLM pattern services of the seeds, under the seeds' service and handler names.

Every service uses the building blocks of `resilient_agents.patterns` and the model named by RA_MODEL (the
offline model when unset). See docs/patterns.md for the requests to try.
"""

from __future__ import annotations

from . import chaining, chat, evaluator, human, orchestrator, parallelization, racing, remote_agents, routing

SERVICES = [
    *chaining.SERVICES,
    *parallelization.SERVICES,
    *routing.SERVICES,
    *remote_agents.SERVICES,
    *orchestrator.SERVICES,
    *evaluator.SERVICES,
    *human.SERVICES,
    *chat.SERVICES,
    *racing.SERVICES,
]
