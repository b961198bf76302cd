"""Queues and schedules of an `App`: declaring limits, pausing, statistics, running a tick now."""

from __future__ import annotations

from podium import arguments, errors
from podium import workflow as workflow_mod
from podium.application import starting
from podium.patterns import pausing
from podium.patterns import queues as queues_mod
from podium.patterns import schedule as schedule_mod


class QueueVerbs(starting.Starting):
    """Declare queues and steer queues and schedules across every worker of the store."""

    def queue(
        self,
        name: str,
        concurrency: int | None = None,
        per_key_concurrency: int | None = None,
        rate_limit: tuple[int, float] | None = None,
        max_depth: int | None = None,
        priority: bool = True,
    ) -> queues_mod.QueueConfig:
        """Declare a queue's limits, enforced across all workers (see podium.patterns.queues).

        `concurrency` running at once, `per_key_concurrency` per start `key=`, `rate_limit=(n,
        seconds)` first starts per window, `max_depth` pending before `start` raises QueueFull.
        """
        config = queues_mod.define(
            name, concurrency, per_key_concurrency, rate_limit, max_depth, priority
        )
        self._queues[name] = config
        if self._runtime is not None:
            queues_mod.sync(self._runtime, {name: config})
        return config

    def queue_stats(self, name: str) -> queues_mod.QueueStats:
        """Depth, running, oldest pending age and throughput of queue `name` now."""
        return queues_mod.stats(self.runtime, arguments.check_name(name, "queue"))

    def schedules(self) -> list[schedule_mod.ScheduleInfo]:
        """Every schedule stored in this app's store, with its next run and pause state."""
        return schedule_mod.listing(self.runtime.store)

    def pause_schedule(self, name: str) -> None:
        """Stop firing schedule `name` (on every worker) until `resume_schedule`."""
        schedule_mod.pause(self.runtime.store, name, self.runtime.clock.time())

    def resume_schedule(self, name: str) -> None:
        """Fire schedule `name` again from its next tick; ticks missed while paused are skipped."""
        schedule_mod.resume(self.runtime.store, name, self.runtime.clock.time())

    def trigger_schedule(self, name: str) -> workflow_mod.WorkflowHandle:
        """Run schedule `name`'s workflow once now, beside its ticks (which it does not move).

        The run's id is `NAME@manual:TIME`; a one-parameter workflow gets the moment as its
        tick. The workflow must be declared in this app (its signature decides the argument).
        """
        run = schedule_mod.trigger(self.runtime.store, name, self.runtime.clock.time())
        definition = self.registry.workflows.get(run.workflow)
        if definition is None:
            raise errors.ConfigurationError(
                f"schedule {name!r} runs workflow {run.workflow!r}, which app {self.name!r} "
                "does not declare; trigger it from the app that defines it"
            )
        args = (run.tick,) if definition.signature.parameters else ()
        return self.start(definition, *args, id=run.id, queue=run.queue)

    def pause_queue(self, name: str) -> None:
        """Stop every worker claiming from queue `name` (runs in progress go on)."""
        pausing.pause_queue(self.runtime, name)

    def resume_queue(self, name: str) -> None:
        """Claim from queue `name` again after `pause_queue`."""
        pausing.resume_queue(self.runtime, name)

    def paused_queues(self) -> list[str]:
        """The names of the queues paused in this app's store."""
        return pausing.paused_queues(self.runtime)
