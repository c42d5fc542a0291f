"""Probe-state preparation circuits: GHZ, product, Dicke, symmetric states and their ensembles.

Every function returns an n-qubit ``QuantumCircuit`` without measurements whose
output on ``|0...0>`` equals, exactly (global phase included), the vector of the
same name in ``bellsense.states`` (PHYSICS.md conventions: ``|0> = |up>``,
qubit 0 is the least significant bit). ``circuit.metadata["prep"]`` records
what was prepared, JSON-serialisable.

Dicke states follow Baertschi & Eidenbenz, "Deterministic preparation of Dicke
states" (FCT 2019): a cascade of split-and-cyclic-shift (SCS) blocks maps the
unary input ``|1^l 0^(n-l)>`` (qubits ``0..l-1`` in ``|1>``) to ``|D_l^n>``
for every ``l <= k`` with ``O(k n)`` CNOTs. The Dicke basis amplitudes of the
recursion ``|D_l^m> = sqrt(l/m) |D_{l-1}^{m-1}>|1> + sqrt((m-l)/m) |D_l^{m-1}>|0>``
are all positive, so each ``|D_l^n>`` comes out with amplitude exactly +1.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import ceil, log2
from typing import NamedTuple

import numpy as np
from qiskit import QuantumCircuit
from qiskit.circuit.library import XXPlusYYGate

from bellsense.spin import check_n

AngleLike = float | Sequence[float] | np.ndarray

GHZ_METHODS = ("linear", "log")
#: Eigenvalues of an ensemble density matrix below this are dropped (and negatives down to -tol accepted).
ENSEMBLE_TOL = 1e-10


def _prep(qc: QuantumCircuit, **info) -> QuantumCircuit:
    qc.metadata = {"prep": info}
    return qc


# ---------------------------------------------------------------- GHZ


def ghz_layers(n: int, method: str = "linear") -> list[list[tuple[int, int]]]:
    """CNOT layers ``[(control, target), ...]`` that spread qubit ``seed`` into a GHZ state.

    ``"linear"`` (nearest neighbours, grown from the middle): the seed is qubit
    ``n//2 - 1`` for even n and ``(n-1)//2`` for odd n; layer 1 copies it to its
    right neighbour, then each layer extends both ends by one. CNOT depth is
    ``n/2`` for even n and ``(n+1)/2`` for odd n >= 3, i.e. ``ceil(n/2)``.
    That is optimal on a line: after L nearest-neighbour layers the backward
    light cones of qubits 0 and n-1 are ``{0..L}`` and ``{n-1-L..n-1}``, so
    ``L >= (n-1)/2``, and for odd n the only way to meet at the middle qubit
    needs it in two gates of layer 1. (``ceil((n-1)/2)`` is reached for even n.)

    ``"log"`` (doubling tree, all-to-all): seed 0; layer L copies qubits
    ``i < 2^(L-1)`` to ``i + 2^(L-1)``; CNOT depth ``ceil(log2 n)``.
    """
    n = check_n(n)
    if method not in GHZ_METHODS:
        raise ValueError(f"unknown GHZ method {method!r}: use one of {GHZ_METHODS}")
    if n == 1:
        return []
    if method == "log":
        layers = []
        for level in range(ceil(log2(n))):
            span = 1 << level
            layers.append([(i, i + span) for i in range(span) if i + span < n])
        return layers
    seed = n // 2 - 1 if n % 2 == 0 else (n - 1) // 2
    layers = [[(seed, seed + 1)]]
    left, right = seed, seed + 1
    while left > 0 or right < n - 1:
        layer = []
        if left > 0:
            layer.append((left, left - 1))
            left -= 1
        if right < n - 1:
            layer.append((right, right + 1))
            right += 1
        layers.append(layer)
    return layers


def ghz_seed(n: int, method: str = "linear") -> int:
    """The qubit that carries the Hadamard in :func:`ghz` (the root of :func:`ghz_layers`)."""
    layers = ghz_layers(n, method)
    return layers[0][0][0] if layers else 0


def ghz(n: int, method: str = "linear") -> QuantumCircuit:
    """``(|0...0> + |1...1>)/sqrt(2)``: H on a seed qubit, then CNOT layers (:func:`ghz_layers`).

    Parameters
    ----------
    n : int
        Number of qubits, n >= 1 (n = 1 gives ``|+>``, as ``states.ghz(1)``).
    method : {"linear", "log"}
        ``"linear"``: nearest-neighbour chain grown from the middle, CNOT depth ``ceil(n/2)``.
        ``"log"``: doubling tree for all-to-all connectivity, CNOT depth ``ceil(log2 n)``.
    """
    layers = ghz_layers(n, method)
    qc = QuantumCircuit(n, name=f"ghz_{n}")
    qc.h(ghz_seed(n, method))
    for layer in layers:
        for control, target in layer:
            qc.cx(control, target)
    return _prep(qc, state="ghz", n=int(n), method=method)


# ---------------------------------------------------------------- product


def _angles(value: AngleLike, n: int, name: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a float or a sequence of n floats, got {value!r}") from exc
    if arr.ndim == 0:
        arr = np.full(n, float(arr))
    arr = arr.reshape(-1)
    if arr.size != n:
        raise ValueError(f"{name} has {arr.size} entries but n = {n}; give one angle or one per qubit")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} has non-finite entries: {arr.tolist()}")
    return arr


def product(n: int, theta: AngleLike = np.pi / 2, phi: AngleLike = 0.0) -> QuantumCircuit:
    """Product state, qubit q in ``cos(theta_q/2)|0> + e^{i phi_q} sin(theta_q/2)|1>``.

    ``RY(theta_q)`` then ``P(phi_q)`` on each qubit (exact, no global phase).
    ``theta = pi/2, phi = 0`` gives ``|+>^n``; per-qubit angles give, e.g., the
    imbalanced superposition of seed 003 (``cos(theta) = delta``).
    """
    n = check_n(n)
    th, ph = _angles(theta, n, "theta"), _angles(phi, n, "phi")
    qc = QuantumCircuit(n, name=f"product_{n}")
    for q in range(n):
        if th[q] != 0.0:
            qc.ry(th[q], q)
        if ph[q] != 0.0:
            qc.p(ph[q], q)
    return _prep(qc, state="product", n=n, theta=th.tolist(), phi=ph.tolist())


# ---------------------------------------------------------------- Dicke (Baertschi-Eidenbenz)


def _ccry(qc: QuantumCircuit, angle: float, c1: int, c2: int, target: int) -> None:
    """Doubly-controlled ``RY(angle)`` with 4 CNOTs and no relative phase.

    ``X RY(a) X = RY(-a)``, so the four quarter rotations cancel unless both
    controls are 1, where they add to ``RY(angle)``.
    """
    quarter = angle / 4
    for control, sign in ((c1, 1), (c2, -1), (c1, 1), (c2, -1)):
        qc.ry(sign * quarter, target)
        qc.cx(control, target)


def _scs(qc: QuantumCircuit, n: int, m: int, k: int) -> None:
    """Split-and-cyclic-shift ``SCS_{m,k}`` in qubit labels (BE position p is qubit n - p).

    On the unary input of weight ``l <= k`` (BE positions ``m-l+1..m`` set) it gives
    ``sqrt(l/m) |...0 1^l> + sqrt((m-l)/m) |...1 1^(l-1) 0>``.
    """
    last = n - m  # BE position m
    # l = 1: a real Givens rotation on (last, last+1), 2 CNOTs:
    # |1>_last|0>_{last+1} -> sqrt(1/m) |1>|0> + sqrt((m-1)/m) |0>|1>; |00>, |11> unchanged.
    # XX+YY with beta = pi/2 is that rotation; its standard-gate definition (2 CNOTs) is
    # inlined so that simulators without an xx_plus_yy instruction (Aer) run it untranspiled.
    givens = XXPlusYYGate(2 * np.arccos(np.sqrt(1 / m)), np.pi / 2).definition
    qc.compose(givens, qubits=[last, last + 1], inplace=True)
    for ell in range(2, k + 1):
        c = last + ell  # BE position m - l
        d = last + ell - 1  # BE position m - l + 1
        qc.cx(c, last)
        _ccry(qc, 2 * np.arccos(np.sqrt(ell / m)), last, d, c)
        qc.cx(c, last)


def dicke_unitary(n: int, k: int) -> QuantumCircuit:
    """Baertschi-Eidenbenz ``U_{n,k}``: maps the unary state of weight ``l`` to ``|D_l^n>``, all ``l <= k``.

    The unary state of weight l has qubits ``0..l-1`` in ``|1>``. ``U_{n,k}``
    applies ``SCS_{m, min(k, m-1)}`` for ``m = n, n-1, ..., 2``. With 2 CNOTs per
    two-qubit block and 6 per three-qubit block it has
    ``6nk - 3k^2 - 3k - 4n + 4`` CNOTs for ``1 <= k < n`` (the BE count with
    4-CNOT doubly-controlled rotations); ``U_{n,n} = U_{n,n-1}`` has
    ``3n^2 - 7n + 4``. On inputs of weight > k the output is unspecified.
    """
    n = check_n(n)
    _check_k(n, k)
    qc = QuantumCircuit(n, name=f"dicke_unitary_{n}_{k}")
    for m in range(n, 1, -1):
        kk = min(k, m - 1)
        if kk >= 1:
            _scs(qc, n, m, kk)
    return qc


def _check_k(n: int, k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"k must be an int, got {type(k).__name__}")
    if not 0 <= k <= n:
        raise ValueError(f"Dicke excitation number k = {k} must satisfy 0 <= k <= n = {n}")
    return int(k)


def dicke(n: int, k: int) -> QuantumCircuit:
    """Dicke state ``|D_k^n>``, deterministic, ``O(k n)`` CNOTs, no ``initialize``.

    With ``k' = min(k, n-k)``: X on qubits ``0..k'-1`` (the unary input), then
    ``U_{n,k'}`` (:func:`dicke_unitary`), then, if ``k' < k``, an X on every
    qubit (``X^n |D_{n-k}> = |D_k>``). CNOT count ``6nk' - 3k'^2 - 3k' - 4n + 4``
    for ``k' >= 1``, zero for ``k' = 0``.
    """
    n = check_n(n)
    k = _check_k(n, k)
    kk = min(k, n - k)
    qc = QuantumCircuit(n, name=f"dicke_{n}_{k}")
    for q in range(kk):
        qc.x(q)
    if kk >= 1:
        qc.compose(dicke_unitary(n, kk), inplace=True)
    if kk < k:
        qc.x(range(n))
    return _prep(qc, state="dicke", n=n, k=k)


# ---------------------------------------------------------------- symmetric states


def _amplitudes(amplitudes, n: int | None) -> np.ndarray:
    try:
        amps = np.asarray(amplitudes, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"amplitudes must be a 1-D sequence of complex numbers, got {amplitudes!r}") from exc
    if amps.ndim != 1:
        raise ValueError(f"amplitudes must be 1-D (a_0 .. a_n), got shape {amps.shape}")
    if amps.size < 2:
        raise ValueError(f"need n+1 >= 2 amplitudes a_0 .. a_n, got {amps.size}")
    if n is not None and amps.size != check_n(n) + 1:
        raise ValueError(f"got {amps.size} amplitudes but n = {n} needs n+1 = {n + 1}")
    norm = float(np.linalg.norm(amps))
    if not np.isfinite(norm) or norm == 0.0:
        raise ValueError("amplitudes have zero (or non-finite) norm; give at least one non-zero a_k")
    return amps / norm


def unary_state(amplitudes) -> QuantumCircuit:
    """``sum_k a_k |1^k 0^(n-k)>`` (qubits ``0..k-1`` in ``|1>``) from normalised amplitudes, n-1 CNOTs.

    Qubit q is 1 iff k > q. Given qubit ``q-1 = 1`` (k >= q), qubit q stays 0
    with amplitude ``|a_q| / sqrt(S_q)``, ``S_q = sum_{k>=q} |a_k|^2``. The
    first qubit gets ``RY``; qubit q >= 1 gets ``RY(-alpha) CX RY(alpha)``, which
    leaves ``|0>`` alone when the control is 0 (the target starts in ``|0>``)
    and gives ``sin(alpha)|0> + cos(alpha)|1>`` when it is 1. Phase gates
    ``P(arg a_{q+1} - arg a_q)`` on qubit q give weight k the phase
    ``arg a_k - arg a_0``; ``arg a_0`` goes into the circuit's global phase.
    """
    amps = _amplitudes(amplitudes, None)
    n = amps.size - 1
    mag, arg = np.abs(amps), np.angle(amps)
    tail = np.sqrt(np.cumsum((mag**2)[::-1])[::-1])  # tail[q] = sqrt(S_q)
    qc = QuantumCircuit(n, name=f"unary_{n}")
    for q in range(n):
        # amplitude of "stop at q" vs "continue past q", both >= 0
        stop, go = mag[q], tail[q + 1]
        if stop == 0.0 and go == 0.0:
            break  # all remaining weight is zero: leave the rest in |0>
        half = float(np.arctan2(go, stop))  # RY(2 half)|0> = cos|0> + sin|1>
        if q == 0:
            qc.ry(2 * half, 0)
        else:
            alpha = np.pi / 2 - half
            qc.ry(alpha, q)
            qc.cx(q - 1, q)
            qc.ry(-alpha, q)
    for q in range(n):
        # phases of zero amplitudes are irrelevant; keep them at 0 to avoid arbitrary gates
        dphi = (arg[q + 1] if mag[q + 1] > 0 else arg[q]) - arg[q]
        arg[q + 1] = arg[q] + dphi
        if dphi != 0.0:
            qc.p(float(dphi), q)
    qc.global_phase = float(arg[0])
    return qc


def symmetric_state(amplitudes, n: int | None = None) -> QuantumCircuit:
    """``sum_k a_k |D_k^n>`` for complex ``a_0..a_n`` (normalised here), ``O(n^2)`` gates.

    The unary superposition ``sum_k a_k |1^k 0^(n-k)>`` (:func:`unary_state`,
    n-1 CNOTs) followed by the Dicke unitary ``U_{n,n}`` (:func:`dicke_unitary`,
    ``3n^2 - 7n + 4`` CNOTs): in total at most ``3(n-1)^2`` CNOTs. This is how
    ground states of LMG, two-mode and other symmetric models are put on qubits.

    Parameters
    ----------
    amplitudes : sequence of n+1 complex
        Dicke amplitudes, index k = number of qubits in ``|1>`` (as ``states.symmetric``).
    n : int, optional
        If given, checked against ``len(amplitudes) - 1``.
    """
    amps = _amplitudes(amplitudes, n)
    n = amps.size - 1
    qc = unary_state(amps)
    qc.compose(dicke_unitary(n, n), inplace=True)
    qc.name = f"symmetric_{n}"
    return _prep(qc, state="symmetric", n=n, amplitudes=[[float(a.real), float(a.imag)] for a in amps])


class WeightedCircuit(NamedTuple):
    """One member of a classical ensemble: prepare ``circuit`` with probability ``weight``."""

    weight: float
    circuit: QuantumCircuit


def symmetric_ensemble(rho_dicke, tol: float = ENSEMBLE_TOL) -> list[WeightedCircuit]:
    """A symmetric-subspace density matrix as a classical mixture of pure-state circuits.

    ``rho = sum_i p_i |psi_i><psi_i|`` from ``eigh`` (Hermitian; degenerate
    spectra are fine), one :func:`symmetric_state` circuit per eigenvalue
    ``p_i > tol``, weights renormalised to sum to 1. The mixture is realised
    *classically*: a runner prepares circuit i in a fraction ``p_i`` of the
    shots (or weights the results), so no single circuit prepares ``rho``.
    Each circuit's ``metadata["prep"]`` gets ``"ensemble": {"index", "weight", "size"}``.

    Raises
    ------
    ValueError
        If ``rho_dicke`` is not a square (n+1)x(n+1) matrix with n >= 1, not
        Hermitian (to 1e-10), has an eigenvalue below ``-tol`` or trace != 1 (to 1e-8).
    """
    rho = np.asarray(rho_dicke, dtype=complex)
    if rho.ndim != 2 or rho.shape[0] != rho.shape[1] or rho.shape[0] < 2:
        raise ValueError(f"rho_dicke must be a square (n+1)x(n+1) matrix with n >= 1, got shape {rho.shape}")
    if not np.allclose(rho, rho.conj().T, atol=1e-10, rtol=0):
        raise ValueError("rho_dicke is not Hermitian (to 1e-10)")
    if abs(np.trace(rho).real - 1.0) > 1e-8:
        raise ValueError(f"rho_dicke has trace {np.trace(rho).real:.12g}; a density matrix has trace 1")
    vals, vecs = np.linalg.eigh(rho)
    if vals[0] < -tol:
        raise ValueError(f"rho_dicke has a negative eigenvalue {vals[0]:.3g}; a density matrix is positive")
    keep = np.flatnonzero(vals > tol)[::-1]  # largest weight first
    weights = vals[keep] / vals[keep].sum()
    members = []
    for idx, (i, w) in enumerate(zip(keep, weights)):
        qc = symmetric_state(vecs[:, i])
        qc.metadata["prep"]["ensemble"] = {"index": idx, "weight": float(w), "size": int(keep.size)}
        members.append(WeightedCircuit(float(w), qc))
    return members
