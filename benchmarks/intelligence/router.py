"""Benchmark of `BanditRouter` on a simulator of options whose quality drifts.

    .venv/bin/python benchmarks/intelligence/router.py [--steps 5000] [--seeds 10]

Each step an item arrives (with features in the contextual scenario), a policy picks one of
K options, and the option succeeds with a probability that depends on the scenario (the
reward is 1 for a success, 0 for a failure). Regret is the pseudo-regret against the oracle
that knows every option's current success probability: the sum over steps of the best
probability minus the chosen option's. Scenarios:

- `stationary`: 5 options, success probabilities drawn once per seed in [0.2, 0.8].
- `abrupt`: as stationary, but every steps/4 the probabilities are drawn anew (a pool
  degrades, another recovers).
- `gradual`: each option's probability follows its own slow sine wave (period steps/2).
- `contextual`: the success probability of option k is sigmoid(w_k . x) for a 3-feature item
  x; the w_k drift once, at the middle.

Policies on the same seeds and the same item streams: the router (its defaults, discount
0.998, and with discount=1.0, the stationary variant), epsilon-greedy (epsilon 0.1), UCB1
(Auer et al. 2002), Beta-Bernoulli Thompson sampling, and a uniform random choice. One JSON
line per (scenario, policy): mean and standard error of the cumulative regret over seeds,
and the router's choose+observe speed.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from collections.abc import Callable

import numpy as np

from podium.intelligence.router import BanditRouter

K = 5
N_FEATURES = 3


class EpsilonGreedy:
    def __init__(self, k: int, seed: int, epsilon: float = 0.1) -> None:
        self.rng = np.random.default_rng(seed)
        self.eps = epsilon
        self.n = np.zeros(k)
        self.s = np.zeros(k)

    def choose(self, x: np.ndarray | None) -> int:
        if self.rng.random() < self.eps or not self.n.all():
            return int(self.rng.integers(len(self.n)))
        return int(np.argmax(self.s / self.n))

    def observe(self, a: int, r: float, x: np.ndarray | None) -> None:
        self.n[a] += 1
        self.s[a] += r


class UCB1:
    def __init__(self, k: int, seed: int) -> None:
        self.n = np.zeros(k)
        self.s = np.zeros(k)
        self.t = 0

    def choose(self, x: np.ndarray | None) -> int:
        for a in range(len(self.n)):
            if self.n[a] == 0:
                return a
        bonus = np.sqrt(2.0 * math.log(self.t) / self.n)
        return int(np.argmax(self.s / self.n + bonus))

    def observe(self, a: int, r: float, x: np.ndarray | None) -> None:
        self.t += 1
        self.n[a] += 1
        self.s[a] += r


class Thompson:
    """Beta-Bernoulli Thompson sampling (uniform prior)."""

    def __init__(self, k: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.alpha = np.ones(k)
        self.beta = np.ones(k)

    def choose(self, x: np.ndarray | None) -> int:
        return int(np.argmax(self.rng.beta(self.alpha, self.beta)))

    def observe(self, a: int, r: float, x: np.ndarray | None) -> None:
        self.alpha[a] += r
        self.beta[a] += 1.0 - r


class Uniform:
    def __init__(self, k: int, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.k = k

    def choose(self, x: np.ndarray | None) -> int:
        return int(self.rng.integers(self.k))

    def observe(self, a: int, r: float, x: np.ndarray | None) -> None:
        pass


class Router:
    def __init__(self, k: int, seed: int, contextual: bool, **kwargs: float) -> None:
        self.names = [f"option-{i}" for i in range(k)]
        self.router = BanditRouter(
            self.names, seed=seed, n_features=N_FEATURES if contextual else None, **kwargs
        )
        self.index = {n: i for i, n in enumerate(self.names)}

    def choose(self, x: np.ndarray | None) -> int:
        return self.index[self.router.choose(None if x is None else x.tolist())]

    def observe(self, a: int, r: float, x: np.ndarray | None) -> None:
        self.router.observe(self.names[a], r, None if x is None else x.tolist())


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def environment(scenario: str, seed: int, steps: int) -> tuple[np.ndarray, np.ndarray | None]:
    """(success probability of each option at each step [steps, K], features [steps, F])."""
    rng = np.random.default_rng(10_000 + seed)
    if scenario == "stationary":
        return np.tile(rng.uniform(0.2, 0.8, K), (steps, 1)), None
    if scenario == "abrupt":
        block = steps // 4
        probs = np.concatenate([np.tile(rng.uniform(0.2, 0.8, K), (block, 1)) for _ in range(4)])
        return probs[:steps], None
    if scenario == "gradual":
        t = np.arange(steps)[:, None]
        phase = rng.uniform(0, 2 * math.pi, K)
        return 0.5 + 0.3 * np.sin(2 * math.pi * t / (steps / 2) + phase), None
    if scenario == "contextual":
        x = rng.normal(0.0, 1.0, (steps, N_FEATURES))
        w1 = rng.normal(0.0, 1.0, (K, N_FEATURES + 1))
        w2 = rng.normal(0.0, 1.0, (K, N_FEATURES + 1))
        xb = np.hstack([np.ones((steps, 1)), x])
        probs = np.empty((steps, K))
        half = steps // 2
        probs[:half] = sigmoid(xb[:half] @ w1.T)
        probs[half:] = sigmoid(xb[half:] @ w2.T)
        return probs, x
    raise ValueError(scenario)


def run(policy: object, probs: np.ndarray, x: np.ndarray | None, seed: int) -> float:
    rng = np.random.default_rng(20_000 + seed)
    draws = rng.random(probs.shape)
    regret = 0.0
    choose = policy.choose  # type: ignore[attr-defined]
    observe = policy.observe  # type: ignore[attr-defined]
    for t in range(len(probs)):
        xt = None if x is None else x[t]
        a = choose(xt)
        r = 1.0 if draws[t, a] < probs[t, a] else 0.0
        observe(a, r, xt)
        regret += float(probs[t].max() - probs[t, a])
    return regret


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=5000)
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--scenarios", default="stationary,abrupt,gradual,contextual")
    args = p.parse_args()
    for scenario in args.scenarios.split(","):
        contextual = scenario == "contextual"
        policies: dict[str, Callable[..., object]] = {
            "router": lambda s, c=contextual: Router(K, s, c),
            "router_discount_1.0": lambda s, c=contextual: Router(K, s, c, discount=1.0),
            "epsilon_greedy_0.1": lambda s: EpsilonGreedy(K, s),
            "ucb1": lambda s: UCB1(K, s),
            "thompson": lambda s: Thompson(K, s),
            "uniform": lambda s: Uniform(K, s),
        }
        for name, make in policies.items():
            regrets = []
            start = time.perf_counter()
            for seed in range(args.seeds):
                probs, x = environment(scenario, seed, args.steps)
                regrets.append(run(make(seed), probs, x, seed))
            elapsed = time.perf_counter() - start
            line = {
                "bench": "router",
                "scenario": scenario,
                "policy": name,
                "steps": args.steps,
                "seeds": args.seeds,
                "regret_mean": round(statistics.fmean(regrets), 1),
                "regret_se": round(statistics.stdev(regrets) / math.sqrt(len(regrets)), 1),
                "steps_per_s": round(args.steps * args.seeds / elapsed),
            }
            print(json.dumps(line), flush=True)
        print(f"  {scenario}: done", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
