"""The README's five-minute tour runs as written (on a temporary database), in Python and from
the shell."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
PODIUM = str(Path(sys.executable).with_name("podium"))


def _python_blocks() -> list[str]:
    """The tour's two Python blocks: the app, then running it."""
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[:2]


def test_the_readme_tour_runs(tmp_path: Path) -> None:
    code = "\n".join(_python_blocks())
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


def test_the_readme_shell_commands_run_the_tour_app(tmp_path: Path) -> None:
    """`podium worker` and `podium start` as the README writes them, on the tour's first block
    saved as shop/workflows.py: the started checkout completes."""
    (tmp_path / "shop").mkdir()
    (tmp_path / "shop" / "__init__.py").write_text("")
    (tmp_path / "shop" / "workflows.py").write_text(_python_blocks()[0])
    shell = re.search(r"```bash\n(podium worker .*?)```", README.read_text(), re.S)
    assert shell is not None
    lines = shell.group(1).splitlines()
    worker = shlex.split(next(line for line in lines if line.startswith("podium worker")))
    start = shlex.split(next(line for line in lines if line.startswith("podium start")))
    env = {**os.environ, "PODIUM_DATABASE_URL": f"sqlite:///{tmp_path / 'shop.db'}"}
    log = (tmp_path / "worker.log").open("w")
    proc = subprocess.Popen([PODIUM, *worker[1:]], cwd=tmp_path, env=env, stdout=log, stderr=log)
    try:
        done = subprocess.run(
            [PODIUM, *start[1:], "--wait", "--timeout", "60"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert done.returncode == 0, done.stderr + (tmp_path / "worker.log").read_text()
    assert "TRACK-" in done.stdout
