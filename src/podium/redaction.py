"""Redaction: sensitive values are marked where they are stored and masked wherever shown.

`@app.workflow(redact=["card.number", "ssn"])` and `@app.step(redact=[...])` name paths of
dict keys. When a payload of that workflow or step is stored (the workflow's input and
output, step results), the value at each matching path is wrapped in a `redacted` type tag;
`podium.Secret(value)` is stored under a `secret` tag. Reading the payload back for the
workflow gives the real value (a `Secret` stays a `Secret`), while every place that *shows*
payloads (HTTP API, dashboard, CLI `show`/`export`) renders both tags as `*****` through
`view`, unless the caller holds the `secrets` scope. Error messages and tracebacks stored or
logged by the engine are passed through `scrub`, which masks the sensitive strings of the
workflow's input and results, so a `ValueError(f"bad card {number}")` does not leak either.

Path matching: a path is a dot-separated list of keys (`card.number`). It matches wherever
its first key appears, at any depth, and lists are walked through (so `items.sku` marks the
`sku` of every item). A workflow's input is matched with its parameter names as the outer
keys: `redact=["ssn"]` marks the argument `ssn` as well as any `ssn` key inside the others.
Over-marking is the safe direction: when in doubt a value is masked.

The stored text keeps the real value (inside the tag): with `App(codecs=[Encryption(...)])`
it is encrypted at rest like every payload.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from podium import errors

TAG = "__podium__"
MASK = "*****"
SECRET, REDACTED = "secret", "redacted"
_MARKS = frozenset({SECRET, REDACTED})
_MARK_TEXT = (f'"{TAG}":"{SECRET}"', f'"{TAG}":"{REDACTED}"')
MIN_SCRUB = 4
"""Shorter sensitive strings are not scrubbed from messages (they would mask ordinary words)."""


class Secret:
    """A value that prints as `*****` everywhere: repr, str, logs, the API, the dashboard.

    The workflow reads it with `.reveal()`. It is stored under a `secret` tag (encrypted at
    rest when the app has an `Encryption` codec) and comes back as a `Secret`.
    """

    __slots__ = ("_value",)

    def __init__(self, value: Any) -> None:
        self._value = value

    def reveal(self) -> Any:
        """The real value."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({MASK!r})"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash((Secret, repr(type(self._value))))

    def __reduce__(self) -> Any:
        raise TypeError("podium.Secret cannot be pickled")


def check_paths(paths: str | Sequence[str] | None, owner: str) -> tuple[str, ...]:
    """Validate `redact=`: a list of non-empty dot paths; ConfigurationError names the bad one."""
    if paths is None:
        return ()
    if isinstance(paths, str):
        paths = [paths]
    out = []
    for path in paths:
        if (
            not isinstance(path, str)
            or not path
            or any(not part for part in path.split("."))
            or "\x00" in path
        ):
            raise errors.ConfigurationError(
                f"{owner}: redact path {path!r} must be dot-separated dict keys, "
                'e.g. redact=["card.number", "ssn"]'
            )
        out.append(path)
    return tuple(dict.fromkeys(out))


def has_marks(text: str | None) -> bool:
    """Whether the stored JSON `text` holds a secret or redacted value (a cheap text test)."""
    return text is not None and (_MARK_TEXT[0] in text or _MARK_TEXT[1] in text)


# -- marking on the way in ----------------------------------------------------------------------


def mark_text(
    text: str,
    paths: Sequence[str],
    names: Sequence[str] = (),
    values: frozenset[str] = frozenset(),
) -> str:
    """Stored JSON `text` with the values at `paths` wrapped in a `redacted` tag.

    `names` are a call's parameter names when `text` is a call (`{"args": [...], ...}`):
    then the paths also match the arguments by name. Text leaves equal to one of `values`
    (sensitive values seen earlier in the workflow) are marked wherever they are, so a
    value passed on from a redacted input or result stays masked.
    """
    if not paths and not values:
        return text
    split = [tuple(p.split(".")) for p in paths]
    raw = json.loads(text)
    if values:
        raw = _mark_values(raw, values)
    if names and isinstance(raw, dict) and isinstance(raw.get("args"), list):
        args, kwargs = raw["args"], raw.get("kwargs") or {}
        named = {names[i]: a for i, a in enumerate(args) if i < len(names)}
        named.update(kwargs)
        marked = _mark(named, split)
        for i in range(len(args)):
            args[i] = marked[names[i]] if i < len(names) else _mark(args[i], split)
        raw["kwargs"] = {k: marked[k] for k in kwargs}
    else:
        raw = _mark(raw, split)
    return json.dumps(raw, separators=(",", ":"), ensure_ascii=True)


def _mark_values(value: Any, values: frozenset[str]) -> Any:
    if isinstance(value, list):
        return [_mark_values(v, values) for v in value]
    if isinstance(value, dict):
        if value.get(TAG) in _MARKS:
            return value
        return {k: _mark_values(v, values) for k, v in value.items()}
    if isinstance(value, str) and value in values:
        return {TAG: REDACTED, "v": value}
    return value


def _mark(value: Any, paths: Sequence[tuple[str, ...]]) -> Any:
    if isinstance(value, list):
        return [_mark(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    tag = value.get(TAG)
    if tag is not None:
        if tag in ("dataclass", "pydantic") and isinstance(value.get("v"), dict):
            return {**value, "v": _mark(value["v"], paths)}
        if tag == "dict" and isinstance(value.get("v"), list):
            pairs = dict(value["v"])
            return {TAG: "dict", "v": [[k, v] for k, v in _mark(pairs, paths).items()]}
        return value  # already marked, or a scalar type
    out = {}
    for key, item in value.items():
        whole = any(p == (key,) for p in paths)
        if whole:
            out[key] = {TAG: REDACTED, "v": item}
            continue
        rest = [p[1:] for p in paths if len(p) > 1 and p[0] == key]
        item = _mark(item, paths)
        out[key] = _mark(item, rest) if rest else item
    return out


# -- showing -------------------------------------------------------------------------------------


def view(value: Any, *, reveal: bool = False) -> Any:
    """A stored payload (parsed JSON, tags kept) as shown: sensitive values as `*****`.

    With `reveal=True` (callers holding the `secrets` scope) they show as their values.
    """
    if isinstance(value, list):
        return [view(v, reveal=reveal) for v in value]
    if not isinstance(value, dict):
        return value
    if value.get(TAG) in _MARKS:
        return view(value.get("v"), reveal=True) if reveal else MASK
    return {k: view(v, reveal=reveal) for k, v in value.items()}


def view_text(text: str | None, *, reveal: bool = False) -> str | None:
    """Stored JSON text as shown (see `view`); text without marks is returned as it is."""
    if text is None or not has_marks(text):
        return text
    try:
        return json.dumps(view(json.loads(text), reveal=reveal))
    except ValueError:
        return text


# -- scrubbing messages ---------------------------------------------------------------------------


def sensitive_values(texts: Iterable[str | None]) -> frozenset[str]:
    """The text forms of every marked value in these stored payloads (for `scrub`)."""
    found: set[str] = set()
    for text in texts:
        if has_marks(text):
            try:
                _collect(json.loads(text or "null"), False, found)
            except ValueError:
                continue
    return frozenset(s for s in found if len(s) >= MIN_SCRUB)


def _collect(value: Any, inside: bool, found: set[str]) -> None:
    if isinstance(value, list):
        for v in value:
            _collect(v, inside, found)
    elif isinstance(value, dict):
        if value.get(TAG) in _MARKS:
            _collect(value.get("v"), True, found)  # the value, not the tag's own name
            return
        for v in value.values():
            _collect(v, inside, found)
    elif inside and isinstance(value, str):
        found.add(value)
    elif inside and isinstance(value, int | float) and not isinstance(value, bool):
        found.add(str(value))


def scrub_value(value: Any, values: frozenset[str]) -> Any:
    """A value as shown (parsed JSON) with each of `values` masked in its strings and numbers.

    For what a workflow computed from its sensitive values rather than stored under a mark:
    its search attributes, query and update answers.
    """
    if not values:
        return value
    if isinstance(value, str):
        return MASK if value in values else scrub(value, values)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return MASK if str(value) in values else value
    if isinstance(value, dict):
        return {k: scrub_value(v, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub_value(v, values) for v in value]
    return value  # not JSON: encode it first (the server does, with jsonable_encoder)


def scrub(text: str, values: frozenset[str]) -> str:
    """`text` with each of `values` replaced by `*****` (longest first)."""
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text
