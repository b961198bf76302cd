"""Support desk: tickets routed by sentiment, a state machine per ticket, podium watching itself.

- **Routing**: each ticket's text is scored by `SentimentScorer` (offline, no download); angry
  tickets (score below -0.3) go to the `senior-agents` queue with priority 10, the rest to
  `agents`. The lane is recorded on the workflow (search attributes `lane`, `router`).
- **Agents are workers**: `podium worker examples.support_desk:app --queues senior-agents`
  is the senior team; `--queues agents` the others.
- **A state machine per ticket**: open -> assigned -> answered | escalated -> closed.
- **Self-driving**: telemetry is on; when more than 30% of the knowledge-base lookups fail,
  a rule opens the `kb` breaker (replies are then drafted by a person: the ticket is
  escalated instead of waiting on a dead service) and, once it has been closed again for a
  minute, another rule publishes `support.kb-back`. Anomalies (the lookups' latency and
  failures) are stored and published as `podium.anomaly`.

    python examples/support_desk.py     # a simulated morning: 90 minutes in a few seconds

The simulation runs the real engine and store under a fake clock (`podium.testing.TestEnv`),
so the anomaly detector gets the hour of history it needs; the knowledge base goes down at
09:15 for eight minutes. Serving it for real uses the store of PODIUM_DATABASE_URL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import random
from typing import Any

import podium
from podium.intelligence import SentimentScorer, actions, conditions
from podium.testing import TestEnv

START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
ONE_TRY = podium.RetryPolicy(max_attempts=1)

app = podium.App("support-desk")
app.telemetry(flush_interval=5.0)
app.circuit_breaker("kb", min_calls=1_000_000, cooldown=60.0, half_open_calls=2)

router = app.router(
    "support",
    score=SentimentScorer(),
    lanes={"urgent": (-1.0, -0.3), "normal": (-0.3, 1.0)},
    queue_of={"urgent": "senior-agents", "normal": "agents"},
    priority_of={"urgent": 10},
)

ticket = app.state_machine(
    "ticket",
    initial="open",
    transitions=[
        ("assign", "open", "assigned"),
        ("answer", "assigned", "answered"),
        ("escalate", "assigned", "escalated"),
        ("close", "answered", "closed"),
        ("close", "escalated", "closed"),
    ],
    final=["closed"],
)


class KnowledgeBase:
    """The answers service: about 100 ms a lookup; while `down`, most lookups time out."""

    def __init__(self) -> None:
        self.down = False
        self.rng = random.Random(11)
        self.clock: Any = None
        """A fake clock to spend a lookup's time on (None: the lookup takes no time)."""

    def lookup(self, text: str) -> str:
        """A suggested answer for `text`."""
        slow = self.down and self.rng.random() < 0.7
        if self.clock is not None:
            self.clock.advance(self.rng.uniform(2.0, 3.0) if slow else self.rng.uniform(0.05, 0.15))
        if slow:
            raise TimeoutError("knowledge base timed out")
        return f"see article {hash(text) % 900 + 100}"


kb = KnowledgeBase()


def move(ticket_id: str, event: str, payload: Any = None) -> str:
    """Send `event` to a ticket; a retried step that already moved it does nothing more."""
    try:
        return ticket.send(ticket_id, event, payload).target
    except podium.InvalidTransition:
        return ticket.state(ticket_id)


@app.step
def assign(ticket_id: str, team: str) -> str:
    return move(ticket_id, "assign", {"team": team})


@app.step(retry=ONE_TRY, circuit="kb")
def draft_reply(text: str) -> str:
    return kb.lookup(text)


@app.step
def answer(ticket_id: str, reply: str) -> str:
    move(ticket_id, "answer", {"reply": reply})
    return move(ticket_id, "close")


@app.step
def escalate(ticket_id: str, why: str) -> str:
    move(ticket_id, "escalate", {"why": why})
    return move(ticket_id, "close")


@app.workflow
def work_ticket(ticket_id: str, text: str, team: str) -> str:
    """An agent takes the ticket, drafts a reply from the knowledge base, or escalates."""
    assign(ticket_id, team)
    try:
        reply = draft_reply(text)
    except Exception as exc:  # the lookup failed or the kb breaker is open
        return escalate(ticket_id, f"{type(exc).__name__}: {exc}")
    return answer(ticket_id, reply)


def open_ticket(ticket_id: str, text: str) -> str:
    """Intake: the ticket's machine, then its work routed by the text's sentiment."""
    ticket.create(ticket_id, {"text": text})
    lane = router.route(text)
    team = "senior agents" if lane == "urgent" else "agents"
    router.start(work_ticket, ticket_id, text, team, text=text, id=f"work-{ticket_id}")
    return lane


kb_failing = conditions.FailureRate("draft_reply", above=0.3, over=120, min_count=4)
app.remediate(
    "kb-failing",
    when=lambda s: kb_failing(s) if s.breaker_closed("kb", for_seconds=120) else "",
    do=actions.open_breaker("kb"),
)
app.remediate(
    "kb-back",
    when=lambda s: s.breaker_recovered("kb", for_seconds=60),
    do=actions.publish("support.kb-back"),
    cooldown=900,
)

TICKETS = [
    "How do I change my delivery address?",
    "Can you send me an invoice for order 1042?",
    "Thanks, the new app is great, just one question about returns.",
    "My order never arrived and nobody answers, this is unacceptable, I want a refund now!",
    "The app crashed again and I lost my cart. Furious.",
    "Where can I find the size guide?",
    "I was charged twice, this is a scam, terrible service.",
    "Is the blue mug dishwasher safe?",
]


@dataclasses.dataclass
class Morning:
    """What a simulated morning did."""

    lanes: dict[str, int]
    states: dict[str, int]
    escalated_during_outage: int
    anomalies: list[str]
    decisions: list[str]


def simulate(minutes: int = 90, per_minute: int = 3, outage: tuple[int, int] = (75, 83)) -> Morning:
    """Run a morning of tickets on a fake clock; the knowledge base is down during `outage`."""
    rng = random.Random(5)
    lanes: dict[str, int] = {}
    escalated = 0
    with TestEnv(app, start=START) as env:
        kb.clock = env.clock
        begin = START.timestamp()
        for minute in range(minutes):
            for k in range(per_minute):
                at = begin + 60 * minute + k * 60 / per_minute
                env.advance(max(0.0, at - env.now()))
                kb.down = outage[0] <= minute < outage[1]
                text = rng.choice(TICKETS)
                lane = open_ticket(f"T-{minute:03d}-{k}", text)
                lanes[lane] = lanes.get(lane, 0) + 1
                env.run_until_idle()
                if kb.down and ticket.state(f"T-{minute:03d}-{k}") == "closed":
                    history = ticket.history(f"T-{minute:03d}-{k}")
                    escalated += any(h.event == "escalate" for h in history)
                app.tick()
        env.advance(60.0)
        app.tick()
        states: dict[str, int] = {}
        for info in app.list(workflow="work_ticket", limit=10_000):
            states[info.status] = states.get(info.status, 0) + 1
        anomalies = [a.message for a in reversed(app.anomalies())]
        decisions = [f"{d.at:%H:%M:%S} {d.rule}: {d.result}" for d in reversed(app.remediations())]
        kb.clock = None
    return Morning(lanes, states, escalated, anomalies, decisions)


def main() -> None:
    """Simulate a morning and print what podium saw and did (warnings kept out of it)."""
    logging.getLogger("podium").setLevel(logging.ERROR)
    morning = simulate()
    print(f"tickets by lane: {morning.lanes}")
    print(f"ticket work: {morning.states}")
    print(f"escalated while the knowledge base was down: {morning.escalated_during_outage}")
    print("anomalies:")
    for message in morning.anomalies:
        print(f"  {message}")
    print("remediation decisions:")
    for decision in morning.decisions:
        print(f"  {decision}")


if __name__ == "__main__":
    main()
