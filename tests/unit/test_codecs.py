"""The codec chain on its own: round trips, rotation, plaintext passthrough, clear errors."""

from __future__ import annotations

import pytest

import podium
from podium import codecs

K1, K2 = codecs.generate_key(), codecs.generate_key()
TEXT = '{"card": "4111 1111 1111 1111", "items": ' + '["x"], ' * 50 + '"end": "\\ud800"}'


def ring(current: str = "k1", **keys: str) -> codecs.KeyRing:
    return codecs.KeyRing(keys or {"k1": K1}, current=current)


@pytest.mark.parametrize(
    "made",
    [
        [codecs.Compression()],
        [codecs.Encryption(ring())],
        [codecs.Compression(), codecs.Encryption(ring())],
        [codecs.Encryption(ring()), codecs.Compression()],
    ],
)
def test_round_trip_and_prefix(made: list[codecs.Codec]):
    chain = codecs.Chain(made)
    stored = chain.encode(TEXT)
    assert stored.startswith(codecs.PREFIX) and "4111" not in stored
    assert chain.decode(stored) == TEXT
    assert chain.is_current(stored)


def test_plaintext_reads_as_is_and_small_payloads_are_not_inflated_by_compression():
    chain = codecs.Chain([codecs.Compression()])
    assert chain.decode('{"a": 1}') == '{"a": 1}'
    assert chain.decode(chain.encode("1")) == "1"


def test_rotation_reads_old_key_and_reports_a_missing_one():
    old = codecs.Chain([codecs.Encryption(ring())])
    stored = old.encode(TEXT)
    rotated = codecs.Chain([codecs.Encryption(ring("k2", k1=K1, k2=K2))])
    assert rotated.decode(stored) == TEXT
    assert not rotated.is_current(stored)
    assert rotated.is_current(rotated.encode(TEXT))
    only_new = codecs.Chain([codecs.Encryption(ring("k2", k2=K2))])
    with pytest.raises(podium.SerializationError, match="'k1'"):
        only_new.decode(stored)


def test_tampering_and_missing_codecs_are_serialization_errors():
    chain = codecs.Chain([codecs.Encryption(ring())])
    stored = chain.encode(TEXT)
    body = stored[-10:]
    flipped = stored[:-10] + ("A" if body[0] != "A" else "B") + body[1:]
    with pytest.raises(podium.SerializationError):
        chain.decode(flipped)
    with pytest.raises(podium.SerializationError, match="'aes'"):
        codecs.Chain([codecs.Compression()]).decode(stored)
    with pytest.raises(podium.SerializationError):
        chain.decode("~c1:aes:not base64!")


def test_configuration_errors():
    with pytest.raises(podium.ConfigurationError, match="32 bytes"):
        codecs.KeyRing({"k": b"short"}, current="k")
    with pytest.raises(podium.ConfigurationError, match="not in the ring"):
        codecs.KeyRing({"k1": K1}, current="k9")
    with pytest.raises(podium.ConfigurationError, match="twice"):
        codecs.Chain([codecs.Compression(), codecs.Compression()])
    with pytest.raises(podium.ConfigurationError):
        podium.App("x", codecs="zip")  # type: ignore[arg-type]
    assert podium.App("x", codecs=[]).codecs is None
    assert K1 not in repr(ring())
