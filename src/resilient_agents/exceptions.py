"""The exceptions of resilient-agents, all under one root.

    ResilientAgentsError
    ├── ConfigurationError          bad settings found before anything starts (RA_MODEL, a missing key)
    ├── EnvironmentProblem          the machine lacks something (restate-server binary, a free port)
    ├── ModelError                  a model provider failed
    │   ├── RetryableModelError     429, 5xx, timeouts, connection errors: Restate retries with backoff
    │   └── TerminalModelError      authentication, bad request, content policy: never retried
    ├── InvalidRequest              a handler was sent input of the wrong shape (HTTP 400, terminal)
    └── AgentControlFlow            not failures: the agent loop steering itself
        └── BudgetExceeded          a session ran out of turns or tokens (terminal for that run)

Three kinds are kept apart: retryable failures (`RetryableModelError` maps to Restate's `RetryableError`),
terminal failures (`TerminalModelError`, `InvalidRequest`: these subclass Restate's `TerminalError`, so the
engine never retries them) and control flow.
"""

from __future__ import annotations

from datetime import timedelta

from restate.exceptions import RetryableError, TerminalError


class ResilientAgentsError(Exception):
    """Root of every exception this package raises on purpose."""


class ConfigurationError(ResilientAgentsError):
    """A setting is wrong; the message says which and how to fix it."""


class EnvironmentProblem(ResilientAgentsError):
    """The machine lacks something we need (a binary, a free port); the message says how to fix it."""


class ModelError(ResilientAgentsError):
    """A model provider call failed."""


class RetryableModelError(ModelError, RetryableError):
    """A transient provider failure. Restate retries the step, after `retry_after` when the provider said so."""

    def __init__(self, message: str, status_code: int = 503, retry_after: timedelta | None = None) -> None:
        ModelError.__init__(self, message)
        RetryableError.__init__(self, message, status_code=status_code, retry_after=retry_after)


class TerminalModelError(ModelError, TerminalError):
    """A provider failure that no retry can fix (bad key, bad request, refused content)."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        ModelError.__init__(self, message)
        TerminalError.__init__(self, message, status_code=status_code)


class InvalidRequest(ResilientAgentsError, TerminalError):
    """A request of the wrong shape: HTTP 400, never retried, nothing stored."""

    def __init__(self, message: str, status_code: int = 400) -> None:
        ResilientAgentsError.__init__(self, message)
        TerminalError.__init__(self, message, status_code=status_code)


class AgentControlFlow(ResilientAgentsError):
    """Base of the signals the agent loop uses to steer itself; not failures of the code."""


class BudgetExceeded(AgentControlFlow, TerminalError):
    """A session used up its turn or token budget; the run stops with this message."""

    def __init__(self, message: str) -> None:
        AgentControlFlow.__init__(self, message)
        TerminalError.__init__(self, message, status_code=429)
