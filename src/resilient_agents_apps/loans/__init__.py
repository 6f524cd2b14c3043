"""The loan approval app: a workflow that calls agents, and agents that start workflows (see docs/loans.md).

    curl localhost:8080/LoanAgent/alice/run --json '"Hi, I would like to apply for a loan of 1000 euros."'
    curl localhost:8080/LoanApprovalWorkflow/alice-big-1/run/send \
      --json '{"loan_request": {"customer_id": "alice", "loan_amount": 2000000}}'
    resilient-agents loans decide alice-big-1 --approve
"""

from __future__ import annotations

from .accounts import BANK_OPENING_BALANCE, CHAT_SESSION, REVIEW_SESSION, WORKFLOW, account, opening_state
from .agents import build_agents
from .models import (
    BANK,
    HUMAN_REVIEW_THRESHOLD,
    REPAYMENT_INTERVAL_ENV,
    Balance,
    InfoRequest,
    Loan,
    LoanAnswer,
    LoanApplication,
    LoanDecision,
    LoanRequest,
    LoanReviewRequest,
    LoanStatusView,
    Transaction,
    TransactionHistory,
    monthly_payment,
    repayment_interval,
)
from .workflow import workflow

SERVICES = [account, workflow, *build_agents()]

__all__ = [
    "BANK",
    "BANK_OPENING_BALANCE",
    "CHAT_SESSION",
    "HUMAN_REVIEW_THRESHOLD",
    "REPAYMENT_INTERVAL_ENV",
    "REVIEW_SESSION",
    "SERVICES",
    "WORKFLOW",
    "Balance",
    "InfoRequest",
    "Loan",
    "LoanAnswer",
    "LoanApplication",
    "LoanDecision",
    "LoanRequest",
    "LoanReviewRequest",
    "LoanStatusView",
    "Transaction",
    "TransactionHistory",
    "account",
    "build_agents",
    "monthly_payment",
    "opening_state",
    "repayment_interval",
    "workflow",
]
