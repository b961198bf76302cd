"""The README's five-minute tour runs as written (on a temporary database)."""

import re
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"


def test_the_readme_tour_runs(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[:2]
    code = "\n".join(blocks)
    assert "payments" in code and "cool_off" in code
    script = tmp_path / "tour.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={"PODIUM_DATABASE_URL": f"sqlite:///{tmp_path / 'tour.db'}", "PATH": "/usr/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert "TRACK-" in done.stdout
