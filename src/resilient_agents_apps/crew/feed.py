"""A simulated social-media feed for a marketing campaign, the same every time for the same campaign and tick.

Real crews would read a platform's API; the demo reads this instead, so runs are reproducible and tests can
predict what the agents will see. Every fifth tick (2, 7, 12...) brings a burst of complaints about one topic;
the other ticks bring everyday chatter.
"""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel

EventKind = Literal["post", "mention", "share", "praise", "complaint"]

_AUTHORS = ("ana_m", "bytebob", "cleo.codes", "dmitri", "evelyn_k", "farid", "gwen", "hiro", "ines", "jonas")
_TOPICS = ("late delivery", "broken checkout", "wrong size", "billing twice", "rude support")
_CHATTER = (
    ("post", "Saw the new campaign ad today"),
    ("mention", "Anyone tried their spring collection?"),
    ("share", "Sharing this deal with friends"),
    ("praise", "Great service, arrived a day early"),
    ("praise", "Love the new colours"),
)


class FeedEvent(BaseModel):
    """One post about the campaign."""

    id: str
    tick: int
    kind: EventKind
    author: str
    text: str
    sentiment: float
    """-1 (angry) to 1 (delighted)."""
    reach: int
    """Followers who saw it."""


class FeedSimulator:
    """The deterministic feed: `batch(campaign, tick)` is a pure function."""

    def __init__(self, crisis_every: int = 5, crisis_offset: int = 2, complaints_per_crisis: int = 3) -> None:
        self.crisis_every = crisis_every
        self.crisis_offset = crisis_offset
        self.complaints_per_crisis = complaints_per_crisis

    def is_crisis(self, tick: int) -> bool:
        return tick % self.crisis_every == self.crisis_offset

    def batch(self, campaign: str, tick: int) -> list[FeedEvent]:
        """The events posted about `campaign` during `tick`."""
        rng = random.Random(f"{campaign}:{tick}")
        events: list[FeedEvent] = []
        if self.is_crisis(tick):
            topic = rng.choice(_TOPICS)
            for i in range(self.complaints_per_crisis):
                events.append(
                    FeedEvent(
                        id=f"{campaign}-{tick}-{i}",
                        tick=tick,
                        kind="complaint",
                        author=rng.choice(_AUTHORS),
                        text=f"Really disappointed: {topic} again #{campaign}",
                        sentiment=round(-0.6 - 0.4 * rng.random(), 2),
                        reach=rng.randrange(500, 8000),
                    )
                )
        for i in range(len(events), len(events) + rng.randrange(1, 4)):
            kind, text = rng.choice(_CHATTER)
            events.append(
                FeedEvent(
                    id=f"{campaign}-{tick}-{i}",
                    tick=tick,
                    kind=kind,  # type: ignore[arg-type]
                    author=rng.choice(_AUTHORS),
                    text=f"{text} #{campaign}",
                    sentiment=round(0.2 + 0.8 * rng.random(), 2),
                    reach=rng.randrange(50, 1500),
                )
            )
        return events

    def engagement(self, reply_id: str) -> int:
        """Likes a public reply gathered (for the responder's follow-up)."""
        return random.Random(f"engagement:{reply_id}").randrange(3, 300)
