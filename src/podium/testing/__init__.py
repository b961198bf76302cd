"""Testing aids for podium users: time skipping, fault points and replay.

```python
from podium.testing import TestEnv
with TestEnv(app) as env:
    handle = env.start(checkout, order)
    env.advance(hours=2)            # timers, retry backoffs and schedules fire, in order
    env.run_until_idle()
    assert handle.result() == ...
podium.testing.replay(app, "run.json")   # NonDeterminismError if today's code diverges
```

Also a pytest plugin (fixture `podium_env`, see `podium.testing.plugin`). See docs/testing.md.
"""

from podium.errors import NonDeterminismError
from podium.testing.crash import WorkerCrash
from podium.testing.env import TestEnv
from podium.testing.faultystore import InjectedStoreFault
from podium.testing.history import History, export
from podium.testing.replay import histories, replay, replay_folder

__all__ = [
    "History",
    "InjectedStoreFault",
    "NonDeterminismError",
    "TestEnv",
    "WorkerCrash",
    "export",
    "histories",
    "replay",
    "replay_folder",
]
