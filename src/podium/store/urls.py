"""Database URLs as people may see them: with the password hidden."""

from __future__ import annotations

import urllib.parse


def redact(url: str) -> str:
    """`url` with its password replaced by `***`, fit to print or log."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return urllib.parse.urlunsplit(parsed._replace(netloc=netloc))
    return url
