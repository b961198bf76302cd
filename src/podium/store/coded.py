"""A store whose payload columns pass through an App's codec chain (`podium.codecs`).

Every store verb and feature store runs its SQL through one `Connector`, so this is the one
boundary where payload text enters and leaves the database. `CodedConnector` encodes the
statement parameters that carry payloads and decodes the same columns in the rows it reads;
everything else passes through untouched. An App without codecs does not use it at all.

Payload columns, by name: `input` and `output` (workflows), `payload` (history, events,
messages, state-machine moves), `data` (state-machine data) and `result` (update results);
`children` is the JSON list a parent creates its children from (each with an `input` and a
history `payload`). Search attributes, names, statuses and error messages stay in clear: the
store filters and indexes on them.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

from podium.store import base, wrapped

PAYLOAD_COLUMNS = frozenset({"input", "output", "payload", "data", "result"})
_CHILD_PAYLOADS = ("input", "payload")


class PayloadCoder(Protocol):
    """Text in and out of the payload columns: a `codecs.Chain` or `blobs.ClaimChecks`."""

    def encode(self, text: str) -> str:
        """`text` as stored."""
        ...

    def decode(self, text: str) -> str:
        """The payload a stored text holds (stored forms begin with `~`; JSON never does)."""
        ...


class CodedConnector(wrapped.WrappedConnector):
    """`inner` with payload parameters encoded and payload columns decoded by `chain`."""

    def __init__(self, inner: base.Connector, chain: PayloadCoder) -> None:
        super().__init__(inner)
        self.chain = chain

    def encode_params(self, params: Mapping[str, Any]) -> Mapping[str, Any]:
        """`params` with their payload values encoded (the same object if none is a payload)."""
        coded: dict[str, Any] | None = None
        for name, value in params.items():
            if isinstance(value, str):
                if name in PAYLOAD_COLUMNS:
                    new = self.chain.encode(value)
                elif name == "children":
                    new = self._encode_children(value)
                else:
                    continue
                if coded is None:
                    coded = dict(params)
                coded[name] = new
        return params if coded is None else coded

    def _encode_children(self, text: str) -> str:
        children = json.loads(text)
        for child in children:
            for key in _CHILD_PAYLOADS:
                if isinstance(child.get(key), str):
                    child[key] = self.chain.encode(child[key])
        return json.dumps(children)

    def decode_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`rows` with their encoded payload columns decoded, in place."""
        decode = self.chain.decode
        for row in rows:
            for name in PAYLOAD_COLUMNS.intersection(row):
                value = row[name]
                if isinstance(value, str) and value.startswith("~"):
                    row[name] = decode(value)
        return rows

    def _result(self, result: base.Result) -> base.Result:
        if result.rows:
            self.decode_rows(result.rows)
        return result

    def execute(
        self, sql: str, params: Mapping[str, Any], *, idempotent: bool = False
    ) -> base.Result:
        """See `base.Connector.execute`."""
        result = self._inner.execute(sql, self.encode_params(params), idempotent=idempotent)
        return self._result(result)

    def query(self, sql: str, params: Mapping[str, Any]) -> list[dict[str, Any]]:
        """See `base.Connector.query`."""
        return self.decode_rows(self._inner.query(sql, self.encode_params(params)))

    @contextlib.contextmanager
    def transaction(self) -> Iterator[base.Execute]:
        """See `base.Connector.transaction`."""
        with self._inner.transaction() as execute:

            def run(sql: str, params: Mapping[str, Any]) -> base.Result:
                return self._result(execute(sql, self.encode_params(params)))

            yield run


class CodedStore(wrapped.WrappedStore):
    """The store verbs of `inner`'s database, with payloads through `chain`."""

    def __init__(self, inner: base.Store, chain: PayloadCoder) -> None:
        super().__init__(inner, CodedConnector(inner.connector, chain))
        self.chain = chain
