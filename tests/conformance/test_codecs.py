"""Payload codecs on both stores: no plaintext in the database, everything reads back.

The check is on the database itself: the SQLite file and its WAL are grepped byte for byte,
and every row of every table of the PostgreSQL schema is read as text.
"""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

import podium
from podium import codecs
from podium.store import events as es

from .conftest import AppFactory

MARKER = "TOP-SECRET-7f3a9c"


def keyring(*ids: str, current: str) -> codecs.KeyRing:
    return codecs.KeyRing({i: KEYS[i] for i in ids}, current=current)


KEYS = {"k1": codecs.generate_key(), "k2": codecs.generate_key()}


def sqlite_bytes(url: str) -> bytes:
    path = Path(url.removeprefix("sqlite:///"))
    found = b""
    for suffix in ("", "-wal", "-journal"):
        part = Path(f"{path}{suffix}")
        if part.exists():
            found += part.read_bytes()
    return found


def postgres_text(url: str) -> str:
    from tests import pg

    schema = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))["schema"]
    texts: list[str] = []
    with pg.connect() as conn:
        tables = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s",
            (schema,),
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(f'SELECT t::text FROM "{schema}"."{table}" t').fetchall()
            texts.extend(str(row[0]) for row in rows)
    return "\n".join(texts)


def database_contains(backend: str, url: str, text: str) -> bool:
    if backend == "sqlite":
        return text.encode() in sqlite_bytes(url)
    return text in postgres_text(url)


def define(app: podium.App) -> Any:
    @app.step
    def enrich(order: dict[str, Any]) -> dict[str, Any]:
        return {**order, "note": f"enriched {order['card']}"}

    @app.workflow
    def child(card: str) -> str:
        return f"child saw {card}"

    @app.workflow
    def checkout(order: dict[str, Any]) -> dict[str, Any]:
        rich = enrich(order)
        kid = podium.gather(podium.start_child(child, order["card"]))
        message = podium.receive("confirm", timeout=30)
        return {"rich": rich, "kid": kid, "message": message}

    return checkout


def run_everything(app: podium.App) -> tuple[dict[str, Any], Any]:
    checkout = define(app)
    handle = app.start(checkout, {"card": MARKER}, id="order-1")
    handle.send("confirm", f"ok {MARKER}")
    app.publish("card.seen", {"card": MARKER}, id="ev-1")
    machine = app.state_machine(
        "ticket", initial="open", transitions=[("start", "open", "busy")], final=["busy"]
    )
    machine.create("T-1", {"card": MARKER})
    machine.send("T-1", "start", {"card": MARKER})
    with app.worker():
        result: dict[str, Any] = handle.result(timeout=20)
    return result, machine


EXPECTED = {
    "rich": {"card": MARKER, "note": f"enriched {MARKER}"},
    "kid": [f"child saw {MARKER}"],
    "message": f"ok {MARKER}",
}


def test_plaintext_without_codecs_is_in_the_database(
    app_factory: AppFactory, backend: str, store_url: str
):
    """The control: the same run without codecs leaves the marker where the greps look."""
    app = app_factory()
    assert run_everything(app)[0] == EXPECTED
    assert database_contains(backend, store_url, MARKER)


@pytest.mark.parametrize("chain", ["encryption", "compression+encryption"])
def test_encrypted_payloads_never_reach_the_database(
    app_factory: AppFactory, backend: str, store_url: str, chain: str
):
    made: list[codecs.Codec] = [codecs.Encryption(keyring("k1", current="k1"))]
    if chain.startswith("compression"):
        made.insert(0, codecs.Compression())
    app = app_factory(codecs=made)
    result, machine = run_everything(app)
    assert result == EXPECTED
    assert app.get("order-1").result(timeout=5) == EXPECTED
    assert machine.get("T-1").data == {"card": MARKER}
    events = es.for_store(app.store).list_events(topic="card.seen")
    assert [json.loads(e.payload or "") for e in events] == [{"card": MARKER}]
    steps = [e for e in app.store.load_history("order-1") if e.kind == "step"]
    assert MARKER in (steps[0].payload or "")  # read back through the codecs
    assert not database_contains(backend, store_url, MARKER)
    # a new app with the same keys reads everything
    again = app_factory("again", codecs=made)
    assert again.get("order-1").result(timeout=5) == EXPECTED


def test_old_keys_stay_readable_after_rotation_and_plaintext_rows_still_read(
    app_factory: AppFactory,
):
    plain = app_factory("plain")

    @plain.workflow
    def echo(text: str) -> str:
        return f"echo {text}"

    assert plain.run(echo, MARKER, id="plain-1") == f"echo {MARKER}"

    old = app_factory("old", codecs=[codecs.Encryption(keyring("k1", current="k1"))])
    assert old.get("plain-1").result(timeout=5) == f"echo {MARKER}"  # written before codecs

    @old.workflow
    def echo2(text: str) -> str:
        return f"echo2 {text}"

    assert old.run(echo2, "under k1", id="k1-1") == "echo2 under k1"

    rotated = app_factory("rotated", codecs=[codecs.Encryption(keyring("k1", "k2", current="k2"))])
    assert rotated.get("k1-1").result(timeout=5) == "echo2 under k1"

    only_new = app_factory("only-new", codecs=[codecs.Encryption(keyring("k2", current="k2"))])
    with pytest.raises(podium.SerializationError, match="'k1'"):
        only_new.get("k1-1").result(timeout=5)
