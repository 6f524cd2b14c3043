"""The typed values of the loan app: requests, decisions, loans, transactions, and the app's settings.

Amounts are euros with cents (floats rounded to 2 places): a demo bank, not an accounting system.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, Field

from resilient_agents import ConfigurationError, RequestModel

BANK = "TrustworthyBank"
"""The account the bank lends from and repayments go back to."""
HUMAN_REVIEW_THRESHOLD = 1_000_000.0
"""Loans of this amount or more are decided by a person, smaller ones by the review agent."""
ANNUAL_INTEREST = 0.05
REPAYMENT_INTERVAL_ENV = "RA_LOAN_REPAYMENT_INTERVAL"
DEFAULT_REPAYMENT_INTERVAL = timedelta(days=30)

LoanStatusName = Literal[
    "submitted", "in_review", "waiting_for_customer", "waiting_for_human", "approved", "rejected", "repaid"
]
Reviewer = Literal["agent", "human"]


def repayment_interval() -> timedelta:
    """Time between monthly repayments: 30 days, or `RA_LOAN_REPAYMENT_INTERVAL` seconds (tests compress it)."""
    raw = os.environ.get(REPAYMENT_INTERVAL_ENV)
    if not raw:
        return DEFAULT_REPAYMENT_INTERVAL
    try:
        seconds = float(raw)
    except ValueError:
        raise ConfigurationError(f"{REPAYMENT_INTERVAL_ENV}={raw!r} is not a number of seconds") from None
    if seconds <= 0:
        raise ConfigurationError(f"{REPAYMENT_INTERVAL_ENV}={raw!r} must be more than 0 seconds")
    return timedelta(seconds=seconds)


def cents(amount: float) -> float:
    return round(amount, 2)


def monthly_payment(amount: float, months: int, annual_interest: float = ANNUAL_INTEREST) -> float:
    """Simple interest over the term, paid in equal monthly parts."""
    return cents(amount * (1 + annual_interest * months / 12) / months)


class Transaction(BaseModel):
    """One line on an account: positive in, negative out."""

    reason: str
    amount: float
    timestamp: str
    """ISO 8601."""


class TransactionHistory(BaseModel):
    """An account's transactions, oldest first (what the review agent reads)."""

    customer_id: str = ""
    transactions: list[Transaction] = Field(default_factory=list)


class LoanRequest(RequestModel):
    """What a customer asks for."""

    customer_id: str = Field(default="alice", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    loan_amount: float = Field(default=1000.0, gt=0, le=1_000_000_000)
    """Euros."""
    loan_duration_months: int = Field(default=12, ge=1, le=360)
    purpose: str = Field(default="", max_length=500)


class LoanReviewRequest(RequestModel):
    """The input of `LoanApprovalWorkflow/{loan id}/run`, as the seed has it."""

    loan_request: LoanRequest = Field(default_factory=LoanRequest)
    transaction_history: TransactionHistory | None = None
    """Left out: the workflow reads the customer's history from their account."""


class LoanDecision(RequestModel):
    """The decision: the input of `on_loan_decision` (for the review agent's tool call and for people)."""

    approved: bool = True
    reason: str = Field(default="", max_length=4000)


class InfoRequest(RequestModel):
    """The review agent's question for the customer."""

    question: str = Field(default="What is your monthly income?", min_length=1, max_length=1000)


class LoanApplication(RequestModel):
    """The chat agent's tool input: the customer is the session, so it is not an argument."""

    amount: float = Field(default=1000.0, gt=0, le=1_000_000_000, description="The loan amount in euros.")
    months: Literal[12, 24, 36, 48, 60] = Field(default=12, description="The term in months.")
    purpose: str = Field(default="", max_length=500, description="What the loan is for.")


class LoanAnswer(RequestModel):
    """The customer's answer to the reviewer's question (the chat agent's tool input)."""

    answer: str = Field(default="", max_length=2000, description="The customer's answer, in their words.")


class Loan(BaseModel):
    """A loan as the customer's account keeps it."""

    loan_id: str
    amount: float
    months: int
    purpose: str = ""
    status: LoanStatusName = "submitted"
    reviewer: Reviewer | None = None
    decision_reason: str = ""
    open_question: str | None = None
    monthly_payment: float = 0.0
    payments_made: int = 0
    repaid: float = 0.0
    next_payment_at_ms: int | None = None


class LoanRecord(BaseModel):
    """The workflow registering a loan on the customer's account."""

    loan_id: str
    request: LoanRequest
    reviewer: Reviewer


class LoanUpdate(BaseModel):
    """The workflow telling the customer's account what happened to a loan."""

    loan_id: str
    status: LoanStatusName
    reason: str = ""
    next_payment_at_ms: int | None = None


class LoanQuestion(BaseModel):
    """The reviewer's question, kept on the loan until the customer answers."""

    loan_id: str
    question: str


class LoanPayment(BaseModel):
    """One scheduled monthly repayment."""

    loan_id: str


class LoanSubmitted(BaseModel):
    """What `apply_for_loan` answers."""

    loan_id: str
    status: LoanStatusName
    message: str


class CustomerLoans(BaseModel):
    """What `get_loan_status` answers: every loan of the customer."""

    customer_id: str
    loans: list[Loan] = Field(default_factory=list)


class Balance(BaseModel):
    customer_id: str
    balance: float


class LoanStatusView(BaseModel):
    """What `LoanApprovalWorkflow/{loan id}/get_status` answers."""

    loan_id: str
    status: LoanStatusName | Literal["unknown"]
    reviewer: Reviewer | None = None
    request: LoanRequest | None = None
    decision: LoanDecision | None = None
