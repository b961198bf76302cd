"""The example of docs/governance.md runs as written."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest

DOC = Path(__file__).parents[2] / "docs" / "governance.md"


def test_the_governance_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = re.findall(r"```python\n(# governance_example\.py\n.*?)```", DOC.read_text(), re.S)
    assert len(blocks) == 1
    script = tmp_path / "governance_example.py"
    script.write_text(blocks[0])
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(script), run_name="__main__")
    assert (tmp_path / "governance-example.db").exists()
