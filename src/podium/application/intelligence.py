"""The self-driving verbs of an `App`: telemetry, anomalies, scaling, remediation, routing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from podium import errors
from podium.application import starting
from podium.patterns import insight, learning, remediation, routing
from podium.patterns import telemetry as telemetry_mod


class IntelligenceVerbs(starting.Starting):
    """Telemetry, anomaly, scaling, remediation and routing verbs (see podium.patterns.insight)."""

    def telemetry(
        self,
        *,
        flush_interval: float = 10.0,
        retention: float = 7 * 86400.0,
        score: bool = True,
        workers: dict[str, tuple[int, int]] | None = None,
        worker_startup: float = 60.0,
        wait_target: float = 10.0,
    ) -> None:
        """Collect per-minute telemetry (see podium.patterns.telemetry); call before workers.

        Every `flush_interval` seconds each worker's process writes its rollups, and (with
        `score`) one process scores complete minutes for anomalies. `retention` seconds are
        kept. `workers={queue: (min, max)}` bounds `scaling()`'s advice; `worker_startup` is
        how many seconds a worker asked for takes to serve (the autoscaler's polling plus a
        pod's start), the horizon the advice forecasts for; `wait_target` the queue wait in
        seconds the advice sizes for (Erlang-C: at most 5% of arrivals wait longer).
        """
        settings = telemetry_mod.TelemetrySettings(
            flush_interval, retention, score, worker_startup, wait_target
        )
        self._worker_bounds = insight.check_bounds(workers or {})
        self._telemetry_settings = settings
        self._replug()

    def anomalies(
        self, since: dt.datetime | float | None = None, limit: int = 100
    ) -> list[insight.Anomaly]:
        """Stored anomalies of the telemetry series at or after `since`, newest first."""
        return insight.anomalies(self.runtime, since, limit)

    def scaling(self) -> dict[str, insight.ScalingAdvice]:
        """Scaling advice for every served queue (see podium.patterns.insight)."""
        rt = self.runtime
        return insight.scaling(rt, self._telemetry, self.served_queues(), self._worker_bounds)

    def remediate(
        self,
        name: str,
        *,
        when: remediation.Condition,
        do: remediation.Do,
        cooldown: float = 300.0,
        dry_run: bool = False,
    ) -> remediation.Rule:
        """Declare a rule: when `when(signals)` holds, do `do` (see podium.patterns.remediation).

        One process in the cluster evaluates it every few seconds beside the workers; it acts
        at most once per `cooldown` seconds; `dry_run=True` records the decision only.
        """
        rule = remediation.define(name, when, do, cooldown, dry_run)
        self.rules.add(rule)
        self._replug()
        return rule

    def tick(self) -> remediation.Round:
        """Run one round of this process's self-driving services now; what it found and did.

        Workers do this on their own every few seconds: flush telemetry, count arrivals,
        score complete minutes for anomalies, evaluate the remediation rules. Call it to
        drive a simulation under a fake clock (`podium.testing.TestEnv`), or from a process
        that runs no worker.
        """
        rt = self.runtime
        found = self._telemetry.tick() if self._telemetry is not None else []
        made = remediation.Evaluator(rt, self.rules, self.served_queues).tick()
        return remediation.Round(found, made)

    def remediations(self, limit: int = 100) -> list[remediation.Decision]:
        """The audited decisions of the remediation rules, newest first."""
        return remediation.decisions(self.runtime, limit)

    def router(
        self,
        name: str,
        *,
        score: object,
        lanes: dict[str, tuple[float, float]] | Sequence[str] | None = None,
        queue_of: dict[str, str] | None = None,
        priority_of: dict[str, int] | None = None,
        reward: learning.Reward | None = None,
    ) -> routing.Router:
        """A router starting items in a lane (queue, priority) by score; see patterns.routing.

        With `score=BanditRouter(lanes)` the lanes are chosen by the bandit, which learns
        from the routed workflows' outcomes (`reward(succeeded, seconds)`; see
        patterns.learning).
        """
        learner = None
        if learning.is_bandit(score):
            learner = learning.Learner(name, score, reward, lambda: self.runtime)  # type: ignore[arg-type]
        elif reward is not None:
            raise errors.ConfigurationError(
                "reward= is for a learned router: pass score=BanditRouter([...lanes])"
            )
        made = routing.Router(
            name, score, lanes, queue_of, priority_of, self.start, self._exists, learner
        )
        self._routed_queues.update(dict.fromkeys(made.queue_of.values()))
        if learner is not None:
            queues = learning.lane_queues(made.names, queue_of)
            self._learners[made.name] = (learner, queues)
            self._replug()
        return made
