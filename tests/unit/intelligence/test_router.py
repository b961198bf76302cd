"""BanditRouter: convergence, adaptation after a drift, context, determinism, bad input."""

import math
import random
from collections import Counter

import pytest

from podium.intelligence import BanditRouter
from podium.intelligence.router import reward_of

OPTIONS = ["a", "b", "c"]


def simulate(router, probs_at, steps, seed=1, features_at=None):
    """Run `steps` items; return the list of choices. Rewards are seeded Bernoulli draws."""
    rng = random.Random(seed)
    choices = []
    for t in range(steps):
        x = None if features_at is None else features_at(t)
        option = router.choose(x)
        p = probs_at(t, x)[option]
        router.observe(option, 1.0 if rng.random() < p else 0.0, x)
        choices.append(option)
    return choices


def test_converges_to_the_best_option():
    router = BanditRouter(OPTIONS, seed=3)
    probs = {"a": 0.3, "b": 0.7, "c": 0.5}
    choices = simulate(router, lambda t, x: probs, 1500)
    late = Counter(choices[-500:])
    assert late["b"] > 400
    expected = router.expected()
    assert max(expected, key=expected.__getitem__) == "b"


def test_adapts_after_a_drift():
    router = BanditRouter(OPTIONS, seed=5)
    before = {"a": 0.8, "b": 0.3, "c": 0.3}
    after = {"a": 0.2, "b": 0.3, "c": 0.8}
    choices = simulate(router, lambda t, x: before if t < 1000 else after, 3000)
    assert Counter(choices[800:1000])["a"] > 160
    assert Counter(choices[-500:])["c"] > 400


def test_stationary_router_is_slower_to_adapt_than_the_discounted_one():
    before = {"a": 0.8, "b": 0.3, "c": 0.3}
    after = {"a": 0.2, "b": 0.3, "c": 0.8}
    probs = lambda t, x: before if t < 1000 else after  # noqa: E731
    discounted = simulate(BanditRouter(OPTIONS, seed=2), probs, 1600)
    stationary = simulate(BanditRouter(OPTIONS, seed=2, discount=1.0), probs, 1600)
    assert Counter(discounted[1000:])["c"] > Counter(stationary[1000:])["c"]


def test_uses_features_to_route():
    router = BanditRouter(["left", "right"], seed=11)

    def probs(t, x):
        return {"left": 0.9, "right": 0.1} if x[0] < 0 else {"left": 0.1, "right": 0.9}

    features = lambda t: [math.sin(t * 1.7)]  # noqa: E731
    simulate(router, probs, 1500, features_at=features)
    assert router.choose([-0.8]) == "left"
    assert router.choose([0.8]) == "right"
    assert router.expected([-0.8])["left"] > router.expected([-0.8])["right"]


def test_deterministic_with_a_seed_and_replayable():
    probs = {"a": 0.4, "b": 0.6, "c": 0.5}
    one = simulate(BanditRouter(OPTIONS, seed=42), lambda t, x: probs, 300)
    two = simulate(BanditRouter(OPTIONS, seed=42), lambda t, x: probs, 300)
    other = simulate(BanditRouter(OPTIONS, seed=43), lambda t, x: probs, 300)
    assert one == two
    assert one != other


def test_global_random_state_is_untouched():
    import numpy as np

    random.seed(0)
    np.random.seed(0)
    r0, n0 = random.random(), np.random.random()
    random.seed(0)
    np.random.seed(0)
    router = BanditRouter(OPTIONS, seed=1)
    for _ in range(20):
        router.observe(router.choose(), 1.0)
    assert (random.random(), np.random.random()) == (r0, n0)


def test_reward_of():
    assert reward_of(True) == 1.0
    assert reward_of(False) == 0.0
    assert reward_of(True, latency=2.0, cost=0.05) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="latency"):
        reward_of(True, latency=-1.0)
    with pytest.raises(ValueError, match="cost"):
        reward_of(True, cost=float("nan"))


@pytest.mark.parametrize(
    ("options", "kwargs", "error"),
    [
        ([], {}, ValueError),
        (["a", "a"], {}, ValueError),
        (["a", 2], {}, TypeError),
        ("ab", {}, TypeError),
        (["a", "b"], {"discount": 0.0}, ValueError),
        (["a", "b"], {"discount": 1.5}, ValueError),
        (["a", "b"], {"exploration": 0.0}, ValueError),
        (["a", "b"], {"n_features": -1}, ValueError),
    ],
)
def test_bad_construction(options, kwargs, error):
    with pytest.raises(error):
        BanditRouter(options, **kwargs)


def test_bad_observations_and_features():
    router = BanditRouter(OPTIONS, n_features=2)
    with pytest.raises(ValueError, match="unknown option"):
        router.observe("z", 1.0, [0.0, 0.0])
    with pytest.raises(ValueError, match="finite"):
        router.observe("a", float("inf"), [0.0, 0.0])
    with pytest.raises(TypeError, match="number"):
        router.observe("a", "1.0", [0.0, 0.0])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 features"):
        router.choose([1.0])
    with pytest.raises(ValueError, match="2 features"):
        router.choose()
    with pytest.raises(ValueError, match="finite"):
        router.choose([1.0, float("nan")])
    with pytest.raises(TypeError, match="sequence"):
        router.choose("ab")  # type: ignore[arg-type]
    assert router.observations == 0
    router.observe("a", 1.0, [0.5, -0.5])
    assert router.observations == 1
