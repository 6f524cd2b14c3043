"""`CallChainingService/run`: a report goes through four journaled steps, each refining the previous output."""

from __future__ import annotations

import restate
from pydantic import Field

from resilient_agents import RequestModel, handler
from resilient_agents.patterns import ChainResult, chain

REPORT = (
    "Q3 Performance Summary: customer satisfaction rose to 92 points this quarter; revenue grew 45% over last "
    "year; market share is now 23% in our primary market; customer churn fell to 5% from 8%; new user "
    "acquisition cost is $43 per user; product adoption rate increased to 78%; employee satisfaction is at 87 "
    "points; operating margin improved to 34%."
)
STEPS = [
    "Extract only the numerical values and their associated metrics from the text. Format each as "
    "'value: metric' on a new line.",
    "Convert all numerical values to percentages where possible. If not a percentage or points, convert to "
    "decimal (e.g. 92 points -> 92%). Keep one number per line.",
    "Sort all lines in descending order by numerical value.",
    "Format the sorted data as a markdown table with columns: | Metric | Value |",
]

chaining = restate.Service("CallChainingService", description="Prompt chaining: every step journaled.")


class ChainRequest(RequestModel):
    """A text and the instructions applied to it one after another."""

    input: str = Field(default=REPORT, description="The text the first step reads")
    steps: list[str] = Field(default=STEPS, min_length=1, max_length=20, description="One instruction per step")


@handler(chaining)
async def run(ctx: restate.Context, req: ChainRequest) -> ChainResult:
    """Run the steps in order; after a crash, completed steps are replayed, not called again."""
    return await chain(ctx, req.input, req.steps)


SERVICES = [chaining]
