"""Module-level task functions for the cluster tests: pure functions of (payload, seed).

The tests register this module with ``cloudpickle.register_pickle_by_value`` so that Dask ships
the functions to the worker processes by value (the tests folder is not an installed package).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from bellsense import backends, circuits, noise


def aer_counts(payload: dict[str, Any], seed: int) -> dict[str, int]:
    """Counts of a real seeded Aer run: GHZ or product on n qubits, a dephasing window, x parity readout.

    ``payload``: state ("ghz" | "product"), n, t, gamma, shots.
    """
    n = int(payload["n"])
    prep = circuits.ghz(n) if payload["state"] == "ghz" else circuits.product(n)
    circuit = circuits.assemble(prep, circuits.sensing_window(n, float(payload["t"]), 0.0),
                                circuits.pauli_setting(["X"] * n))
    model = noise.window_noise_model(noise.NoiseSpec(dephasing=float(payload["gamma"])), n, float(payload["t"]))
    counts = backends.sample_counts(circuit, int(payload["shots"]), model, seed=seed)
    assert isinstance(counts, dict)
    return dict(sorted(counts.items()))


def numpy_draws(payload: dict[str, Any], seed: int) -> list[float]:
    """``size`` standard normal draws of ``numpy.random.default_rng(seed)``: any seed change shows.

    An optional ``sleep`` (seconds) keeps tasks in flight while a test kills a worker.
    """
    time.sleep(float(payload.get("sleep", 0.0)))
    return [float(x) for x in np.random.default_rng(seed).normal(size=int(payload["size"]))]


def fails_when_told(payload: dict[str, Any], seed: int) -> int:
    """Raises ``ArithmeticError`` on every attempt if ``payload["fail"]``, else returns ``seed % 1000``."""
    if payload.get("fail"):
        raise ArithmeticError(f"told to fail (seed {seed})")
    return seed % 1000
