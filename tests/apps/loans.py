"""Test app for loans: the real app with a scripted reviewer (the chat agent keeps the offline model).

The reviewer answers like the offline model, except: a request that says "ask me" gets a question for the
customer first, an answer from the customer gets an approval, and more than 10,000 euros gets a rejection.
Every review model call is recorded in the call log (`model`/`review`), so tests count them across crashes.
"""

from __future__ import annotations

import re

from pydantic_ai.messages import ModelMessage, ModelRequest, ModelResponse, RetryPromptPart, ToolReturnPart
from pydantic_ai.models.function import AgentInfo

from resilient_agents import OfflineModel
from resilient_agents.testing import CallLog, ScriptedModel, last_user_text, text, tool_calls
from resilient_agents_apps.loans import account, build_agents, workflow

ENV = {"RA_LOAN_REPAYMENT_INTERVAL": "0.4"}
REJECT_ABOVE = 10_000.0
QUESTION = "What is your monthly income?"
_OFFLINE = OfflineModel()
_AMOUNT = re.compile(r'"loan_amount":([0-9.]+)')


def review(messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
    last = messages[-1]
    if isinstance(last, ModelRequest) and any(isinstance(p, ToolReturnPart | RetryPromptPart) for p in last.parts):
        return text("Decision recorded.")
    prompt = last_user_text(messages)
    if "responded to your query" in prompt:
        return tool_calls(("on_loan_decision", {"approved": True, "reason": "Income confirmed by the customer."}))
    if "ask me" in prompt:
        return tool_calls(("request_info", {"question": QUESTION}))
    amount = _AMOUNT.search(prompt)
    if amount and float(amount.group(1)) > REJECT_ABOVE:
        return tool_calls(("on_loan_decision", {"approved": False, "reason": "The income does not cover it."}))
    return _OFFLINE.function(messages, info)  # type: ignore[return-value]


REVIEWER = ScriptedModel(function=review, log=CallLog.from_env(), name="review")
SERVICES = [account, workflow, *build_agents(review_model=REVIEWER)]
