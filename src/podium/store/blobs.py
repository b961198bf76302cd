"""Claim checks: payloads over a threshold are kept in a blob store, the row holds a reference.

`App(blob_store="file:///var/podium/blobs", blob_threshold=65_536)`: every payload the store
writes (the same columns as the codecs: inputs, outputs, step results, events, messages,
state-machine data) whose stored text is longer than `blob_threshold` characters is written
to the blob store, and the row keeps `~b1:<sha256>` instead. Reading the row reads the blob.
Blobs are content-addressed (the SHA-256 of what they hold), so writing one twice is
harmless and a retried write never leaves two; with codecs the blob holds the encoded
(encrypted) text, never the plaintext.

`BlobStore` is the interface another backend (S3, GCS) implements: `put(data) -> key`,
`get(key) -> data`, and optionally `delete(key)` so purges can free space (and `exists(key)`,
so a delete the store declined, such as `FileBlobStore`'s of a blob written again just now,
is retried later).
`FileBlobStore` writes each blob to a temporary file, fsyncs it and renames it into place,
so a blob is either whole or absent. A purge deletes the blobs of the purged workflows that
no row references any more (several rows may share one; see `blobgc`);
`max_payload_bytes` still caps every payload.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import time
import urllib.parse
from typing import Protocol, runtime_checkable

from podium import codecs, errors

PREFIX = "~b1:"
"""How a claim-check reference begins (JSON never starts with `~`)."""
DEFAULT_THRESHOLD = 65_536


@runtime_checkable
class BlobStore(Protocol):
    """Where large payloads live: content-addressed bytes by key."""

    def put(self, data: bytes) -> str:
        """Store `data`; return its key (the same data always gets the same key)."""
        ...

    def get(self, key: str) -> bytes:
        """The data stored under `key`; KeyError when there is none."""
        ...


class FileBlobStore:
    """Blobs as files under one folder: `<root>/<key[:2]>/<key>`.

    `delete` keeps a blob written (or written again: `put` of data already there touches
    it) within the last `grace` seconds: a purge that found no row holding it may race a
    start that has just put the same data and not yet committed its row.
    """

    def __init__(self, root: str, *, grace: float = 60.0) -> None:
        self.root = os.path.abspath(root)
        self.grace = grace
        os.makedirs(self.root, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileBlobStore({self.root!r})"

    def _path(self, key: str) -> str:
        if len(key) != 64 or any(c not in "0123456789abcdef" for c in key):
            raise KeyError(key)
        return os.path.join(self.root, key[:2], key)

    def put(self, data: bytes) -> str:
        """See `BlobStore.put`: written whole (temporary file, fsync, rename) or not at all."""
        key = hashlib.sha256(data).hexdigest()
        path = self._path(key)
        if os.path.exists(path):
            with contextlib.suppress(FileNotFoundError):  # deleted meanwhile: written below
                os.utime(path)
                return key
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return key

    def get(self, key: str) -> bytes:
        """See `BlobStore.get`."""
        try:
            with open(self._path(key), "rb") as f:
                return f.read()
        except FileNotFoundError:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        """Whether blob `key` is stored (without reading it)."""
        return os.path.exists(self._path(key))

    def delete(self, key: str) -> bool:
        """Delete blob `key`; False when it is absent or was written within `grace` seconds."""
        path = self._path(key)
        try:
            if time.time() - os.stat(path).st_mtime < self.grace:
                return False
            os.unlink(path)
        except FileNotFoundError:
            return False
        return True


def open_blob_store(spec: str | BlobStore) -> BlobStore:
    """A blob store from `file:///path` (or a `BlobStore` object, returned as it is)."""
    if isinstance(spec, BlobStore):
        return spec
    if not isinstance(spec, str):
        raise errors.ConfigurationError(
            f"blob_store={spec!r} must be a 'file:///path' URL or a BlobStore object"
        )
    parts = urllib.parse.urlsplit(spec)
    if parts.scheme != "file" or not parts.path or parts.netloc not in ("", "localhost"):
        raise errors.ConfigurationError(
            f"blob_store={spec!r} is not supported; use 'file:///var/podium/blobs' or pass an "
            "object with put(data) -> key and get(key) -> data (e.g. one over S3)"
        )
    return FileBlobStore(urllib.parse.unquote(parts.path))


class ClaimChecks:
    """A payload coder: the codec chain (if any), then large texts moved to the blob store.

    It has the `encode`/`decode` of `codecs.Chain`, so the coded store applies it at the
    same boundary.
    """

    def __init__(self, chain: codecs.Chain | None, blobs: BlobStore, threshold: int) -> None:
        if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
            raise errors.ConfigurationError(
                f"blob_threshold={threshold!r} must be a whole number of characters >= 1"
            )
        self.chain = chain
        self.blobs = blobs
        self.threshold = threshold

    def encode(self, text: str) -> str:
        """`text` as stored: encoded by the chain, then a reference if it is large."""
        if self.chain is not None:
            text = self.chain.encode(text)
        if len(text) <= self.threshold:
            return text
        return PREFIX + self.blobs.put(text.encode("utf-8"))

    def decode(self, text: str) -> str:
        """The payload a stored `text` (a reference, an encoded text or plain JSON) holds."""
        if text.startswith(PREFIX):
            key = text[len(PREFIX) :]
            try:
                text = self.blobs.get(key).decode("utf-8")
            except (KeyError, OSError, UnicodeDecodeError) as exc:
                raise errors.SerializationError(
                    f"the payload's blob {key!r} cannot be read from the blob store "
                    f"({type(exc).__name__}); restore it there, or point blob_store= at the "
                    "store that holds it"
                ) from None
        if text.startswith(codecs.PREFIX):
            if self.chain is None:
                raise errors.SerializationError(
                    "a stored payload is encoded by codecs this App does not configure; "
                    "pass the same codecs=[...] as the App that wrote it"
                )
            return self.chain.decode(text)
        return text
