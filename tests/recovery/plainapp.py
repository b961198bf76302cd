"""The smallest app a `podium worker` process can serve (its URL comes from --database-url)."""

import podium

app = podium.App("plainapp")


@app.workflow
def hello(name: str) -> str:
    """A greeting."""
    return f"hello {name}"
