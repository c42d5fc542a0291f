"""Classical Fisher information: from probabilities, and exactly for a readout of an encoded state.

The encoded family is ``rho_theta = exp(-i theta h) rho exp(i theta h)``; its derivative
``d rho_theta / d theta = -i [h, rho_theta]`` is used analytically (no finite differences).

A *readout* is one of

* ``None``: computational-basis measurement (outcome index = basis index, Qiskit order);
* a unitary ``U`` (square ndarray) or a ``QuantumCircuit`` without measurements: the basis
  change applied before the computational measurement (``p_k = <k|U rho U^dagger|k>``);
* a list / 3-D array of POVM elements ``E_k`` (Hermitian, PSD, summing to the identity);
* a :class:`Readout` combining a basis change with a coarse-graining ``labels``: outcome
  ``x`` of the computational measurement is reported as ``labels[x]`` (e.g. the parity or
  Hamming weight of the bit string, see :func:`hamming_weights`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .inputs import MAX_EIGH_DIM, as_generators, as_state

#: Probabilities at or below this are "zero" outcomes in ``cfi``.
ZERO_PROB = 1e-14
#: A zero outcome whose |derivative| exceeds this is inconsistent (the CFI would be infinite).
ZERO_DERIV = 1e-5


def _check_prob_inputs(p: Any, dp: Any, name_dp: str, atol: float) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(p, dtype=float)
    dp = np.asarray(dp, dtype=float)
    if p.ndim != 1 or p.size == 0:
        raise ValueError(f"probabilities must be a non-empty 1-D array, got shape {p.shape}")
    if dp.shape[-1:] != p.shape:
        raise ValueError(f"{name_dp} has shape {dp.shape}; its last axis must match the {p.size} probabilities")
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(dp))):
        raise ValueError("probabilities and derivatives must be finite")
    if np.min(p) < -atol:
        raise ValueError(f"probabilities must be >= 0, got min {np.min(p):.3g}")
    if abs(p.sum() - 1.0) > atol:
        raise ValueError(f"probabilities sum to {p.sum():.12g}; they must sum to 1")
    return np.clip(p, 0.0, None), dp


def cfim(probabilities: Any, derivative_matrix: Any, atol: float = 1e-8) -> np.ndarray:
    """Classical Fisher information matrix ``F_ab = sum_k dp_k/dtheta_a dp_k/dtheta_b / p_k``.

    Parameters
    ----------
    probabilities : array_like, shape (K,)
        Outcome probabilities (non-negative, sum 1 within ``atol``).
    derivative_matrix : array_like, shape (k, K)
        Row a holds ``dp/dtheta_a``.

    Zero-probability outcomes (``p_k <= ZERO_PROB``) are left out: a smooth non-negative
    family has ``dp_k = 0`` where ``p_k = 0`` (a minimum), so they contribute 0 at that point.
    Note that the CFI can be discontinuous there: the limit ``theta -> theta_0`` may add
    ``2 p_k''(theta_0)``; evaluate at a nearby theta to get the limit.

    Raises
    ------
    ValueError
        If an outcome has ``p_k = 0`` but ``|dp_k| > ZERO_DERIV``: no valid family of
        probabilities does that (the CFI would be infinite), so the inputs are inconsistent.
    """
    p, dp = _check_prob_inputs(probabilities, derivative_matrix, "derivative_matrix", atol)
    if dp.ndim != 2:
        raise ValueError(f"derivative_matrix must be 2-D (parameters, outcomes), got shape {dp.shape}")
    zero = p <= ZERO_PROB
    if np.any(np.abs(dp[:, zero]) > ZERO_DERIV):
        bad = int(np.nonzero(zero & np.any(np.abs(dp) > ZERO_DERIV, axis=0))[0][0])
        raise ValueError(
            f"outcome {bad} has probability {p[bad]:.3g} but derivative {dp[:, bad]}: a probability that is 0 "
            "must be stationary, so these inputs are inconsistent (the Fisher information would be infinite)"
        )
    keep = ~zero
    scaled = dp[:, keep] / np.sqrt(p[keep])
    out = scaled @ scaled.T
    return 0.5 * (out + out.T)


def cfi(probabilities: Any, derivatives: Any, atol: float = 1e-8) -> float:
    """Classical Fisher information ``F = sum_k (dp_k/dtheta)^2 / p_k`` (one parameter).

    Outcomes with ``p_k = 0`` and ``dp_k = 0`` contribute 0; ``p_k = 0`` with ``dp_k != 0``
    raises ``ValueError`` (see :func:`cfim`).
    """
    dp = np.asarray(derivatives, dtype=float)
    if dp.ndim != 1:
        raise ValueError(f"derivatives must be 1-D (one per outcome), got shape {dp.shape}; use cfim for several")
    return float(cfim(probabilities, dp[None, :], atol=atol)[0, 0])


def hamming_weights(n: int) -> np.ndarray:
    """Hamming weight of every basis index of n qubits (length 2^n, Qiskit order). ``J_z = n/2 - w``."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    idx = np.arange(1 << int(n), dtype=np.int64)
    w = np.zeros_like(idx)
    for q in range(int(n)):
        w += (idx >> q) & 1
    return w


def parity_labels(n: int) -> np.ndarray:
    """Parity (0 even, 1 odd) of every basis index of n qubits: the label array of a parity readout."""
    return hamming_weights(n) & 1


@dataclass(frozen=True)
class Readout:
    """A measurement: optional basis change ``unitary`` (or ``povm``), optional coarse-graining ``labels``.

    ``labels[x]`` is the reported outcome for computational outcome x (only with ``unitary``
    or the plain computational basis).
    """

    unitary: Any = None
    povm: Any = None
    labels: Any = None


def _as_unitary(obj: Any, dim: int) -> np.ndarray:
    if type(obj).__name__ == "QuantumCircuit":
        from qiskit.quantum_info import Operator

        circ = obj.remove_final_measurements(inplace=False)
        if circ.parameters:
            raise ValueError(f"readout circuit has unbound parameters {sorted(p.name for p in circ.parameters)}")
        obj = Operator(circ).data
    u = np.asarray(getattr(obj, "data", obj), dtype=complex)
    if u.shape != (dim, dim):
        raise ValueError(f"readout unitary has shape {u.shape}; the state needs ({dim}, {dim})")
    if not np.allclose(u @ u.conj().T, np.eye(dim), atol=1e-8):
        raise ValueError("readout basis change is not unitary (U U^dagger != 1)")
    return u


def _as_povm(obj: Any, dim: int) -> np.ndarray:
    try:
        elems = np.asarray([np.asarray(getattr(e, "data", e), dtype=complex) for e in obj])
    except (TypeError, ValueError) as exc:
        raise TypeError("POVM must be a sequence of square matrices") from exc
    if elems.ndim != 3 or elems.shape[1:] != (dim, dim):
        raise ValueError(f"POVM elements must be {dim}x{dim} matrices, got array of shape {elems.shape}")
    if not np.allclose(elems, np.swapaxes(elems.conj(), 1, 2), atol=1e-8):
        raise ValueError("POVM elements must be Hermitian")
    if np.min(np.linalg.eigvalsh(elems)) < -1e-8:
        raise ValueError("POVM elements must be positive semidefinite")
    if not np.allclose(elems.sum(axis=0), np.eye(dim), atol=1e-8):
        raise ValueError("POVM elements must sum to the identity")
    return elems


def _as_labels(labels: Any, dim: int) -> np.ndarray:
    lab = np.asarray(labels)
    if lab.shape != (dim,) or not np.issubdtype(lab.dtype, np.integer) or np.min(lab) < 0:
        raise ValueError(f"labels must be {dim} non-negative integers (one per computational outcome)")
    return lab.astype(np.int64)


def _normalise_readout(readout: Any, dim: int) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """-> (unitary or None, povm or None, labels or None)."""
    if readout is None:
        return None, None, None
    if isinstance(readout, Readout):
        if readout.povm is not None and (readout.unitary is not None or readout.labels is not None):
            raise ValueError("a Readout has either a povm, or a unitary and/or labels, not both")
        if readout.povm is not None:
            return None, _as_povm(readout.povm, dim), None
        u = None if readout.unitary is None else _as_unitary(readout.unitary, dim)
        lab = None if readout.labels is None else _as_labels(readout.labels, dim)
        return u, None, lab
    if type(readout).__name__ in ("QuantumCircuit", "Operator"):
        return _as_unitary(readout, dim), None, None
    if isinstance(readout, np.ndarray) and readout.ndim == 2:
        return _as_unitary(readout, dim), None, None
    if isinstance(readout, (list, tuple)) or (isinstance(readout, np.ndarray) and readout.ndim == 3):
        return None, _as_povm(readout, dim), None
    raise TypeError(
        "readout must be None, a unitary (ndarray or QuantumCircuit), a list of POVM elements or a Readout, "
        f"got {type(readout).__name__}"
    )


def _evolve(state: np.ndarray, gens: Sequence[Any], theta: np.ndarray) -> np.ndarray:
    """``exp(-i sum_a theta_a h_a)`` applied to a vector or (by conjugation) a density matrix."""
    if not np.any(theta):
        return state
    total = sum(t * g for t, g in zip(theta, gens))
    if sp.issparse(total):
        coo = total.tocoo()
        if np.all(coo.row == coo.col):
            phases = np.exp(-1j * np.asarray(total.diagonal()))
            return phases * state if state.ndim == 1 else phases[:, None] * state * phases.conj()[None, :]
        if state.ndim == 1:
            return spla.expm_multiply(-1j * total.tocsc(), state)
        total = total.toarray()
    if total.shape[0] > MAX_EIGH_DIM:
        raise ValueError(f"theta != 0 needs exp(-i theta h) for a dense dimension {total.shape[0]} > {MAX_EIGH_DIM}")
    e, v = sla.eigh(total)
    u = (v * np.exp(-1j * e)[None, :]) @ v.conj().T
    return u @ state if state.ndim == 1 else u @ state @ u.conj().T


def _outcomes(state: np.ndarray, dstates: Sequence[np.ndarray], readout: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities and their derivatives.

    ``state``: psi or rho. ``dstates``: for a vector, ``dpsi_a = -i h_a psi``; for a matrix,
    ``X_a = -i h_a rho`` (so that ``d rho = X_a + X_a^dagger``).
    """
    unitary, povm, labels = readout
    vec = state.ndim == 1
    if povm is not None:
        if vec:
            epsi = np.einsum("kij,j->ki", povm, state)
            p = np.real(epsi @ state.conj())
            dp = np.array([2.0 * np.real(np.einsum("ki,i->k", povm @ d, state.conj())) for d in dstates])
        else:
            p = np.real(np.einsum("kij,ji->k", povm, state))
            dp = np.array([2.0 * np.real(np.einsum("kij,ji->k", povm, x)) for x in dstates])
        return p, dp
    if vec:
        phi = state if unitary is None else unitary @ state
        p = np.abs(phi) ** 2
        dp = np.array([2.0 * np.real(phi.conj() * (d if unitary is None else unitary @ d)) for d in dstates])
    else:
        if unitary is None:
            p = np.real(np.diag(state)).copy()
            dp = np.array([2.0 * np.real(np.diag(x)) for x in dstates])
        else:
            uc = unitary.conj()
            p = np.real(np.sum((unitary @ state) * uc, axis=1))
            dp = np.array([2.0 * np.real(np.sum((unitary @ x) * uc, axis=1)) for x in dstates])
    if labels is not None:
        size = int(labels.max()) + 1
        p = np.bincount(labels, weights=p, minlength=size)
        dp = np.array([np.bincount(labels, weights=row, minlength=size) for row in dp])
    return p, dp


def readout_distribution(
    state: Any, generators: Any, readout: Any = None, theta: Any = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Outcome probabilities ``p`` (K,) and analytic derivatives ``dp`` (k, K) of a readout.

    The state is ``rho_theta = exp(-i sum_a theta_a h_a) rho exp(+i ...)``; ``dp_a = Tr[E_k (-i[h_a, rho_theta])]``.
    With several generators and nonzero theta the generators must commute.
    """
    st = as_state(state)
    if sp.issparse(st):
        st = sp.csr_matrix(st).toarray()
    gens = as_generators(generators, st.shape[0])
    th = np.atleast_1d(np.asarray(theta, dtype=float))
    if th.size == 1 and len(gens) > 1:
        th = np.full(len(gens), th[0])
    if th.shape != (len(gens),):
        raise ValueError(f"theta has {th.size} entries for {len(gens)} generators")
    if np.any(th) and len(gens) > 1:
        for a in range(len(gens)):
            for b in range(a + 1, len(gens)):
                comm = gens[a] @ gens[b] - gens[b] @ gens[a]
                if (abs(comm).max() if sp.issparse(comm) else np.max(np.abs(comm))) > 1e-10:
                    raise ValueError("theta != 0 with several generators needs commuting generators")
    ro = _normalise_readout(readout, st.shape[0])
    st = _evolve(st, gens, th)
    if st.ndim == 1:
        ds = [-1j * np.asarray(g @ st).reshape(-1) for g in gens]
    else:
        ds = [-1j * np.asarray(g @ st) for g in gens]
    return _outcomes(st, ds, ro)


def exact_cfi(state: Any, generator: Any, readout: Any = None, theta: float = 0.0) -> float:
    """Exact CFI of ``readout`` on ``exp(-i theta h) rho exp(i theta h)`` (derivative analytic).

    ``F_C = sum_k (Tr[E_k (-i[h, rho_theta])])^2 / Tr[E_k rho_theta]``; always ``<= qfi``.
    See the module docstring for the accepted readouts.
    """
    p, dp = readout_distribution(state, [generator], readout, theta)
    return float(cfim(p, dp)[0, 0])


def exact_cfim(state: Any, generators: Any, readout: Any = None, theta: Any = 0.0) -> np.ndarray:
    """Exact classical Fisher information matrix of ``readout`` for several generators (2-D array)."""
    p, dp = readout_distribution(state, generators, readout, theta)
    return cfim(p, dp)


__all__ = [
    "cfi",
    "cfim",
    "exact_cfi",
    "exact_cfim",
    "readout_distribution",
    "Readout",
    "hamming_weights",
    "parity_labels",
]
