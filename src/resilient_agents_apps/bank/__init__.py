"""The bank agent (seed 001): intake, account and loan agents on the Restate-native loop, one session per
customer (`AgentSession/{customer}/run`), and an `Account` virtual object per customer with demo data.

    curl localhost:8080/AgentSession/alice/run --json '"how much is my balance?"'
    resilient-agents client "how much did I spend on gambling last month?"

See docs/bank.md.
"""

from __future__ import annotations

from .account import account
from .agents import account_agent, intake_agent, loan_agent, session

SERVICES = [session, account]

__all__ = ["SERVICES", "account", "account_agent", "intake_agent", "loan_agent", "session"]
