"""The load forecaster's tracked errors: each candidate's, the blend's, and its error quantiles.

For each tracked horizon the forecaster scores its past forecasts when their targets arrive
(see `podium.intelligence.forecast`, part 3 and 4 of the method): each candidate's absolute
error is tracked with exponential forgetting and earns the candidate an inverse-error weight
(`blend.inverse_error_weights`; from 12 steps on, the forecast weighs the geometric mean of
the candidate's errors at its horizon and the next shorter one, `ErrorTracker.
pooled_weights`). At 3 steps (`FAST_AT`) there are two blends: the candidates' errors
tracked with the horizon's memory (the slow blend) and with a quarter of it (the fast one),
and the forecast weighs the two blends by their own tracked errors, as the candidates: a
series whose best candidate changes often is followed by the fast blend, a steady one is
ranked by the slow blend from more errors (on the 17 nab-dev load series, 15 minutes ahead:
0.4699 -> 0.4652, dense origins 0.5194 -> 0.5151). The blend's own error (with the weights of
the moment) feeds an exponentially weighted mean absolute error, clipped at six of it, and
the error quantiles of `podium.intelligence.bands`.

Speed (issue 17): nothing reads the weights or the bands between two forecasts, so a scored
point is only queued (its actual value and what its candidates are made of), and the queue is
resolved when a forecast needs it (or when it is long). A long queue is resolved in blocks
with numpy: the candidates (`blend.candidate_block`), their absolute errors, the weights (a
power and a normalisation per row) and the blend's errors are elementwise over the block;
only the exponential forgetting and the bands run as plain-float recurrences (one per
candidate, one per quantile). The arithmetic is that of scoring each point as it comes,
operation for operation (sums are taken left to right, like Python's ``sum`` on floats,
never numpy's pairwise sum), so the results are bit for bit the same whether a forecast
comes after every point or once a day; a short queue is resolved point by point.
"""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from podium.intelligence import bands, blend

__all__ = ["ErrorTracker"]

_HORIZONS = blend.HORIZONS
_STRIDES = blend.STRIDES
_SQUARINGS = blend.SQUARINGS
_CLIP = 6.0  # one spike moves the blend's mean absolute error only so far: clipped at 6 of it
# a tracked quantile's (move down, move up) by horizon, paired for _band_step
_MOVES = tuple(
    tuple(zip(down, up, strict=True)) for down, up in zip(bands.DOWN, bands.UP, strict=True)
)
_BLOCK_MIN = 20  # queued points from which numpy resolves them (fewer: point by point)
_QUEUE_MAX = 512  # queued points of one horizon resolved at once (bounds memory and latency)
_MEMORY_AT = 12  # the horizon (steps) whose tracked errors have the half-life `memory`...
_MEMORY_EXP = 0.5  # ...and horizon k's is `memory * sqrt(k / 12)`
POOL_FROM = 12  # tracked horizons (steps) from which the forecast's weights are pooled
_POOL_AT = _HORIZONS.index(POOL_FROM)
_POOLED_POWER = blend.POWER // 2  # on a product of two errors: the square of their mean
# the tracked horizon (steps) that also has a fast blend, whose tracked errors have a quarter
# of the horizon's half-life (25 points). Not at 1 step: scored every 2nd point, a quarter of
# its memory is some 7 scorings, too few to rank the candidates (measured: worse on the
# gappy traffic series); the hour-ahead and longer weights are pooled instead
FAST_AT = 3
_FAST_AT = _HORIZONS.index(FAST_AT)
_FAST = 0.25

_Floats = npt.NDArray[np.float64]


def _rows_sum(rows: _Floats) -> _Floats:
    """The sum over the first axis, left to right (as Python's ``sum``), for every column."""
    total: _Floats = rows[0] + rows[1]
    for row in rows[2:]:
        total += row
    return total


class ErrorTracker:
    """The tracked errors of the candidates and of the blend, per tracked horizon.

    Args:
        memory: half-life, in points, of the tracked errors at the 12-step horizon; a k-step
            horizon's is ``memory * sqrt(k / 12)``.
        scale: the forecaster's current scale of the series (the blend's error scale starts
            at it when the first error is exactly zero).
    """

    __slots__ = (
        "_blend_mae",
        "_fast_mae",
        "_fast_rate",
        "_fast_weights",
        "_mae",
        "_quant",
        "_rates",
        "_scale",
        "_slow",
        "_top",
        "_top_weights",
        "limits",
        "queues",
        "seen",
        "weights",
    )

    def __init__(self, memory: float, scale: Callable[[], float]) -> None:
        # the forgetting rate of the tracked errors per scoring, by horizon
        self._rates = [
            1.0 - 0.5 ** (stride / (memory * (k / _MEMORY_AT) ** _MEMORY_EXP))
            for k, stride in zip(_HORIZONS, _STRIDES, strict=True)
        ]
        self._scale = scale
        nh, nc = len(_HORIZONS), blend.CANDIDATES
        self._mae = [[0.0] * nc for _ in range(nh)]  # candidate errors per tracked horizon
        # the blend's weights per tracked horizon (current after `settle`)
        self.weights = [[1.0 / nc] * nc for _ in range(nh)]
        # at FAST_AT, `weights` combine the slow blend's weights (these) and the fast one's
        self._slow = [1.0 / nc] * nc
        k, stride = FAST_AT, _STRIDES[_FAST_AT]
        self._fast_rate = 1.0 - 0.5 ** (stride / (_FAST * memory * (k / _MEMORY_AT) ** _MEMORY_EXP))
        self._fast_mae = [0.0] * nc  # the candidates' errors with the fast memory
        self._top = (0.0, 0.0)  # the slow and the fast blend's tracked errors
        self._fast_weights = [1.0 / nc] * nc
        self._top_weights = (0.5, 0.5)
        self.seen = [0] * nh  # points scored (resolved) per tracked horizon
        self._blend_mae = [0.0] * nh
        self._quant = [bands.seed() for _ in range(nh)]
        # the scored points not yet resolved, per horizon, filled by the forecaster: each
        # (actual value, `blend.candidates`' `base` at the origin, the rest of its arguments
        # with NaN for an unknown day-ago value). `resolve(h)` once `limits[h]` points are
        # queued (the first point at once: it reads the scale of the moment).
        self.queues: list[list[tuple[float, tuple[float, ...], tuple[float, ...]]]] = [
            [] for _ in range(nh)
        ]
        self.limits = [1] * nh

    def settle(self) -> None:
        """Resolve every queued point: the weights and bands are current afterwards."""
        for h, queue in enumerate(self.queues):
            if queue:
                self.resolve(h)

    def pooled_weights(self) -> list[list[float]]:
        """The weights the forecast uses per tracked horizon (after `settle`).

        From 12 steps on (`POOL_FROM`), a candidate's error is the geometric mean of its
        tracked errors at this horizon and the next shorter one: a k-step error overlaps
        its neighbours over about k points, so the long horizons rank the candidates from
        few independent errors, and the shorter horizon's ranking (of the same candidates,
        from more of them) steadies it. The shorter horizons keep their own weights. The
        blend whose errors are scored (for the bands and the blend's error scale) keeps each
        horizon's own weights: its errors stand in for the pooled blend's.
        """
        out = self.weights[:_POOL_AT]
        maes, weights = self._mae, self.weights
        for h in range(_POOL_AT, len(_HORIZONS)):
            if not self.seen[h - 1]:  # nothing scored at the shorter horizon yet
                out.append(weights[h])
                continue
            # inverse_error_weights of sqrt(m * s): (best / sqrt(p)) ** 16 = (best_p / p) ** 8
            products = list(map(operator.mul, maes[h], maes[h - 1]))
            best = min(products)
            if best <= 0.0:  # exact candidates share the weight
                out.append(blend.inverse_error_weights(products))
                continue
            inv = [(best / p) ** _POOLED_POWER for p in products]
            norm = 1.0 / sum(inv)
            out.append([v * norm for v in inv])
        return out

    def slow_weights(self) -> list[list[float]]:
        """The weights per tracked horizon without the fast blend (after `settle`).

        `weights` but at FAST_AT, where they are the slow blend's alone: the forecasts
        beyond that horizon interpolate these (the fast blend is scored at it only).
        """
        out = list(self.weights)
        out[_FAST_AT] = self._slow
        return out

    def error_quantile(self, h: int, tau: float, scale: float) -> float:
        """The tau-quantile of the blend's error at tracked horizon `h` (after `settle`).

        `scale` stands in for the blend's mean absolute error before any point is scored.
        """
        return bands.error_quantile(
            self._quant[h], self._blend_mae[h] if self.seen[h] else scale, tau
        )

    def resolve(self, h: int) -> None:
        """Score the points queued at tracked horizon `h`, in order."""
        queue = self.queues[h]
        if len(queue) >= _BLOCK_MIN:
            ys, bases, extras = (list(column) for column in zip(*queue, strict=True))
            cands = blend.candidate_block(bases, extras)
            if h == _FAST_AT:
                self._resolve_fast_block(ys, cands)
            else:
                self._resolve_block(h, ys, cands)
        elif h == _FAST_AT:
            self._resolve_fast_rows(queue)
        else:
            self._resolve_rows(h, queue)
        queue.clear()
        self.limits[h] = _QUEUE_MAX

    def _resolve_rows(
        self, h: int, queue: list[tuple[float, tuple[float, ...], tuple[float, ...]]]
    ) -> None:
        """Resolve the queue point by point (a short queue)."""
        rate0 = self._rates[h]
        moves = _MOVES[h]
        raised = blend.raised
        candidates, mul = blend.candidates, operator.mul
        seen, mae, quant = self.seen[h], self._blend_mae[h], self._quant[h]
        maes, weights = self._mae[h], self.weights[h]
        for y, base, (target, day_y, recurring, hourly, week_y) in queue:
            day = None if day_y != day_y else day_y  # NaN: unknown
            cands = candidates(base, target, day, recurring, hourly, week_y)
            err = y - sum(map(mul, weights, cands))
            seen += 1
            rate = rate0 if seen * rate0 >= 1.0 else 1.0 / seen
            mae, quant = _band_step(err, seen, mae, quant, moves, rate, self._scale)
            maes = [m + rate * (abs(y - f) - m) for m, f in zip(maes, cands, strict=False)]
            best = min(maes)
            if best > 0.0:  # blend.inverse_error_weights, inline
                inv = [raised(best / m) for m in maes]
                norm = 1.0 / sum(inv)
                weights = [v * norm for v in inv]
            else:
                weights = blend.inverse_error_weights(maes)
        self.seen[h], self._blend_mae[h], self._quant[h] = seen, mae, quant
        self._mae[h], self.weights[h] = maes, weights

    def _resolve_block(self, h: int, ys: list[float], cands: _Floats) -> None:
        """Resolve the queue with numpy, elementwise over it (see the module doc, Speed)."""
        n = len(ys)
        seen0 = self.seen[h]
        rates = _rates(self._rates[h], seen0, n)
        y = np.fromiter(ys, np.float64, n)
        # each candidate's tracked error after each point: one recurrence per candidate
        errors = np.abs(y - cands).tolist()
        maes = _forgotten(self._mae[h], rates, errors)
        weights = _weights_after(maes)
        # the blend's error at each point, with the weights before it
        before = np.empty_like(cands)
        before[:, 0] = self.weights[h]
        before[:, 1:] = weights[:, :-1]
        err = (y - _rows_sum(before * cands)).tolist()
        self._blend_mae[h], self._quant[h] = self._bands_after(h, err, rates)
        self.seen[h] = seen0 + n
        self._mae[h] = maes[:, -1].tolist()
        self.weights[h] = weights[:, -1].tolist()

    def _resolve_fast_rows(
        self, queue: list[tuple[float, tuple[float, ...], tuple[float, ...]]]
    ) -> None:
        """`_resolve_rows` at FAST_AT: the slow and the fast blend, and their combination.

        Each candidate's error is tracked with the horizon's memory (the slow blend's
        weights) and with a quarter of it (the fast blend's); the two blends' own errors
        are tracked with the horizon's memory and weigh them (inverse error, as the
        candidates). A short memory follows a series whose best candidate changes often,
        a long one ranks the candidates of a steadier series from more errors; the
        combination follows whichever has worked lately.
        """
        h = _FAST_AT
        rate0, fast0 = self._rates[h], self._fast_rate
        moves = _MOVES[h]
        candidates, mul, weigh = blend.candidates, operator.mul, blend.inverse_error_weights
        seen, mae, quant = self.seen[h], self._blend_mae[h], self._quant[h]
        maes, slow = self._mae[h], self._slow
        fast_maes, fast = self._fast_mae, self._fast_weights
        e_slow, e_fast = self._top
        w_slow, w_fast = self._top_weights
        for y, base, (target, day_y, recurring, hourly, week_y) in queue:
            day = None if day_y != day_y else day_y  # NaN: unknown
            cands = candidates(base, target, day, recurring, hourly, week_y)
            f_slow = sum(map(mul, slow, cands))
            f_fast = sum(map(mul, fast, cands))
            err = y - (w_slow * f_slow + w_fast * f_fast)
            seen += 1
            rate = rate0 if seen * rate0 >= 1.0 else 1.0 / seen
            fast_rate = fast0 if seen * fast0 >= 1.0 else 1.0 / seen
            mae, quant = _band_step(err, seen, mae, quant, moves, rate, self._scale)
            e_slow += rate * (abs(y - f_slow) - e_slow)
            e_fast += rate * (abs(y - f_fast) - e_fast)
            w_slow, w_fast = _pair_weights(e_slow, e_fast)
            errors = [abs(y - f) for f in cands]
            maes = [m + rate * (e - m) for m, e in zip(maes, errors, strict=False)]
            fast_maes = [m + fast_rate * (e - m) for m, e in zip(fast_maes, errors, strict=False)]
            slow, fast = weigh(maes), weigh(fast_maes)
        self.seen[h], self._blend_mae[h], self._quant[h] = seen, mae, quant
        self._keep_fast(maes, slow, fast_maes, fast, (e_slow, e_fast), (w_slow, w_fast))

    def _resolve_fast_block(self, ys: list[float], cands: _Floats) -> None:
        """`_resolve_fast_rows` with numpy, elementwise over the queue (as `_resolve_block`)."""
        h = _FAST_AT
        n = len(ys)
        seen0 = self.seen[h]
        rates = _rates(self._rates[h], seen0, n)
        fast_rates = _rates(self._fast_rate, seen0, n)
        y = np.fromiter(ys, np.float64, n)
        errors = np.abs(y - cands).tolist()
        maes = _forgotten(self._mae[h], rates, errors)
        fast_maes = _forgotten(self._fast_mae, fast_rates, errors)
        slow, fast = _weights_after(maes), _weights_after(fast_maes)
        # each blend's forecast at each point, with its weights before it
        before = np.empty_like(cands)
        before[:, 0] = self._slow
        before[:, 1:] = slow[:, :-1]
        f_slow = _rows_sum(before * cands).tolist()
        before[:, 0] = self._fast_weights
        before[:, 1:] = fast[:, :-1]
        f_fast = _rows_sum(before * cands).tolist()
        # the two blends' tracked errors and weights: one short recurrence per point
        e_slow, e_fast = self._top
        w_slow, w_fast = self._top_weights
        err: list[float] = []
        append = err.append
        for actual, a, b, rate in zip(ys, f_slow, f_fast, rates, strict=True):
            append(actual - (w_slow * a + w_fast * b))
            e_slow += rate * (abs(actual - a) - e_slow)
            e_fast += rate * (abs(actual - b) - e_fast)
            w_slow, w_fast = _pair_weights(e_slow, e_fast)
        self._blend_mae[h], self._quant[h] = self._bands_after(h, err, rates)
        self.seen[h] = seen0 + n
        self._keep_fast(
            maes[:, -1].tolist(),
            slow[:, -1].tolist(),
            fast_maes[:, -1].tolist(),
            fast[:, -1].tolist(),
            (e_slow, e_fast),
            (w_slow, w_fast),
        )

    def _keep_fast(
        self,
        maes: list[float],
        slow: list[float],
        fast_maes: list[float],
        fast: list[float],
        top: tuple[float, float],
        top_w: tuple[float, float],
    ) -> None:
        """Keep the state at FAST_AT; its forecast weights combine the slow and fast ones."""
        h = _FAST_AT
        self._mae[h], self._slow = maes, slow
        self._fast_mae, self._fast_weights = fast_maes, fast
        self._top, self._top_weights = top, top_w
        a, b = top_w
        self.weights[h] = [a * s + b * f for s, f in zip(slow, fast, strict=True)]

    def _bands_after(
        self, h: int, errors: list[float], rates: list[float]
    ) -> tuple[float, list[float]]:
        """The blend's mean absolute error and error quantiles after `errors` (seen >= 1).

        The error scale first (one recurrence), then each quantile on the errors divided by
        the scale before them (one recurrence per quantile): the order of scoring point by
        point, without its per-point lists.
        """
        mae = self._blend_mae[h]
        scaled = []
        for err, rate in zip(errors, rates, strict=True):
            if mae > 0:
                scaled.append(err / mae)
                a = abs(err)
                if a > _CLIP * mae:
                    a = _CLIP * mae
            else:
                scaled.append(0.0)
                a = abs(err)
            mae += rate * (a - mae)
        quant = []
        for q, (down, up) in zip(self._quant[h], _MOVES[h], strict=True):
            for z in scaled:
                q = q + down if z < q else q + up
            quant.append(q)
        return mae, quant


def _band_step(
    err: float,
    seen: int,
    mae: float,
    quant: list[float],
    moves: tuple[tuple[float, float], ...],
    rate: float,
    scale: Callable[[], float],
) -> tuple[float, list[float]]:
    """The blend's error scale and error quantiles after its `seen`-th error, point by point.

    The first error starts the scale (the series' `scale()` when it is exactly zero); each
    quantile moves by its (down, up) step against the error divided by the scale before
    it; the scale is then forgotten towards the error, clipped at `_CLIP` of it so one
    spike moves it only so far. `ErrorTracker._bands_after` does the same for a block.
    """
    if seen == 1:
        mae = abs(err) or scale()
    z = err / mae if mae > 0 else 0.0
    quant = [q + down if z < q else q + up for q, (down, up) in zip(quant, moves, strict=False)]
    a = abs(err)
    if mae > 0 and a > _CLIP * mae:
        a = _CLIP * mae
    return mae + rate * (a - mae), quant


def _weights_after(maes: _Floats) -> _Floats:
    """`blend.inverse_error_weights` of each column of `maes` (candidate, point)."""
    best = maes.min(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        inv = best / maes
        for _ in range(_SQUARINGS):  # blend.raised, elementwise
            inv *= inv
        weights: _Floats = inv * (1.0 / _rows_sum(inv))
    ties = np.flatnonzero(best <= 0.0)  # exact candidates: blend.inverse_error_weights
    for i in ties.tolist():
        weights[:, i] = blend.inverse_error_weights(maes[:, i].tolist())
    return weights


def _pair_weights(slow: float, fast: float) -> tuple[float, float]:
    """`blend.inverse_error_weights` of the two blends' errors, without its lists."""
    if slow <= 0.0 or fast <= 0.0:
        w = blend.inverse_error_weights([slow, fast])
        return w[0], w[1]
    if slow <= fast:  # the better one's ratio is exactly 1
        other = blend.raised(slow / fast)
        norm = 1.0 / (1.0 + other)
        return norm, other * norm
    other = blend.raised(fast / slow)
    norm = 1.0 / (other + 1.0)
    return other * norm, norm


def _rates(rate: float, seen: int, n: int) -> list[float]:
    """The forgetting rate at each of the next `n` points after `seen` (1/seen at first)."""
    if (seen + 1) * rate >= 1.0:  # past the first points: one rate throughout
        return [rate] * n
    return [rate if s * rate >= 1.0 else 1.0 / s for s in range(seen + 1, seen + n + 1)]


def _forgotten(start: list[float], rates: list[float], errors: list[list[float]]) -> _Floats:
    """Each candidate's forgotten error after each point (candidate, point), from `start`."""
    n = len(rates)
    chained = itertools.chain.from_iterable(
        _forget(m, rates, row) for m, row in zip(start, errors, strict=True)
    )
    return np.fromiter(chained, np.float64, len(start) * n).reshape(len(start), n)


def _forget(m: float, rates: list[float], errors: list[float]) -> list[float]:
    """The exponentially forgotten error after each of `errors`, from `m`."""
    rate = rates[0]
    if rate == rates[-1]:  # one rate throughout (past the first points): the lean loop
        return [m := m + rate * (a - m) for a in errors]
    out: list[float] = []
    append = out.append
    for rate, a in zip(rates, errors, strict=True):
        m += rate * (a - m)
        append(m)
    return out
