"""What Step Functions' Java runtime does that its output shows, reproduced exactly.

Intrinsic functions format numbers with Double.toString, round with Math.round, merge
objects in a java.util.HashMap (whose iteration order is the output's key order) and draw
seeded numbers from java.util.Random; JSONata's seeded `$random` uses the same generator.
"""

from __future__ import annotations

import decimal
import math

_MULTIPLIER = 0x5DEECE66D
_MASK = (1 << 48) - 1


class Random:
    """`new java.util.Random(seed)`: the same numbers for the same seed as the JDK."""

    def __init__(self, seed: int) -> None:
        self._state = (seed ^ _MULTIPLIER) & _MASK

    def _next(self, bits: int) -> int:
        self._state = (self._state * _MULTIPLIER + 0xB) & _MASK
        return self._state >> (48 - bits)

    def next_int(self, bound: int) -> int:
        """`nextInt(bound)`: uniform in [0, bound)."""
        if bound & -bound == bound:
            return (bound * self._next(31)) >> 31
        while True:
            bits = self._next(31)
            value = bits % bound
            if bits - value + bound - 1 < 2**31:
                return value

    def next_double(self) -> float:
        """`nextDouble()`: uniform in [0, 1)."""
        return float(((self._next(26) << 27) + self._next(27)) * 2.0**-53)


def round_half_up(value: float) -> int:
    """Java's Math.round: the nearest integer, halves rounded up (-2.5 -> -2)."""
    return value if isinstance(value, int) else math.floor(value + 0.5)


def double_to_string(value: float) -> str:
    """Java's Double.toString: plain between 1e-3 and 1e7, else like 1.0E10."""
    if value == 0 or 1e-3 <= abs(value) < 1e7:
        text = repr(value)
        return text if "." in text or "e" in text or "n" in text else text + ".0"
    sign, digits, exponent = decimal.Decimal(repr(value)).normalize().as_tuple()
    assert isinstance(exponent, int)
    shown = "".join(map(str, digits))
    power = len(shown) - 1 + exponent
    return f"{'-' if sign else ''}{shown[0]}.{shown[1:] or '0'}E{power}"


def string_hash(text: str) -> int:
    """Java's String.hashCode as an unsigned 32-bit number (over UTF-16 code units)."""
    units = text.encode("utf-16-be", "surrogatepass")
    h = 0
    for i in range(0, len(units), 2):
        h = (31 * h + (units[i] << 8 | units[i + 1])) & 0xFFFFFFFF
    return h


def _bucket_hash(key: str) -> int:
    h = string_hash(key)
    return h ^ (h >> 16)


def hashmap_order(first: list[str], second: list[str]) -> list[str]:
    """Key order of a Java `new HashMap<>(first)` after `putAll(second)`.

    Step Functions merges the two objects of States.JsonMerge in a java.util.HashMap, so the
    result's keys come in bucket order (recorded: merging {"constant_in_literal"} with
    {"constant_input_field"} yields constant_input_field first). The table is sized and
    doubled as the JDK does; keys sharing a bucket keep their insertion order.
    """
    table = _HashTable()
    table.put_all(first)
    table.put_all(second)
    return [key for bucket in table.buckets for key in bucket]


class _HashTable:
    """Just enough of java.util.HashMap (load factor 0.75) to know its iteration order."""

    def __init__(self) -> None:
        self.buckets: list[list[str]] = []
        self.threshold = 0
        self.size = 0

    def put_all(self, keys: list[str]) -> None:
        if not keys:
            return
        if not self.buckets:
            wanted = int(len(keys) / 0.75 + 1.0)
            if wanted > self.threshold:
                self.threshold = 1 << max(0, (wanted - 1).bit_length())
        else:
            while len(keys) > self.threshold:
                self._resize()
        for key in keys:
            self._put(key)

    def _put(self, key: str) -> None:
        if not self.buckets:
            self._resize()
        bucket = self.buckets[_bucket_hash(key) & (len(self.buckets) - 1)]
        if key in bucket:
            return
        bucket.append(key)
        self.size += 1
        if self.size > self.threshold:
            self._resize()

    def _resize(self) -> None:
        old = len(self.buckets)
        if old:
            capacity = old * 2
            threshold = self.threshold * 2 if old >= 16 else int(capacity * 0.75)
        elif self.threshold:
            capacity, threshold = self.threshold, int(self.threshold * 0.75)
        else:
            capacity, threshold = 16, 12
        buckets: list[list[str]] = [[] for _ in range(capacity)]
        for bucket in self.buckets:
            for key in bucket:
                buckets[_bucket_hash(key) & (capacity - 1)].append(key)
        self.buckets, self.threshold = buckets, threshold
