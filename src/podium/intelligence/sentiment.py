"""`SentimentScorer`: is this message from an unhappy customer? A score in [-1, 1], below 0 unhappy.

Method
------
A rule-based valence scorer in the manner of VADER (Hutto & Gilbert, "VADER: A Parsimonious
Rule-based Model for Sentiment Analysis of Social Media Text", ICWSM 2014), written here from
the paper's rules, with customer-complaint cues added and an online learned layer on top:

1. **Lexicon.** Each word, emoticon or emoji has a valence on the human-rated -4 ... +4 scale,
   from VADER's lexicon (MIT licence; shipped in ``data/sentiment_lexicon.tsv``, built by
   ``scripts/build_sentiment_lexicon.py``), plus the complaint vocabulary of ``sentiment_words``.
2. **Rules** (the paper's, section 3.2): a valence is scaled by up to three preceding
   *boosters* ("very", "extremely" +0.293; "slightly", "kind of" -0.293, decaying with
   distance), flipped and damped (x -0.74) by a *negation* in the three preceding words of
   the same clause ("not", "never", "-n't", "no", "without" ...); an ALL-CAPS sentiment word
   in mixed-case text gains 0.733; words before a contrastive "but" weigh 0.5 and after it
   1.5; exclamation marks (up to 4, +0.292 each) and repeated question marks (+0.18 each, at
   most 0.96) push the total further from 0. The sum ``s`` is normalised as
   ``s / sqrt(s² + 15)``.
3. **Complaint cues** (this module's addition, for the question "should this message jump
   the support queue?"): customer complaints are often written without any negative word —
   "still waiting for my refund", "flight delayed 3 hours, no one at the desk", "why is it
   so hard to cancel?". So: a complaint vocabulary (delayed, cancelled, stranded, refund,
   overcharged, outage, ...) with valences in the lexicon's scale; phrase cues ("still
   waiting", "never again", "never received", "on hold", "hung up", "waste of time",
   "doesn't work", "want my money back", durations such as "3 hours" or "two weeks");
   rhetorical or chasing questions ("why ...?", "how come ...?", "where is my ...?"); and
   complaint emoji (😡 🤬 👎 🙄). Cues add to the rule sum like words do.
4. **Learning from people.** ``learn(text, negative=...)`` takes one step of online
   logistic regression (stochastic gradient descent on the log-loss) with the logit
   ``z = a*atanh(c) + b + w*phi(text)``: ``c`` is the rule score, ``phi`` the hashed,
   lower-cased unigram and bigram features (scaled by ``1/sqrt(count)``), and
   ``P(unhappy) = sigmoid(-2z)``; the score is ``tanh(z)``, so it stays in (-1, 1) and below 0
   means "more likely unhappy than not". Three parts with their own roles, so that feedback
   corrects words rather than moving every score: the *bias* ``b`` (its own learning rate)
   takes the base rate of unhappy messages, which a neutral text's ``c = 0`` does not know;
   the *scale* ``a`` (a small learning rate; Platt scaling, Platt 1999) calibrates the rule
   score; the word weights ``w`` carry an L2 penalty (weight decay on each update), which
   pulls them back toward 0, i.e. toward the rule score, unless feedback keeps confirming
   them. Without the bias the common words ("the", "my", "i") absorbed the base rate and
   learning on half of the dev tweets made the other half worse (AUC 0.968 -> 0.961; now
   0.969). Until ``learn`` is called ``a = 1``, ``b = w = 0`` and the score is the rule score.
   Feature hashing uses CRC-32 (stable across processes), so the same feedback gives the same
   scores everywhere.

Contract
--------
``score(text)`` is deterministic and offline (nothing is downloaded, ever). The empty or
blank text, or text with no sentiment-bearing token, scores ``0.0``. Only the first
``MAX_CHARS`` (10,000) characters of a longer text are read, so a huge message costs a bounded
time. A non-``str`` raises ``TypeError`` saying how to fix it. ``NEGATIVE_CUTOFF`` (0.0) is the
cut-off: ``score(text) < NEGATIVE_CUTOFF`` means an unhappy customer.
"""

from __future__ import annotations

import itertools
import math
import re
import threading
import zlib
from importlib import resources

from podium.intelligence import sentiment_words as words

__all__ = ["MAX_CHARS", "NEGATIVE_CUTOFF", "SentimentScorer"]

MAX_CHARS = 10_000
"""Only this many leading characters of a text are scored (documented bound on cost)."""

NEGATIVE_CUTOFF = 0.0
"""A score below this means "an unhappy customer"."""

# VADER's empirically derived constants (Hutto & Gilbert 2014, section 3.2).
_C_INCR = 0.733
_N_SCALAR = -0.74
_ALPHA = 15.0
_EXCLAIM = 0.292
_QUESTION = 0.18


_CLAUSE_END = frozenset(".,;:!?")
_THANKS = frozenset({"thanks", "thank", "thx", "ty", "great", "love", "awesome", "nice"})
_STRIP = "\"'\u201c\u201d\u2018\u2019`()[]{}<>*_~|.,;:!?-"
_FEATURE_BUCKETS = 1 << 20
_LEARNING_RATE = 0.5  # word weights
_BIAS_RATE = 0.05  # the base rate of unhappy messages
_SCALE_RATE = 0.01  # calibration of the rule score's logit (Platt scaling)
_WEIGHT_DECAY = 0.03  # L2 penalty on the word weights: back toward the rule score
_MIN_SCALE = 0.1  # the rule score keeps at least this weight
_MAX_LOGIT = 6.0


def _load_lexicon() -> dict[str, float]:
    text = resources.files("podium.intelligence").joinpath("data/sentiment_lexicon.tsv")
    lexicon: dict[str, float] = {}
    for line in text.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        token, _, value = line.partition("\t")
        lexicon[token] = float(value)
    lexicon.update(words.COMPLAINT_WORDS)
    lexicon.update(words.COMPLAINT_EMOJI)
    return lexicon


_LEXICON_LOCK = threading.Lock()
_LEXICON: dict[str, float] | None = None


def _lexicon() -> dict[str, float]:
    global _LEXICON
    with _LEXICON_LOCK:
        if _LEXICON is None:
            _LEXICON = _load_lexicon()
        return _LEXICON


def _is_negation(word: str) -> bool:
    return word in words.NEGATIONS or word.endswith("n't")


class SentimentScorer:
    """Scores a message in [-1, 1] (below 0: an unhappy customer) and learns from feedback.

    See the module docstring for the method. One scorer may be shared by threads for
    ``score``; ``learn`` takes a lock.
    """

    def __init__(self) -> None:
        self._lex = _lexicon()
        self._emoji = {k: v for k, v in self._lex.items() if k and not k.isascii() and len(k) <= 2}
        self._weights: dict[int, float] = {}
        self._bias = 0.0
        self._scale = 1.0
        self._lock = threading.Lock()

    # -- public API ---------------------------------------------------------------------------

    def score(self, text: str) -> float:
        """The score of ``text`` in [-1, 1]: below 0 an unhappy customer, 0.0 for empty text."""
        rule = self.rule_score(text)
        if not self._weights:
            return rule
        features = _features(text)
        if not features:
            return rule  # empty or blank text: 0.0, learned or not (the contract)
        return math.tanh(self._logit(rule, features))

    def learn(self, text: str, negative: bool) -> None:
        """Feedback from a person: ``text`` is (``negative=True``) or is not an unhappy message.

        One step of online logistic regression on the text's hashed words and word pairs, a
        bias and the rule score's scale; later scores of this text and of texts sharing its
        words move toward the label.
        """
        if not isinstance(negative, bool):
            raise TypeError(f"negative must be a bool, not {type(negative).__name__}")
        rule = self.rule_score(text)
        features = _features(text)
        if not features:
            return
        scale = 1.0 / math.sqrt(len(features))
        rule_logit = _atanh(rule)
        with self._lock:
            p_negative = 1.0 / (1.0 + math.exp(2.0 * self._logit(rule, features)))
            # d(log-loss)/dz = 2 (label - p) for P(unhappy) = sigmoid(-2z).
            grad = 2.0 * ((1.0 if negative else 0.0) - p_negative)
            weights = self._weights
            for f in features:
                w = weights.get(f, 0.0)
                w -= _LEARNING_RATE * (grad * scale + _WEIGHT_DECAY * w)
                weights[f] = max(-_MAX_LOGIT, min(_MAX_LOGIT, w))
            self._bias -= _BIAS_RATE * grad
            self._scale = max(_MIN_SCALE, self._scale - _SCALE_RATE * grad * rule_logit)

    __call__ = score

    def rule_score(self, text: str) -> float:
        """The lexicon-and-rules score of ``text`` (steps 1-3 of the method), without learning."""
        if not isinstance(text, str):
            raise TypeError(
                f"SentimentScorer scores text: expected str, got {type(text).__name__}; "
                "decode bytes first (data.decode('utf-8')) or pass str(value)"
            )
        text = text[:MAX_CHARS]
        total = self._valence_sum(text)
        if total == 0.0:
            return 0.0
        bang = min(text.count("!"), 4) * _EXCLAIM
        questions = text.count("?")
        quest = 0.0 if questions <= 1 else (questions * _QUESTION if questions <= 3 else 0.96)
        total += (bang + quest) if total > 0 else -(bang + quest)
        return max(-1.0, min(1.0, total / math.sqrt(total * total + _ALPHA)))

    # -- internals ----------------------------------------------------------------------------

    def _logit(self, rule: float, features: list[int]) -> float:
        """``a*atanh(rule) + b + w*phi``: the learned logit (see the module docstring)."""
        total = sum(self._weights.get(f, 0.0) for f in features)
        return self._scale * _atanh(rule) + self._bias + total / math.sqrt(len(features))

    def _tokens(self, text: str) -> tuple[list[str], list[str], list[bool]]:
        """Words (original case), lower-cased words, and whether a clause ends after each."""
        lex = self._lex
        raws: list[str] = []
        lows: list[str] = []
        ends: list[bool] = []
        for raw in text.split():
            low = raw.lower()
            if low in lex and not low.isalnum():
                # an emoticon such as ":(" or ":-)" kept whole
                raws.append(raw)
                lows.append(low)
                ends.append(False)
                continue
            emoji: list[str] = []
            if not raw.isascii():
                raw = raw.replace("\u2019", "'").replace("\u2018", "'")
                for ch in raw:
                    if ch in self._emoji:
                        emoji.append(ch)
                if emoji:
                    raw = "".join(ch for ch in raw if ch not in self._emoji)
            word = raw.strip(_STRIP)
            if word:
                raws.append(word)
                lows.append(word.lower())
                ends.append(raw[-1] in _CLAUSE_END)
            for e in emoji:
                raws.append(e)
                lows.append(e)
                ends.append(False)
        return raws, lows, ends

    def _sarcastic(self, lows: list[str], ends: list[bool], i: int) -> bool:
        """Whether the praise at ``i`` is for something bad: "thanks for the 3 hour delay".

        Sarcastic when a negative word (not itself negated) follows within 7 words, or when
        the praise is a short closing sentence ("flight late again. great job") after one.
        """
        lex = self._lex
        n = len(lows)
        window = range(i + 1, min(i + 8, n))
        if i >= n - 3 and any(ends[j] for j in range(max(0, i - 3), i)):
            window = range(max(0, i - 7), min(i + 8, n))
        for j in window:
            if j == i:
                continue
            value = lex.get(lows[j], 0.0)
            if value <= -1.0 and (j == 0 or not _is_negation(lows[j - 1])):
                return True
        return False

    def _valence_sum(self, text: str) -> float:
        raws, lows, ends = self._tokens(text)
        lex = self._lex
        n = len(lows)
        caps_differ = False
        if n > 1:
            upper = sum(1 for w in raws if w.isupper())
            caps_differ = 0 < upper < n
        values: list[float] = []
        but_at = -1
        for i in range(n):
            low = lows[i]
            if low == "but" and but_at < 0:
                but_at = len(values)
            v = lex.get(low)
            if v is None or low in words.BOOSTERS:
                continue
            if low == "no" and i + 1 < n and lows[i + 1] in lex:
                continue  # "no" then a sentiment word: a negation, not itself a valence
            if low == "like" and i > 0 and lows[i - 1] not in ("i", "we", "really", "you", "they"):
                continue  # "like" as a preposition ("looks like", "feel like") carries none
            if low in _THANKS and v > 0 and self._sarcastic(lows, ends, i):
                v = -0.8  # "thanks for the 3 hour delay": gratitude for a complaint
            if not low[0].isalnum():
                values.append(v)  # an emoji or emoticon: not negated or boosted by words
                continue
            if caps_differ and raws[i].isupper() and len(raws[i]) > 1:
                v += _C_INCR if v > 0 else -_C_INCR
            negated = False
            for back in range(1, 4):
                j = i - back
                if j < 0 or ends[j]:
                    break
                prev = lows[j]
                boost = words.BOOSTERS.get(prev)
                if boost is not None and v != 0.0:
                    b = boost if v > 0 else -boost
                    if caps_differ and raws[j].isupper():
                        b += _C_INCR if v > 0 else -_C_INCR
                    v += b * (1.0, 0.95, 0.9)[back - 1]
                elif not negated and _is_negation(prev):
                    negated = True
            if negated:
                v *= _N_SCALAR
            values.append(v)
        if but_at >= 0:
            values = [v * 0.5 for v in values[:but_at]] + [v * 1.5 for v in values[but_at:]]
        total = math.fsum(values)
        low_text = text.lower()
        if "\u2019" in low_text:
            low_text = low_text.replace("\u2019", "'")
        for triggers, pattern, value in words.PHRASES:
            for trigger in triggers:
                if trigger in low_text:
                    if pattern.search(low_text):
                        total += value
                    break
        if "?" in low_text:
            chases = len(words.RHETORICAL.findall(low_text))
            total += words.CHASE_VALUE * min(chases, 2)
        return total


def _atanh(x: float) -> float:
    x = max(-0.999, min(0.999, x))
    return 0.5 * math.log((1.0 + x) / (1.0 - x))


_WORD = re.compile(r"[a-z0-9']+|[^\sa-z0-9]")


def _features(text: str) -> list[int]:
    """Hashed lower-cased unigrams and bigrams of ``text`` (CRC-32, stable across runs)."""
    if not isinstance(text, str):
        raise TypeError(f"expected str, got {type(text).__name__}")
    tokens = _WORD.findall(text[:MAX_CHARS].lower().replace("\u2019", "'"))
    keys = {f"u:{w}" for w in tokens}
    keys.update(f"b:{a} {b}" for a, b in itertools.pairwise(tokens))
    return sorted(zlib.crc32(k.encode("utf-8")) % _FEATURE_BUCKETS for k in keys)
