"""The chaos suite at scale: SIGKILL worker processes hundreds of times, then check invariants.

    python benchmarks/chaos.py sqlite --workflows 200 --kills 300
    python benchmarks/chaos.py postgres --workflows 120 --kills 100 --restarts 20

SQLite runs on a file in a temporary directory; PostgreSQL on a throwaway cluster
(`initdb` on a free port, see tests/pgcluster.py), which `--restarts N` stops with
`pg_ctl stop -m immediate` and starts again N times under load, each outage chosen from
shorter than the lease to several times longer. Prints one JSON line per run: kills,
restarts, workflows, executions, re-executions, violations, wall time. The harness and its
checks are tests/chaos/harness.py (the `chaos` test slice runs the same code, smaller).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.chaos import chaosapp, harness  # noqa: E402


def sqlite_run(args: argparse.Namespace, workdir: Path) -> harness.Report:
    """One run on a SQLite file."""
    url = f"sqlite:///{workdir / 'podium.db'}"
    config = make_config(args, url, workdir)
    chaos = chaosapp.build(url, lease_seconds=args.lease)
    chaos.app.store  # noqa: B018 - create the schema before any worker starts
    try:
        return harness.run(config, harness.Db(url), chaos)
    finally:
        chaos.app.close()


def postgres_run(args: argparse.Namespace, workdir: Path) -> harness.Report:
    """One run on a throwaway PostgreSQL cluster, restarted `args.restarts` times."""
    from tests import pgcluster

    with pgcluster.throwaway() as cluster:
        url = cluster.url
        config = make_config(args, url, workdir)
        chaos = chaosapp.build(url, lease_seconds=args.lease)
        chaos.app.store  # noqa: B018

        def restart(rng: random.Random) -> float:
            outage = rng.choice([0.3, 0.6, 1.0, 2.0, 3.0, 4.0]) * args.lease
            cluster.stop()
            time.sleep(outage)
            cluster.start()
            return time.time()

        try:
            return harness.run(config, harness.Db(url), chaos, restart, args.restarts)
        finally:
            chaos.app.close()


def make_config(args: argparse.Namespace, url: str, workdir: Path) -> harness.Config:
    """The harness configuration from the command line."""
    return harness.Config(
        database_url=url,
        workdir=workdir,
        workflows=args.workflows,
        kills=args.kills,
        workers=args.workers,
        concurrency=args.concurrency,
        lease=args.lease,
        rate=args.rate,
        kill_interval=args.kill_interval,
        settle=args.settle,
        seed=args.seed,
    )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print the report; exit 1 on any violation."""
    parser = argparse.ArgumentParser(prog="chaos", description=__doc__.split("\n")[0])
    parser.add_argument("store", choices=["sqlite", "postgres"])
    parser.add_argument("--workflows", type=int, default=200)
    parser.add_argument("--kills", type=int, default=300)
    parser.add_argument("--restarts", type=int, default=0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--lease", type=float, default=1.0)
    parser.add_argument("--rate", type=float, default=4.0, help="workflows started per second")
    parser.add_argument("--kill-interval", type=float, default=0.25)
    parser.add_argument("--settle", type=float, default=240.0)
    parser.add_argument("--seed", type=int, default=int.from_bytes(os.urandom(4), "big"))
    parser.add_argument(
        "--keep", action="store_true", help="keep the work directory (kept anyway on a violation)"
    )
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="podium-chaos-"))
    run = sqlite_run if args.store == "sqlite" else postgres_run
    report = run(args, workdir)
    print(report.line(), flush=True)
    if args.keep or report.violations:
        print(f"seed={args.seed} kept {workdir} (logs of every worker, steps.log)", file=sys.stderr)
    else:
        print(f"seed={args.seed}", file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
