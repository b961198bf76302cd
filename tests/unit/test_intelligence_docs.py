"""The code blocks of docs/intelligence.md run as written."""

import re
from pathlib import Path

import pytest

pytest.importorskip("numpy")

DOC = Path(__file__).parents[2] / "docs" / "intelligence.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S)


@pytest.mark.parametrize("index", range(len(blocks())))
def test_the_docs_block_runs(index: int) -> None:
    code = compile(blocks()[index], f"{DOC.name} block {index + 1}", "exec")
    exec(code, {"__name__": f"docs_block_{index}"})


def test_the_docs_have_blocks() -> None:
    assert len(blocks()) >= 2
