"""Payload codecs: a chain applied to every stored payload on the way in and out.

`App(codecs=[Compression(), Encryption(keys)])` runs each payload the store writes (workflow
inputs and outputs, step results and errors in history, events, messages, state-machine data)
through the codecs in order, and back through them in reverse when it is read: the Temporal
payload-codec idea. The store applies the chain at its one boundary (its connector), so no
pattern special-cases it, and an app without codecs pays nothing.

The encoded form is text any store column holds: `~c1:<names>:<base64>`, where `<names>` are
the codecs applied, in order (`zip+aes`). JSON text never starts with `~`, so a payload
written before codecs were configured still reads as it is, and a payload written under
another chain reads as long as the app still has a codec of each name it lists. AES-GCM
payloads carry the id of their key, so data written under an old key stays readable after a
rotation while the key stays in the `KeyRing`; `podium rekey` rewrites it under the current one.

`cryptography` is imported only when an `Encryption` is made (`pip install podium[crypto]`).
"""

from __future__ import annotations

import base64
import binascii
import os
import zlib
from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from podium import errors

PREFIX = "~c1:"
"""How an encoded payload begins; JSON text never starts with `~`."""


@runtime_checkable
class Codec(Protocol):
    """One step of the chain: bytes in, bytes out, and back.

    `name` is stored with each payload (letters and digits only), so that a payload is
    decoded by the codecs that encoded it; keep it stable once data is written.
    """

    name: str

    def encode(self, data: bytes) -> bytes:
        """`data` as stored."""
        ...

    def decode(self, data: bytes) -> bytes:
        """The bytes `encode` was given."""
        ...


# -- compression -------------------------------------------------------------------------------

_RAW, _ZLIB, _ZSTD = b"r", b"z", b"s"


def _zstd() -> Any:
    """The `zstandard` module, or None when it is not installed."""
    try:
        import zstandard  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return None
    return zstandard


class Compression:
    """Compress payloads: zstd when `zstandard` is installed, else zlib.

    A payload that would not shrink (small ones) is stored as it is, with a one-byte mark;
    the mark also says which algorithm wrote it, so either reads anywhere zstd is installed.
    """

    name = "zip"

    def __init__(self, *, level: int | None = None, min_size: int = 64) -> None:
        self._zstd = _zstd()
        self._level = level
        self._min_size = min_size

    def encode(self, data: bytes) -> bytes:
        """`data` compressed (or marked raw when compressing would not help)."""
        if len(data) >= self._min_size:
            if self._zstd is not None:
                level = 3 if self._level is None else self._level
                packed = bytes(self._zstd.ZstdCompressor(level=level).compress(data))
                mark = _ZSTD
            else:
                packed, mark = zlib.compress(data, 6 if self._level is None else self._level), _ZLIB
            if len(packed) + 1 < len(data):
                return mark + packed
        return _RAW + data

    def decode(self, data: bytes) -> bytes:
        """The bytes `encode` compressed."""
        mark, body = data[:1], data[1:]
        if mark == _RAW:
            return body
        if mark == _ZLIB:
            return zlib.decompress(body)
        if mark == _ZSTD:
            if self._zstd is None:
                raise errors.SerializationError(
                    "a payload was compressed with zstd, which is not installed here; "
                    "pip install zstandard"
                )
            return bytes(self._zstd.ZstdDecompressor().decompress(body))
        raise errors.SerializationError(f"unknown compression mark {mark!r} in a payload")


# -- encryption --------------------------------------------------------------------------------

KEY_BYTES = 32
NONCE_BYTES = 12


def generate_key() -> str:
    """A new random AES-256 key, as base64 text (what `KeyRing` accepts)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def _key_bytes(key_id: str, key: bytes | str) -> bytes:
    if isinstance(key, str):
        try:
            key = base64.b64decode(key, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.ConfigurationError(
                f"key {key_id!r} is text but not base64; give 32 bytes or base64 of 32 bytes "
                "(podium.codecs.generate_key() makes one)"
            ) from exc
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        size = len(key) if isinstance(key, bytes) else type(key).__name__
        raise errors.ConfigurationError(
            f"key {key_id!r} must be {KEY_BYTES} bytes for AES-256 (got {size}); "
            "podium.codecs.generate_key() makes one"
        )
    return key


class KeyRing:
    """AES-256 keys by id: `current` encrypts, every key decrypts what it once encrypted.

    Rotate by adding a new key and making it current; keep the old ones until `podium rekey`
    has rewritten the data they encrypted. Keys are 32 bytes, or base64 text of 32 bytes.
    """

    def __init__(self, keys: Mapping[str, bytes | str], current: str) -> None:
        if not keys:
            raise errors.ConfigurationError("KeyRing needs at least one key")
        checked: dict[str, bytes] = {}
        for key_id, key in keys.items():
            if not isinstance(key_id, str) or not key_id or len(key_id.encode()) > 255:
                raise errors.ConfigurationError(
                    f"key id {key_id!r} must be a non-empty string of at most 255 bytes"
                )
            checked[key_id] = _key_bytes(key_id, key)
        if current not in checked:
            raise errors.ConfigurationError(
                f"current key {current!r} is not in the ring; its ids are {sorted(checked)}"
            )
        self._keys = checked
        self.current = current

    @property
    def ids(self) -> list[str]:
        """The ids of the keys in the ring."""
        return sorted(self._keys)

    def key(self, key_id: str) -> bytes:
        """The key `key_id`; a SerializationError naming it when the ring lacks it."""
        found = self._keys.get(key_id)
        if found is None:
            raise errors.SerializationError(
                f"a payload is encrypted under key {key_id!r}, which is not in the KeyRing "
                f"(it has {self.ids}); add the old key back to read it"
            )
        return found

    def __repr__(self) -> str:
        return f"KeyRing(ids={self.ids}, current={self.current!r})"


def key_id_of(data: bytes) -> str:
    """The key id an `Encryption` payload was written under."""
    size = data[0] if data else 0
    return data[1 : 1 + size].decode("utf-8", "replace")


class Encryption:
    """AES-256-GCM under the `KeyRing`'s current key; the key id is stored with each payload.

    Stored bytes: key-id length (1 byte), key id, a random 96-bit nonce, then the ciphertext
    and its 128-bit tag. The key id is authenticated (associated data), so a payload cannot
    be passed off as encrypted under another key.
    """

    name = "aes"

    def __init__(self, keys: KeyRing) -> None:
        if not isinstance(keys, KeyRing):
            raise errors.ConfigurationError(
                f"Encryption needs a podium.codecs.KeyRing, got {type(keys).__name__}"
            )
        try:
            from cryptography.hazmat.primitives.ciphers.aead import AESGCM
        except ImportError as exc:
            raise errors.ConfigurationError(
                "podium.codecs.Encryption needs the cryptography package: "
                "pip install 'podium[crypto]'"
            ) from exc
        self.keys = keys
        self._aead = {key_id: AESGCM(keys.key(key_id)) for key_id in keys.ids}

    def encode(self, data: bytes) -> bytes:
        """`data` encrypted under the current key."""
        key_id = self.keys.current.encode()
        header = bytes([len(key_id)]) + key_id
        nonce = os.urandom(NONCE_BYTES)
        return header + nonce + self._aead[self.keys.current].encrypt(nonce, data, header)

    def decode(self, data: bytes) -> bytes:
        """The plaintext of `data`, under whichever key of the ring wrote it."""
        key_id = key_id_of(data)
        aead = self._aead.get(key_id)
        if aead is None:
            self.keys.key(key_id)  # raises, naming the missing key
        assert aead is not None
        header_size = 1 + data[0]
        header = data[:header_size]
        nonce = data[header_size : header_size + NONCE_BYTES]
        from cryptography.exceptions import InvalidTag

        try:
            return bytes(aead.decrypt(nonce, data[header_size + NONCE_BYTES :], header))
        except InvalidTag as exc:
            raise errors.SerializationError(
                f"a payload encrypted under key {key_id!r} failed authentication "
                "(a wrong key under that id, or the stored text was altered)"
            ) from exc


# -- the chain ---------------------------------------------------------------------------------


class Chain:
    """The codecs of an App, in order: text in and out of the store."""

    def __init__(self, codecs: Sequence[Codec]) -> None:
        by_name: dict[str, Codec] = {}
        for codec in codecs:
            if not isinstance(codec, Codec):
                raise errors.ConfigurationError(
                    f"codecs= takes codec objects with name/encode/decode (e.g. "
                    f"podium.codecs.Compression()); got {codec!r}"
                )
            name = codec.name
            if not (isinstance(name, str) and name.isascii() and name.isalnum()):
                raise errors.ConfigurationError(
                    f"codec name {name!r} must be letters and digits (it is stored with data)"
                )
            if name in by_name:
                raise errors.ConfigurationError(f"codecs= names codec {name!r} twice")
            by_name[name] = codec
        self.codecs = list(codecs)
        self._by_name = by_name
        self._names = "+".join(by_name)

    def __bool__(self) -> bool:
        return bool(self.codecs)

    def encode(self, text: str) -> str:
        """`text` (a payload) as stored: through every codec, as `~c1:<names>:<base64>`."""
        data = text.encode("utf-8", "surrogatepass")
        for codec in self.codecs:
            data = codec.encode(data)
        return f"{PREFIX}{self._names}:{base64.b64encode(data).decode('ascii')}"

    def decode(self, text: str) -> str:
        """The payload `text` stored; text that is not encoded (older rows) is returned as is."""
        if not text.startswith(PREFIX):
            return text
        names, data = self.unwrap(text)
        for name in reversed(names):
            codec = self._by_name.get(name)
            if codec is None:
                raise errors.SerializationError(
                    f"a stored payload was encoded with codec {name!r}, which this app does "
                    f"not configure (codecs: {list(self._by_name) or 'none'})"
                )
            try:
                data = codec.decode(data)
            except errors.SerializationError:
                raise
            except Exception as exc:  # corrupt stored bytes: zlib.error, an index error, ...
                raise errors.SerializationError(
                    f"a stored payload could not be decoded by codec {name!r}: {exc}"
                ) from exc
        return data.decode("utf-8", "surrogatepass")

    @staticmethod
    def unwrap(text: str) -> tuple[list[str], bytes]:
        """The codec names and the bytes of an encoded payload `text`."""
        names, sep, body = text[len(PREFIX) :].partition(":")
        try:
            if not sep:
                raise ValueError("no codec names")
            return names.split("+"), base64.b64decode(body, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise errors.SerializationError(
                f"a stored payload is not valid encoded text: {exc}"
            ) from exc

    def is_current(self, text: str) -> bool:
        """Whether `text` is stored exactly as this chain writes now (codecs and current key)."""
        if not text.startswith(PREFIX):
            return not self.codecs
        names, data = self.unwrap(text)
        if names != list(self._by_name):
            return False
        for codec in reversed(self.codecs):
            if isinstance(codec, Encryption):
                return key_id_of(data) == codec.keys.current
            data = codec.decode(data)
        return True


def chain(codecs: Sequence[Codec] | None) -> Chain | None:
    """The `Chain` of an App's `codecs=` argument; None for no codecs (nothing to apply)."""
    if codecs is None:
        return None
    if isinstance(codecs, (str, bytes)) or not isinstance(codecs, Sequence):
        raise errors.ConfigurationError(
            f"codecs= must be a list of codecs, e.g. [podium.codecs.Compression()]; got {codecs!r}"
        )
    made = Chain(codecs)
    return made if made else None


__all__ = [
    "PREFIX",
    "Chain",
    "Codec",
    "Compression",
    "Encryption",
    "KeyRing",
    "chain",
    "generate_key",
]
