"""Cron expressions in words, for people: "every 5 minutes", "at 09:00 UTC on weekdays".

`describe(cron, timezone)` phrases the common shapes (steps, single times, a few times a day,
weekdays, days of the month, months) and falls back to "cron `<expr>`" for the rest rather
than say something wrong. A six-field expression is croniter's, whose sixth field is seconds:
`*/5 * * * * *` fires every second of minutes 0, 5, 10 …, which the sentence says plainly.
"""

from __future__ import annotations

import dataclasses

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
ALIASES = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}
_NAMES = {d[:3].lower(): i for i, d in enumerate(DAYS)} | {
    m[:3].lower(): i + 1 for i, m in enumerate(MONTHS)
}


class _Unphrased(Exception):
    """A shape this module does not put into words (the caller falls back to the expression)."""


@dataclasses.dataclass(frozen=True)
class Field:
    """One cron field: every value (`*`), every `step` from `start`, or explicit `values`."""

    every: bool = False
    step: int = 1
    start: int = 0
    values: tuple[int, ...] = ()

    @property
    def single(self) -> int | None:
        """The one value of the field, if it has exactly one."""
        return self.values[0] if len(self.values) == 1 and not self.every else None


def _number(text: str) -> int:
    text = text.strip().lower()
    if text in _NAMES:
        return _NAMES[text]
    if not text.isdigit():
        raise _Unphrased(text)
    return int(text)


def parse(text: str, low: int, high: int) -> Field:
    """One field: `*`, `*/n`, `a-b/n`, `a,b,c`, ranges and names (MON, JAN)."""
    if text in ("*", "?"):
        return Field(every=True)
    if text.startswith("*/"):
        return Field(every=True, step=_number(text[2:]))
    values: list[int] = []
    for part in text.split(","):
        span, _, step = part.partition("/")
        first, _, last = span.partition("-")
        a = _number(first)
        b = _number(last) if last else (high if step else a)
        values.extend(range(a, b + 1, _number(step) if step else 1))
    if not values or min(values) < low or max(values) > high:
        raise _Unphrased(text)
    return Field(values=tuple(sorted(set(values))))


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _clock(hour: int, minute: int) -> str:
    return f"{hour:02d}:{minute:02d}"


def _run(values: tuple[int, ...]) -> tuple[int, int] | None:
    """(first, last) when `values` are consecutive."""
    if values and values == tuple(range(values[0], values[-1] + 1)):
        return values[0], values[-1]
    return None


def _times(minute: Field, hour: Field, zone: str) -> tuple[str, bool]:
    """The time-of-day phrase, and whether it names fixed times (so "every day" reads well)."""
    if minute.every and hour.every:
        return ("every minute" if minute.step == 1 else f"every {minute.step} minutes"), False
    if minute.single is not None and hour.every:
        at = "on the hour" if minute.single == 0 else f"at minute {minute.single}"
        return (f"every hour, {at}" if hour.step == 1 else f"every {hour.step} hours, {at}"), False
    if minute.single is not None and len(hour.values) <= 4:
        return f"at {_and([_clock(h, minute.single) for h in hour.values])} {zone}", True
    if minute.single is not None and _run(hour.values):
        first, last = _run(hour.values) or (0, 0)
        m = minute.single
        return f"every hour from {_clock(first, m)} to {_clock(last, m)} {zone}", False
    if minute.every and _run(hour.values):
        first, last = _run(hour.values) or (0, 0)
        often = "every minute" if minute.step == 1 else f"every {minute.step} minutes"
        return f"{often} from {_clock(first, 0)} to {_clock(last, 59)} {zone}", False
    if minute.values and hour.every and hour.step == 1:
        return f"at minutes {_and([str(m) for m in minute.values])} of every hour", False
    raise _Unphrased("time")


def _days(dom: Field, month: Field, dow: Field) -> str:
    """The day phrase ("" for every day)."""
    if not dom.every and not dow.every:
        raise _Unphrased("day of month and weekday both set (cron fires on either)")
    if dom.step != 1 or dow.step != 1 or month.step != 1:
        raise _Unphrased("stepped days")
    parts = []
    weekdays = tuple(sorted({d % 7 for d in dow.values}))
    if weekdays == tuple(range(7)):
        pass
    elif weekdays == (1, 2, 3, 4, 5):
        parts.append("on weekdays")
    elif weekdays == (0, 6):
        parts.append("on weekends")
    elif weekdays:
        parts.append("on " + _and([DAYS[d] for d in weekdays]))
    months = [MONTHS[m - 1] for m in month.values]
    if dom.values and dom.single is not None and len(months) == 1:
        return f"on {dom.single} {months[0]}"
    if dom.values:
        parts.append(f"on day {_and([str(d) for d in dom.values])} of")
        parts.append("every month" if not months else _and(months))
        return " ".join(parts)
    if months:
        parts.append("in " + _and(months))
    return " ".join(parts)


def _seconds(field: Field) -> str:
    if field.every:
        return "every second" if field.step == 1 else f"every {field.step} seconds"
    return f"at second {_and([str(s) for s in field.values])}"


def _with_seconds(seconds: Field, minute: Field, hour: Field, zone: str, days: str) -> str:
    """A six-field expression: the seconds first, then the minutes they fall in."""
    what = _seconds(seconds)
    if minute.every and minute.step == 1:
        times, _ = _times(minute, hour, zone)
        if times != "every minute":
            raise _Unphrased("seconds within hours")
        lead = what if seconds.every else f"{what} of every minute"
    elif minute.every:
        marks = ", ".join(str(m) for m in range(0, 60, minute.step)[:3])
        lead = f"{what} of minutes {marks}, … (the sixth field is seconds)"
        if not hour.every:
            raise _Unphrased("seconds with hours")
    else:
        times, _ = _times(minute, hour, zone)
        lead = f"{what} of the minute, {times} (the sixth field is seconds)"
    return f"{lead} {days}".strip()


def describe(cron: str, timezone: str = "UTC") -> str:
    """`cron` in words, in `timezone`; "cron `<expr>`" for a shape it does not phrase."""
    expr = ALIASES.get(cron.strip().lower(), cron.strip())
    fields = expr.split()
    try:
        if len(fields) not in (5, 6):
            raise _Unphrased(expr)
        minute, hour = parse(fields[0], 0, 59), parse(fields[1], 0, 23)
        dom, month, dow = parse(fields[2], 1, 31), parse(fields[3], 1, 12), parse(fields[4], 0, 7)
        days = _days(dom, month, dow)
        if len(fields) == 6 and fields[5] != "0":
            return _with_seconds(parse(fields[5], 0, 59), minute, hour, timezone, days)
        times, fixed = _times(minute, hour, timezone)
        return f"{times} {days or ('every day' if fixed else '')}".strip()
    except _Unphrased:
        return f"cron `{cron}`"
