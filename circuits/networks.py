"""Probe states for networks of sensors (seed 002, PHYSICS.md "Sensor networks").

A network of d sensors is described by ``sizes = [n_0, ..., n_{d-1}]``: sensor
k owns the contiguous qubits ``offset_k .. offset_k + n_k - 1`` with
``offset_k = n_0 + ... + n_{k-1}``. Phase ``phi_k`` is encoded on sensor k by
the ``J_z`` of its qubits (``encoding.sensor_encoding``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit import QuantumCircuit

from bellsense.spin import check_n

from .preparation import ghz

_INT_TOL = 1e-9


def check_sizes(sizes: Sequence[int], n: int | None = None, allow_empty: bool = False) -> list[int]:
    """Validate sensor sizes (ints >= 1, or >= 0 with ``allow_empty``) and, if given, that they add up to n."""
    try:
        values = list(sizes)
    except TypeError as exc:
        raise TypeError(f"sizes must be a sequence of ints (qubits per sensor), got {sizes!r}") from exc
    if not values:
        raise ValueError("sizes is empty: give the number of qubits of each sensor")
    out = []
    for k, s in enumerate(values):
        if isinstance(s, bool) or not isinstance(s, (int, np.integer)):
            raise TypeError(f"sizes[{k}] = {s!r} is not an int")
        low = 0 if allow_empty else 1
        if s < low:
            raise ValueError(f"sizes[{k}] = {s}: every sensor needs at least {low} qubit(s)")
        out.append(int(s))
    total = sum(out)
    if total < 1:
        raise ValueError("the sensors have no qubits at all")
    if n is not None and total != n:
        raise ValueError(f"sensor sizes {out} add up to {total}, not to n = {n}")
    return out


def sensor_qubits(sizes: Sequence[int]) -> list[list[int]]:
    """Qubit indices of each sensor (contiguous blocks in order)."""
    sizes = check_sizes(sizes, allow_empty=True)
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    return [list(range(int(offsets[k]), int(offsets[k + 1]))) for k in range(len(sizes))]


def sensor_network(sizes: Sequence[int], n: int | None = None, method: str = "linear") -> QuantumCircuit:
    """Sensor-separable probe: a GHZ state inside each sensor, a product across sensors.

    Seed 002 shows that separable probes are optimal for estimating all ``phi_k``
    at once (block-diagonal QFI matrix); a GHZ inside sensor k reaches
    ``F_kk = n_k^2``. A one-qubit sensor holds ``|+>``.

    Parameters
    ----------
    sizes : sequence of int >= 1
        Qubits per sensor.
    n : int, optional
        Total number of qubits; if given, ``sum(sizes)`` must equal it.
    method : {"linear", "log"}
        GHZ construction inside each sensor (see ``preparation.ghz``).
    """
    sizes = check_sizes(sizes, None if n is None else check_n(n))
    total = sum(sizes)
    qc = QuantumCircuit(total, name=f"network_{'_'.join(map(str, sizes))}")
    for qubits in sensor_qubits(sizes):
        qc.compose(ghz(len(qubits), method), qubits=qubits, inplace=True)
    qc.metadata = {"prep": {"state": "network", "network": "separable", "n": total, "sizes": sizes, "method": method}}
    return qc


def linear_function_sizes(v: Sequence[float], n: int) -> list[int]:
    """Seed 002's optimal split ``n_k = n |v_k| / ||v||_1`` for the GHZ-like state; must be integers."""
    vec = _check_v(v)
    n = check_n(n)
    exact = n * np.abs(vec) / np.abs(vec).sum()
    rounded = np.rint(exact)
    if np.any(np.abs(exact - rounded) > _INT_TOL) or rounded.sum() != n:
        raise ValueError(
            f"n |v_k| / ||v||_1 = {exact.tolist()} are not all integers for n = {n}; "
            "pass sizes=... explicitly (e.g. rounded values adding up to n)"
        )
    return [int(r) for r in rounded]


def separable_sizes(v: Sequence[float], n: int) -> list[int]:
    """Qubits per sensor of the best sensor-separable probe: ``w_k ∝ |v_k|^{2/3}``, rounded to integers adding up to n.

    Proctor, Knott & Dunningham, PRL 120, 080501 (2018), arXiv:1702.04271: with a GHZ state in each
    sensor, ``Var(theta) = sum_k v_k^2 / w_k^2`` is smallest for ``w_k ∝ |v_k|^{2/3}`` (cost
    ``||v||_{2/3}^2 / N^2``). Largest-remainder rounding; sensors with ``v_k = 0`` get none, every other
    sensor at least one qubit.
    """
    vec = _check_v(v)
    n = check_n(n)
    u = np.abs(vec / np.linalg.norm(vec))
    active = u > 0
    if n < int(active.sum()):
        raise ValueError(f"n = {n} qubits cannot give each of the {int(active.sum())} sensors with v_k != 0 one qubit")
    exact = n * u ** (2 / 3) / (u ** (2 / 3)).sum()
    sizes = np.where(active, np.maximum(np.floor(exact), 1), 0).astype(int)
    order = np.argsort(-(exact - np.floor(exact)))
    k = 0
    while sizes.sum() < n:
        if active[order[k % u.size]]:
            sizes[order[k % u.size]] += 1
        k += 1
    while sizes.sum() > n:  # only when the floor-at-1 overshot: take from the largest
        sizes[int(np.argmax(sizes))] -= 1
    return [int(s) for s in sizes]


def _check_v(v) -> np.ndarray:
    try:
        vec = np.asarray(v, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"v must be a sequence of real coefficients, got {v!r}") from exc
    if vec.size < 1 or not np.all(np.isfinite(vec)) or not np.any(vec != 0):
        raise ValueError(f"v = {np.asarray(v).tolist()} must be finite with at least one non-zero coefficient")
    return vec


def linear_function_state(
    v: Sequence[float], n: int, sizes: Sequence[int] | None = None, method: str = "linear"
) -> QuantumCircuit:
    """GHZ-like state across sensors for ``theta = v^T phi``: ``(|max_v> + |min_v>)/sqrt(2)``.

    ``|max_v>`` is the product eigenstate of ``h_v = sum_k v_k J_z^(k)`` with the
    largest eigenvalue: sensor k in ``|0...0>`` if ``v_k > 0`` and ``|1...1>`` if
    ``v_k < 0``; ``|min_v>`` is its bitwise complement. With ``n_k = n|v_k|/||v||_1``
    qubits on sensor k (the default) it reaches ``Var >= ||v||_1^2 / (mu n^2)``
    (seed 002). For ``v = (-1, 1)/sqrt(2)`` and equal halves it is the gradient state
    ``|1..1 0..0> + |0..0 1..1>``. Circuit: a GHZ on all n qubits, then X on the
    qubits of sensors with ``v_k < 0``.

    Parameters
    ----------
    v : sequence of float
        Coefficients of the linear function (any non-zero scale; only signs and
        ``|v_k|/||v||_1`` matter for the state).
    n : int
        Total number of qubits.
    sizes : sequence of int, optional
        Qubits per sensor; default :func:`linear_function_sizes` (ValueError if
        not integral). Must add up to n; ``sizes[k] = 0`` exactly when ``v_k = 0``.
    """
    vec = _check_v(v)
    n = check_n(n)
    if sizes is None:
        sizes = linear_function_sizes(vec.tolist(), n)
    sizes = check_sizes(sizes, n, allow_empty=True)
    if len(sizes) != vec.size:
        raise ValueError(f"v has {vec.size} sensors but sizes has {len(sizes)} entries")
    for k, (vk, sk) in enumerate(zip(vec, sizes)):
        if (vk == 0) != (sk == 0):
            raise ValueError(f"sensor {k}: v_k = {vk} but sizes[k] = {sk}; a sensor has qubits iff v_k != 0")
    qc = QuantumCircuit(n, name="linear_function")
    qc.compose(ghz(n, method), inplace=True)
    for vk, qubits in zip(vec, sensor_qubits(sizes)):
        if vk < 0 and qubits:
            qc.x(qubits)
    qc.metadata = {
        "prep": {
            "state": "network",
            "network": "linear_function",
            "n": int(n),
            "sizes": sizes,
            "v": vec.tolist(),
            "method": method,
        }
    }
    return qc
