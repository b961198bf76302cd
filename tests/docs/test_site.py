"""The documentation site builds in strict mode, and its API reference lists every public name.

Strict mode turns every warning into a failure: a broken link between pages, a missing
anchor, an example snippet whose file moved, a docstring mkdocstrings cannot render.
"""

import re
import subprocess
import sys
from pathlib import Path

import podium

ROOT = Path(__file__).parents[2]


def test_the_site_builds_in_strict_mode(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    reference = (tmp_path / "reference" / "podium" / "index.html").read_text()
    assert 'id="podium.RetryPolicy"' in reference
    patterns = (tmp_path / "patterns" / "index.html").read_text()
    assert "compensate" in patterns, "the saga example's source is included in the page"


def test_the_reference_page_names_every_public_name() -> None:
    page = (ROOT / "docs" / "reference" / "podium.md").read_text()
    listed = set(re.findall(r"^ {8}- (\w+)$", page, re.M))
    assert listed == set(podium.__all__) - {"App"}


def test_every_page_is_in_the_navigation() -> None:
    config = (ROOT / "mkdocs.yml").read_text()
    pages = {p.relative_to(ROOT / "docs").as_posix() for p in (ROOT / "docs").rglob("*.md")}
    missing = sorted(p for p in pages if p not in config)
    assert not missing, f"add these pages to the nav in mkdocs.yml: {missing}"
