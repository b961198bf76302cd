"""A small accessibility check run inside Chromium on a dashboard page (axe-style, basic rules).

`problems(driver)` returns one sentence per problem found on the page the driver shows:
the document's `lang`; every visible form control labelled; images with `alt` and SVGs with a
title (or hidden from assistive tech); headings starting at h1 and never skipping a level;
buttons and links with a name; and WCAG AA contrast (4.5:1, 3:1 for large text) of the text
of every visible element that has its own text, against its effective background.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHECK = (Path(__file__).parent / "a11y.js").read_text()
"""The check (a function body run by `execute_script`; it returns the problems)."""


def problems(driver: Any) -> list[str]:
    """The accessibility problems of the page `driver` shows (empty when none)."""
    found: list[str] = driver.execute_script(CHECK)
    return found
