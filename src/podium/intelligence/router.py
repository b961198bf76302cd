"""`BanditRouter`: learned routing of items to options (worker pools, queues, agents).

Usage::

    router = BanditRouter(["pool-a", "pool-b", "pool-c"], seed=7, discount=0.998)
    option = router.choose()                  # or router.choose(features=[...]) with context
    ...                                       # record `option` (history); run the item there
    router.observe(option, reward)            # reward: higher is better, e.g. reward_of(...)
    router.observe(option, reward_of(success=True, latency=0.8, cost=0.02))

Method
------
**Discounted linear Thompson sampling.** Each option keeps a Bayesian linear regression of
its reward on the features ``x`` (with an intercept; no features = the intercept alone, i.e.
Gaussian Thompson sampling on the mean reward). ``choose`` samples one coefficient vector per
option from its posterior ``N(A^-1 b, v^2 A^-1)`` and picks the option whose sample predicts
the highest reward for ``x`` (Agrawal & Goyal, "Thompson Sampling for Contextual Bandits with
Linear Payoffs", ICML 2013). ``observe`` first *discounts* every option's statistics,
``A <- g A + (1 - g) lam I`` and ``b <- g b + (1 - g) lam m e0`` (``g`` the discount, ``m``
the prior mean reward), then adds the observation, ``A += x x^T`` and ``b += r x``. Old
evidence fades with weight ``g^age``, so an option that got worse loses its lead and one not
tried lately becomes uncertain again and is re-explored: the non-stationary variant of
Raj & Kalyani, "Taming Non-stationary Bandits: A Bayesian Approach" (2017) and Kim & Tewari,
"Randomized Exploration for Non-Stationary Stochastic Linear Bandits" (UAI 2020). The
effective memory is about ``1 / (1 - g)`` observations (500 with the default 0.998);
``discount=1.0`` is stationary Thompson sampling. The defaults (``discount=0.998``,
``exploration=0.15``) were chosen on the simulator of ``benchmarks/intelligence/router.py``
for rewards in [0, 1]; a posterior scale below the reward noise's standard deviation is the
usual practical choice for Thompson sampling (Chapelle & Li, "An Empirical Evaluation of
Thompson Sampling", NIPS 2011).

Replay safety
-------------
All randomness comes from the router's own ``numpy.random.Generator`` seeded with ``seed``;
nothing global is touched. The same seed and the same sequence of ``choose``/``observe``
calls give the same choices, so a workflow that records the chosen option in its history
(``choose`` returns it; the caller stores it) replays identically, and a router rebuilt by
replaying the recorded observations with the same seed is in the same state.

Bad input raises at once: no options, duplicate or non-``str`` options, an unknown option,
a reward that is not a finite number, features of the wrong length or non-finite, a
discount outside (0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["BanditRouter", "reward_of"]

Vector = npt.NDArray[np.float64]


def reward_of(
    success: bool,
    latency: float = 0.0,
    cost: float = 0.0,
    *,
    latency_weight: float = 0.1,
    cost_weight: float = 1.0,
) -> float:
    """A reward from an outcome: 1 for a success, 0 for a failure, minus what it cost.

    ``reward = success - latency_weight * latency - cost_weight * cost``; with the defaults a
    success that took 2 s and cost 0.05 is worth 0.75. Pick weights that put latency and cost
    in the units of how much a success is worth to you.
    """
    for name, value in (("latency", latency), ("cost", cost)):
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return (1.0 if success else 0.0) - latency_weight * float(latency) - cost_weight * float(cost)


class BanditRouter:
    """Chooses one of ``options`` per item from observed rewards; see the module docstring.

    Args:
        options: the names to choose among (distinct strings).
        seed: seeds the router's own random generator (replay safety).
        discount: weight kept by old evidence per observation, in (0, 1]; 1.0 = stationary.
        n_features: the length of ``features``; inferred from the first call that has them.
        exploration: ``v``, the posterior's scale, in reward units (rewards are best kept
            about in [0, 1], as ``reward_of`` gives them); smaller exploits sooner.
        prior_mean: the reward an option is expected to give before it is tried.
        prior_weight: ``lam``, how many observations the prior is worth.
    """

    def __init__(
        self,
        options: Sequence[str],
        *,
        seed: int = 0,
        discount: float = 0.998,
        n_features: int | None = None,
        exploration: float = 0.15,
        prior_mean: float = 0.5,
        prior_weight: float = 1.0,
    ) -> None:
        if isinstance(options, str) or not isinstance(options, Sequence):
            raise TypeError("options must be a list of option names, e.g. ['a', 'b']")
        names = list(options)
        if not names:
            raise ValueError("a BanditRouter needs at least one option")
        for name in names:
            if not isinstance(name, str):
                raise TypeError(f"option names must be str, got {type(name).__name__}")
        if len(set(names)) != len(names):
            raise ValueError(f"option names must be distinct, got {names}")
        if not isinstance(discount, int | float) or not 0.0 < discount <= 1.0:
            raise ValueError(f"discount must be in (0, 1], got {discount!r}")
        if not exploration > 0 or not prior_weight > 0 or not math.isfinite(prior_mean):
            raise ValueError("exploration and prior_weight must be > 0, prior_mean finite")
        if n_features is not None and (not isinstance(n_features, int) or n_features < 0):
            raise ValueError(f"n_features must be an int >= 0, got {n_features!r}")
        self.options: tuple[str, ...] = tuple(names)
        self.discount = float(discount)
        self.exploration = float(exploration)
        self.prior_mean = float(prior_mean)
        self.prior_weight = float(prior_weight)
        self._index = {name: i for i, name in enumerate(names)}
        self._rng = np.random.default_rng(seed)
        self._dim: int | None = None
        self._a: list[Vector] = []
        self._b: list[Vector] = []
        self._prior_a: Vector = np.zeros((0, 0))
        self._prior_b: Vector = np.zeros(0)
        self.observations = 0
        if n_features is not None:
            self._init(n_features + 1)

    # -- public API ---------------------------------------------------------------------------

    def choose(self, features: Sequence[float] | None = None) -> str:
        """The option for the next item (record it; pass it back to ``observe``)."""
        x = self._vector(features)
        best, best_value = 0, -math.inf
        v = self.exploration
        for i in range(len(self.options)):
            a, b = self._a[i], self._b[i]
            chol = np.linalg.cholesky(a)
            mean = np.linalg.solve(a, b)
            z = self._rng.standard_normal(len(b))
            # theta ~ N(mean, v^2 A^-1): with A = L L^T, L^-T z has covariance A^-1.
            theta = mean + v * np.linalg.solve(chol.T, z)
            value = float(theta @ x)
            if value > best_value:
                best, best_value = i, value
        return self.options[best]

    def observe(self, option: str, reward: float, features: Sequence[float] | None = None) -> None:
        """Record the reward of an item routed to ``option``, with the features it was chosen on."""
        i = self._index.get(option) if isinstance(option, str) else None
        if i is None:
            raise ValueError(f"unknown option {option!r}; the options are {list(self.options)}")
        if isinstance(reward, bool) or not isinstance(reward, int | float):
            raise TypeError(f"reward must be a number, got {type(reward).__name__}")
        if not math.isfinite(reward):
            raise ValueError(f"reward must be finite, got {reward!r}")
        x = self._vector(features)
        g = self.discount
        if g < 1.0:
            for j in range(len(self.options)):
                self._a[j] = g * self._a[j] + (1.0 - g) * self._prior_a
                self._b[j] = g * self._b[j] + (1.0 - g) * self._prior_b
        self._a[i] = self._a[i] + np.outer(x, x)
        self._b[i] = self._b[i] + float(reward) * x
        self.observations += 1

    def expected(self, features: Sequence[float] | None = None) -> dict[str, float]:
        """Each option's posterior mean reward for ``features`` (no randomness used)."""
        x = self._vector(features)
        return {
            name: float(np.linalg.solve(self._a[i], self._b[i]) @ x)
            for i, name in enumerate(self.options)
        }

    # -- internals ----------------------------------------------------------------------------

    def _init(self, dim: int) -> None:
        lam = self.prior_weight
        self._dim = dim
        self._prior_a = lam * np.eye(dim)
        self._prior_b = np.zeros(dim)
        self._prior_b[0] = lam * self.prior_mean
        self._a = [self._prior_a.copy() for _ in self.options]
        self._b = [self._prior_b.copy() for _ in self.options]

    def _vector(self, features: Sequence[float] | None) -> Vector:
        if features is None:
            values: list[float] = []
        else:
            if isinstance(features, str | bytes) or not hasattr(features, "__len__"):
                raise TypeError("features must be a sequence of numbers, e.g. [0.2, 1.0]")
            try:
                values = [float(f) for f in features]
            except (TypeError, ValueError) as exc:
                raise TypeError(f"features must be numbers: {exc}") from None
            if not all(math.isfinite(f) for f in values):
                raise ValueError(f"features must be finite, got {values}")
        if self._dim is None:
            self._init(len(values) + 1)
        elif len(values) + 1 != self._dim:
            raise ValueError(
                f"this router takes {self._dim - 1} features per item, got {len(values)}"
            )
        return np.array([1.0, *values])
