"""Every program in examples/ runs as a new user runs it: `python examples/NAME.py`.

Each runs in a fresh directory on its own SQLite file, from the repository root's copy, and
must exit 0; the docs' patterns page includes these files, so what it shows is what ran here.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parents[2] / "examples").glob("*.py"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_the_example_runs(example: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PODIUM_DATABASE_URL": f"sqlite:///{tmp_path / 'example.db'}"}
    done = subprocess.run(
        [sys.executable, str(example)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
    )
    assert done.returncode == 0, (
        f"{example.name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    )
    assert done.stdout.strip(), f"{example.name} printed nothing"
    assert "Traceback" not in done.stderr
