"""The two agent sessions of the loan app, both native agent-loop sessions (virtual objects).

LoanAgent/{customer id}    the customer's chat: apply for a loan, the status of their loans, balance and
                           transactions, answering the reviewer's questions. Its tools are `LoanAccount`
                           handlers keyed by the session, so they act for that customer only.
LoanReviewAgent/{loan id}  started by the workflow for loans under 1,000,000 euros: reads the request and the
                           transaction history, may ask the customer (`request_info`), and decides by calling
                           the workflow's `on_loan_decision` handler as a tool.
"""

from __future__ import annotations

import restate
from pydantic_ai.models import Model

from resilient_agents.agents import Agent, ToolCallInfo, agent_session, restate_tool

from .accounts import (
    CHAT_SESSION,
    REVIEW_SESSION,
    answer_reviewer,
    apply_for_loan,
    get_balance,
    get_loan_status,
    get_transactions,
)
from .workflow import on_loan_decision, request_info

LOAN_AGENT_INSTRUCTIONS = (
    "You are the loan desk of a bank, talking with one customer (the session). You can apply for a loan for them,"
    " report the status of their loans, answer questions about their balance and transactions, and pass their"
    " answer on when a loan reviewer asked them something. Never ask for a customer id: the tools know who the"
    " customer is. Decisions arrive later in this chat by themselves; do not promise an outcome."
)
REVIEW_INSTRUCTIONS = (
    "You review loan applications for a bank. Read the request and the transaction history. Approve when the"
    " income covers the monthly repayment comfortably and the spending looks sound; reject otherwise, and give the"
    " reason in one or two sentences. When something essential is unclear, ask the applicant one question with"
    " request_info and wait for the answer, which arrives as a new message. Record the decision with"
    " on_loan_decision exactly once."
)


APPLY_DESCRIPTION = "Apply for credit: start a new application for the customer."


def same_loan(call: ToolCallInfo) -> str:
    """The review session's key is the loan id: the workflow it may decide is that one and no other."""
    return call.session_key


def loan_agent(model: Model | None = None) -> Agent:
    """The customer's loan desk."""
    return Agent(
        name="Loan Agent",
        instructions=LOAN_AGENT_INSTRUCTIONS,
        model=model,
        tools=[
            # named and described so the offline model never mixes them up: see tests/unit/test_loan_models.py
            restate_tool(apply_for_loan, name="apply_for_credit", description=APPLY_DESCRIPTION),
            restate_tool(get_loan_status),
            restate_tool(get_balance),
            restate_tool(get_transactions),
            restate_tool(answer_reviewer),
        ],
    )


def review_agent(model: Model | None = None) -> Agent:
    """The reviewer of one loan: its tools are handlers of that loan's workflow."""
    return Agent(
        name="Loan Review Agent",
        instructions=REVIEW_INSTRUCTIONS,
        model=model,
        tools=[restate_tool(on_loan_decision, key=same_loan), restate_tool(request_info, key=same_loan)],
    )


def build_agents(*, chat_model: Model | None = None, review_model: Model | None = None) -> list[restate.VirtualObject]:
    """The chat session and the review session; models default to the process model (RA_MODEL, offline)."""
    return [
        agent_session(CHAT_SESSION, agents=[loan_agent(chat_model)], description="Loan desk chat (key: customer id)"),
        agent_session(
            REVIEW_SESSION, agents=[review_agent(review_model)], description="Loan review session (key: loan id)"
        ),
    ]
