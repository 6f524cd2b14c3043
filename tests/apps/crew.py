"""Test app for crews: the campaign crew with a scripted model and a publisher that records each post."""

from __future__ import annotations

from pydantic_ai.messages import ModelMessage
from pydantic_ai.models.function import AgentInfo

from resilient_agents.crews import Budget
from resilient_agents.testing import CallLog, ScriptedModel, last_user_text, text
from resilient_agents_apps.crew import Reply, build_crew

LOG = CallLog.from_env()


def _answer(messages: list[ModelMessage], info: AgentInfo) -> object:
    prompt = last_user_text(messages)
    return text(f"scripted answer to: {prompt[:60]}")


def _publish(reply: Reply) -> None:
    if LOG is not None:
        LOG.record("effect", "post", id=reply.id, campaign=reply.campaign)


MODEL = ScriptedModel(function=_answer, log=LOG, name="crew")  # type: ignore[arg-type]
SERVICES = build_crew(publish=_publish, model=MODEL, budget=Budget(max_calls=20))
