"""The complete example of docs/testing.md runs as written (under pytester)."""

import re
from pathlib import Path

pytest_plugins = ["pytester"]

DOC = Path(__file__).parents[3] / "docs" / "testing.md"


def blocks() -> dict[str, str]:
    """The example's python blocks by the file named in their first line."""
    found = {}
    for block in re.findall(r"```python\n(.*?)```", DOC.read_text(), re.S):
        first = block.splitlines()[0]
        if first.startswith("# ") and first.endswith(".py"):
            found[first[2:]] = block
    return found


def test_the_docs_example_passes(pytester):
    files = blocks()
    assert set(files) == {"shop/workflows.py", "tests/conftest.py", "tests/test_checkout.py"}
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (pytester.path / "shop" / "__init__.py").write_text("")
    histories = pytester.path / "tests" / "histories"
    histories.mkdir()
    # a history recorded by the same code: charge, the first email, then the week's sleep
    pytester.makepyfile(
        record="""
        import json, podium
        from podium.testing import TestEnv, export
        from shop.workflows import app, checkout
        with TestEnv(app) as env:
            h = env.start(checkout, "o-9", 5, id="o-9")
            env.run_until_idle()
            doc = export(app.store, "o-9").to_json()
        open("tests/histories/o-9.json", "w").write(json.dumps(doc))
        """
    )
    pytester.syspathinsert()
    assert pytester.runpython(pytester.path / "record.py").ret == 0
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=4)
