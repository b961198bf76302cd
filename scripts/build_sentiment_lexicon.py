"""Build podium's compact sentiment lexicon from the vaderSentiment package (MIT licence).

Run once by a developer; the output is committed and shipped inside the package, so nothing
is downloaded at run time:

    pip download vaderSentiment==3.3.2 --no-deps -d /tmp/vader
    python scripts/build_sentiment_lexicon.py /tmp/vader/vaderSentiment-3.3.2-py2.py3-none-any.whl

It keeps each entry's mean human rating (-4 ... +4) and drops the per-rater columns, and turns
VADER's emoji lexicon (emoji -> description) into direct entries: an emoji's valence is the
sum of its description's words' valences, clipped to +/-3.5, kept when not zero.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src/podium/intelligence/data/sentiment_lexicon.tsv"
HEADER = """\
# podium sentiment lexicon: token<TAB>valence (mean human rating, -4 .. +4).
# Derived from VADER's vader_lexicon.txt and emoji_utf8_lexicon.txt (vaderSentiment 3.3.2),
# Copyright (c) 2016 C.J. Hutto, MIT licence:
# Permission is hereby granted, free of charge, to any person obtaining a copy of this
# software and associated documentation files (the "Software"), to deal in the Software
# without restriction, including without limitation the rights to use, copy, modify, merge,
# publish, distribute, sublicense, and/or sell copies of the Software, and to permit persons
# to whom the Software is furnished to do so, subject to the following conditions: The above
# copyright notice and this permission notice shall be included in all copies or substantial
# portions of the Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND.
# Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for Sentiment
# Analysis of Social Media Text. ICWSM-14. Built by scripts/build_sentiment_lexicon.py.
"""


def main(wheel: str) -> None:
    """Write the compact lexicon from the vaderSentiment wheel at `wheel`."""
    with zipfile.ZipFile(wheel) as z:
        lex_text = z.read("vaderSentiment/vader_lexicon.txt").decode("utf-8")
        emoji_text = z.read("vaderSentiment/emoji_utf8_lexicon.txt").decode("utf-8")
    lexicon: dict[str, float] = {}
    for line in lex_text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0]:
            lexicon[parts[0]] = float(parts[1])
    emoji: dict[str, float] = {}
    for line in emoji_text.splitlines():
        parts = line.split("\t")
        if len(parts) < 2:
            continue
        total = sum(lexicon.get(w, 0.0) for w in parts[1].lower().split())
        if total:
            emoji[parts[0]] = max(-3.5, min(3.5, total))
    with OUT.open("w", encoding="utf-8", newline="\n") as f:
        f.write(HEADER)
        for token, value in sorted({**lexicon, **emoji}.items()):
            f.write(f"{token}\t{value:g}\n")
    print(f"wrote {len(lexicon)} words and {len(emoji)} emoji to {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1])
