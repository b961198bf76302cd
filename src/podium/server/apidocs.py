"""`/docs`: the API reference as one self-contained HTML page built from the OpenAPI schema.

Swagger UI would load scripts from a CDN; this page has no script and no external asset, so
it works offline and under a strict Content-Security-Policy. The raw schema stays at
`/openapi.json` for tools.
"""

from __future__ import annotations

from html import escape
from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def page(schema: dict[str, Any]) -> str:
    """The reference page of `schema` (an OpenAPI document)."""
    info = schema.get("info", {})
    sections: dict[str, list[str]] = {}
    for path, item in sorted(schema.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            sections.setdefault(tag, []).append(_operation(method, path, op))
    toc = "".join(f'<li><a href="#tag-{escape(t)}">{escape(t)}</a></li>' for t in sections)
    body = "".join(
        f'<section id="tag-{escape(tag)}"><h2>{escape(tag)}</h2>{"".join(ops)}</section>'
        for tag, ops in sections.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(str(info.get("title", "API")))} · API reference</title>
<link rel="stylesheet" href="/dashboard/static/podium.css"></head>
<body><header><a class="brand" href="/dashboard">podium</a>
<nav class="pages"><a href="/openapi.json">openapi.json</a></nav></header>
<main id="api-docs"><h1>{escape(str(info.get("title", "API")))}</h1>
<p>{escape(str(info.get("description", "")))}</p><ul class="toc">{toc}</ul>{body}</main>
</body></html>"""


def _operation(method: str, path: str, op: dict[str, Any]) -> str:
    params = "".join(
        f"<li><code>{escape(str(p.get('name')))}</code> <span class='muted'>"
        f"({escape(str(p.get('in')))}{', required' if p.get('required') else ''})</span></li>"
        for p in op.get("parameters", [])
    )
    codes = ", ".join(escape(str(c)) for c in op.get("responses", {}))
    doc = escape(str(op.get("description") or op.get("summary") or ""))
    return (
        f'<div class="api-op"><h3><code>{method.upper()} {escape(path)}</code></h3>'
        f"<p>{doc}</p>{f'<ul>{params}</ul>' if params else ''}"
        f'<p class="muted">responses: {codes}</p></div>'
    )
