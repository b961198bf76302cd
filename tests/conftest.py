"""Fixtures shared by every test layer, and the `--store-faults` option."""

import pytest

from podium import config


def pytest_addoption(parser: pytest.Parser) -> None:
    """`--store-faults RATE [--store-faults-seed N]`: the conformance suite under store faults."""
    group = parser.getgroup("podium")
    group.addoption(
        "--store-faults",
        type=float,
        default=None,
        metavar="RATE",
        help="fail RATE (0..1) of the engine's store calls in tests/conformance with a "
        "transient fault (podium.testing's fault injection); tests/conformance/faults "
        "always runs a subset at 0.005",
    )
    group.addoption(
        "--store-faults-seed",
        type=int,
        default=None,
        metavar="N",
        help="seed of the injected store faults (default: a random seed, printed on failure)",
    )


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep PODIUM_* settings of the calling shell out of tests; a test sets what it needs."""
    for variable, _kind in config._ENV.values():
        monkeypatch.delenv(variable, raising=False)
