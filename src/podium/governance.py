"""The App's governance verbs: purge finished workflows, re-encode payloads; both audited.

`App.purge` and `App.rekey` (and `podium purge`, `podium rekey`) call these. The mechanics
live in the store (`store.retention`, `store.rekey`); this module resolves the arguments and
writes the audit entry, in the same hash chain as every other audited change.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence

from podium import arguments, codecs, errors
from podium.store import auth, base, blobgc, coded, retention
from podium.store import rekey as rekey_store


def parse_age(text: str) -> float:
    """Seconds from `30d`, `12h`, `90m`, `45s`, `2w` or a plain number of seconds."""
    return arguments.duration_text(text)


def purge(
    store: base.Store,
    now: float,
    older_than: float | dt.timedelta | str,
    status: Sequence[str] | str | None = None,
    *,
    batch: int = 500,
    dry_run: bool = False,
    actor: str = "app",
) -> retention.PurgeResult:
    """Delete finished workflows older than `older_than` (see `store.retention`); audited."""
    age = parse_age(older_than) if isinstance(older_than, str) else older_than
    seconds = arguments.seconds(age, "older_than")
    statuses = retention.check_statuses(status)
    found = retention.Retention(store).purge(now - seconds, statuses, batch=batch, dry_run=dry_run)
    detail = {
        "older_than_s": seconds,
        "statuses": list(statuses),
        "workflows": found.workflows,
        "skipped": found.skipped,
        "dry_run": dry_run,
    }
    auth.AuthStore(store).audit(actor, "workflow.purge", None, detail, time.time())
    return found


def rekey(
    store: base.Store,
    chain: codecs.Chain | None,
    *,
    batch: int = 500,
    progress: Callable[[str, int], None] | None = None,
    actor: str = "app",
) -> rekey_store.RekeyResult:
    """Re-encode every stored payload under the app's codec chain as it is now; audited."""
    if chain is None or not isinstance(store, coded.CodedStore):
        raise errors.ConfigurationError(
            "rekey needs an App with codecs=[...] (e.g. podium.codecs.Encryption(keys)); "
            "this app stores payloads as they are"
        )
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise errors.ConfigurationError(f"batch={batch!r} must be a whole number >= 1")
    auth.AuthStore(store).audit(actor, "payload.rekey.start", None, {"batch": batch}, time.time())
    blob_store = blobgc.blob_store_of(store)
    done = rekey_store.rekey(
        store.inner, chain, batch=batch, progress=progress, blob_store=blob_store
    )
    detail = {"scanned": done.scanned, "rewritten": done.rewritten, "raced": done.raced}
    if blob_store is not None:
        detail |= {"blobs_rewritten": done.blobs_rewritten, "blobs_missing": done.blobs_missing}
    auth.AuthStore(store).audit(actor, "payload.rekey", None, detail, time.time())
    return done
