"""The loan app without a server: which tools the offline model picks, repayments maths, settings, typed values."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, ToolCallPart, ToolReturnPart, UserPromptPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import ConfigurationError, OfflineModel, TypedSerde
from resilient_agents.agents import Agent
from resilient_agents_apps.loans import (
    BANK,
    BANK_OPENING_BALANCE,
    REPAYMENT_INTERVAL_ENV,
    Loan,
    LoanRequest,
    LoanReviewRequest,
    TransactionHistory,
    monthly_payment,
    opening_state,
    repayment_interval,
)
from resilient_agents_apps.loans.agents import loan_agent, review_agent
from resilient_agents_apps.loans.workflow import review_brief

OFFLINE = OfflineModel()


def tool_rounds(agent: Agent, prompt: str) -> list[list[tuple[str, dict[str, Any]]]]:
    """The tool calls the offline model makes for `prompt`, round by round, each tool answering "ok"."""
    definitions = [tool.definition() for tool in agent.tools]
    messages: list[ModelMessage] = [ModelRequest(parts=[UserPromptPart(prompt)])]
    rounds = []
    for _ in range(4):
        info = AgentInfo(
            function_tools=definitions,
            allow_text_output=True,
            output_tools=[],
            model_settings=None,
            model_request_parameters=None,  # type: ignore[arg-type]
            instructions=None,
        )
        response = OFFLINE.function(messages, info)
        assert isinstance(response, ModelResponse)
        messages.append(response)
        calls = [p for p in response.parts if isinstance(p, ToolCallPart)]
        if not calls:
            return rounds
        rounds.append([(c.tool_name, c.args_as_dict()) for c in calls])
        messages.append(ModelRequest(parts=[ToolReturnPart(c.tool_name, "ok", c.tool_call_id) for c in calls]))
    raise AssertionError(f"the offline model kept calling tools: {rounds}")


def names(rounds: list[list[tuple[str, dict[str, Any]]]]) -> list[list[str]]:
    return [[name for name, _ in calls] for calls in rounds]


def test_offline_chat_applies_reports_status_and_balance_without_side_effects_by_accident() -> None:
    chat = loan_agent()
    applied = tool_rounds(chat, "Hi, I would like to apply for a loan of 1000 euros.")
    assert names(applied) == [["apply_for_credit", "get_loan_status"]]
    assert applied[0][0][1]["amount"] == 1000.0 and applied[0][0][1]["months"] == 12
    # asking for the status must never apply for a loan, in any round
    assert names(tool_rounds(chat, "Hi, what is the status of my loan?")) == [["get_loan_status"]]
    assert names(tool_rounds(chat, "how much is my balance?")) == [["get_balance"]]
    assert names(tool_rounds(chat, "what are my transactions?")) == [["get_transactions"]]
    answered = tool_rounds(chat, "My answer for the reviewer: I earn 4000 euros a month")
    assert names(answered) == [["answer_reviewer"]]


def test_offline_reviewer_decides_once_and_never_asks() -> None:
    reviewer = review_agent()
    request = LoanRequest(customer_id="ada", loan_amount=1000, purpose="Hi, I would like to apply for a loan.")
    history = TransactionHistory(customer_id="ada", transactions=opening_state("ada").transactions)
    rounds = tool_rounds(reviewer, review_brief("ada-loan-1", request, history))
    assert names(rounds) == [["on_loan_decision"]] and rounds[0][0][1]["approved"] is True
    follow_up = "The customer responded to your query (What is your income?): 4000\nRecord your decision on this loan"
    assert names(tool_rounds(reviewer, follow_up + " with on_loan_decision.")) == [["on_loan_decision"]]


def test_review_tools_act_on_the_session_loan_only() -> None:
    tools = {t.name: t for t in review_agent().tools}
    assert set(tools) == {"on_loan_decision", "request_info"}
    for tool in tools.values():
        assert tool.service == "LoanApprovalWorkflow"  # type: ignore[attr-defined]
        assert callable(tool.key)  # type: ignore[attr-defined]


def test_repayments_maths_and_interval_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert monthly_payment(1200, 12) == 105.0
    assert monthly_payment(1000, 3) == round(1000 * (1 + 0.05 * 3 / 12) / 3, 2)
    monkeypatch.delenv(REPAYMENT_INTERVAL_ENV, raising=False)
    assert repayment_interval() == timedelta(days=30)
    monkeypatch.setenv(REPAYMENT_INTERVAL_ENV, "0.25")
    assert repayment_interval() == timedelta(seconds=0.25)
    for bad in ("soon", "0", "-3"):
        monkeypatch.setenv(REPAYMENT_INTERVAL_ENV, bad)
        with pytest.raises(ConfigurationError, match=REPAYMENT_INTERVAL_ENV):
            repayment_interval()


def test_accounts_open_the_same_way_every_time() -> None:
    assert opening_state("ada") == opening_state("ada") != opening_state("bob")
    ada = opening_state("ada")
    assert len(ada.transactions) == 15 and any(t.reason == "Salary" for t in ada.transactions)
    assert opening_state(BANK).balance == BANK_OPENING_BALANCE and opening_state(BANK).transactions == []


def test_loan_values_round_trip_and_have_playground_defaults() -> None:
    assert LoanReviewRequest().loan_request.loan_amount == 1000.0
    loan = Loan(loan_id="ada-loan-1", amount=1000, months=12, status="approved", monthly_payment=87.5)
    serde: TypedSerde[Loan] = TypedSerde(Loan)
    assert serde.loads(serde.dumps(loan)) == loan
    review = LoanReviewRequest(loan_request=LoanRequest(customer_id="x", loan_amount=5), transaction_history=None)
    assert TypedSerde(LoanReviewRequest).loads(TypedSerde(LoanReviewRequest).dumps(review)) == review
