"""`podium export ID`: a workflow's record and full history as JSON, for `replay`.

```
podium export 0b9c... > tests/histories/checkout.json
```
then `podium.testing.replay(app, "tests/histories/checkout.json")` in a test checks that
today's code still makes the recorded calls (see docs/testing.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from podium import redaction
from podium.cli import common
from podium.testing import history

SUMMARY = "Print a workflow's record and history as JSON (for podium.testing.replay)"
DETAILS = """\
The JSON holds the workflow record, every history position and the failed
attempts. podium.testing.replay(app, "run.json") replays it against today's code
and raises NonDeterminismError if the code diverges. Needs no app code.
Redacted values (redact=, podium.Secret) are written as "*****" unless
--reveal is given.

example: podium export ORDER-7 > tests/histories/order-7.json"""


def add(commands: common.Subcommands) -> None:
    """Add `export` to podium's parser."""
    parser = common.subparser(commands, "export", SUMMARY, DETAILS)
    parser.add_argument("id", metavar="ID", help="the workflow id")
    parser.add_argument("--indent", type=int, default=2, metavar="N", help="JSON indent (2)")
    parser.add_argument(
        "--reveal",
        action="store_true",
        help="write redacted values as they are (the file then holds secrets)",
    )
    common.store_option(parser)
    parser.set_defaults(command=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the workflow's history document to stdout."""
    with contextlib.closing(common.open_existing_store(args)) as store:
        document = history.export(store, args.id).to_json()
    if not args.reveal:
        document = masked(document)
    json.dump(document, sys.stdout, indent=args.indent or None, sort_keys=True)
    sys.stdout.write("\n")
    return common.EXIT_OK


def masked(document: dict[str, Any]) -> dict[str, Any]:
    """The exported `document` with redacted values as `*****` (see podium.redaction)."""
    workflow = dict(document["workflow"])
    for field in ("input", "output"):
        workflow[field] = redaction.view_text(workflow.get(field))
    events = [{**e, "payload": redaction.view_text(e.get("payload"))} for e in document["history"]]
    return {**document, "workflow": workflow, "history": events}
