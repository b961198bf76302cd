"""The state-runner table (podium.asl.runners) is complete once podium.asl is imported."""

import subprocess
import sys

STATE_TYPES = {"Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"}


def test_every_state_type_has_a_runner_after_import():
    probe = (
        "import podium.asl\n"
        "from podium.asl import runners\n"
        "print(','.join(sorted(runners.RUNNERS)))"
    )
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert set(output.strip().split(",")) == STATE_TYPES


def test_an_interpreter_module_alone_still_finds_every_runner():
    """Importing a submodule runs podium/asl/__init__ first, which fills the table."""
    probe = "from podium.asl import interpreter, runners\nprint(len(runners.RUNNERS))"
    output = subprocess.run(
        [sys.executable, "-c", probe], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert int(output) == len(STATE_TYPES)
