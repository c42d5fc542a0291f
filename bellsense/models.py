"""Ground states of the model Hamiltonians of seeds 001 and 004, in the flip-even sector.

* Ising chain, open boundaries (seed 001): ``H = U sum_j Z_j Z_{j+1} - h sum_j X_j`` (2^n, sparse).
* Two-mode (bosonic) model (seed 001 eq. 30): ``H = -J_x + (U/N) J_z^2`` (Dicke basis, N+1).
* LMG (seed 004 eq. 4): ``H = (J/N) S_z^2 - h S_x`` with ``S = J`` (Dicke basis, N+1).

Numerical trap (PHYSICS.md): in the ordered phase the two lowest states form a cat-like pair
split by ~e^{-N}; an unrestricted eigensolver returns an arbitrary mixture of them and the QFI
collapses. All three Hamiltonians commute with the global flip ``X^{(x)N}``
(``|D_k> -> |D_{N-k}>``); for a transverse term ``-h X`` with ``h > 0`` the off-diagonal
elements are non-positive, so by Perron-Frobenius the ground state is unique, positive and
flip-even. We diagonalise inside the flip-even sector. For ``h < 0`` the ground state is the
``h > 0`` one rotated by ``Z^{(x)N}`` (``exp(-i pi J_z)`` up to a phase), which we apply exactly.
"""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from .spin import check_n, dicke_collective

#: Largest chain for the 2^n Ising ground state (2^15-dimensional even sector).
MAX_ISING_QUBITS = 20
_DENSE_SECTOR = 256


def _finite(value: float, name: str) -> float:
    try:
        out = float(value)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}") from exc
    if not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def ising_hamiltonian(n: int, coupling: float, field: float = 1.0) -> sp.csr_matrix:
    """``H = U sum_{j=0}^{n-2} Z_j Z_{j+1} - h sum_j X_j`` (open chain), sparse 2^n, Qiskit order."""
    n = check_n(n, MAX_ISING_QUBITS)
    u, h = _finite(coupling, "coupling"), _finite(field, "field")
    dim = 1 << n
    idx = np.arange(dim, dtype=np.int64)
    bits = [(idx >> q) & 1 for q in range(n)]
    diag = np.zeros(dim)
    for q in range(n - 1):
        diag += u * (1 - 2 * (bits[q] ^ bits[q + 1]))
    rows = [idx] + [idx] * n
    cols = [idx] + [idx ^ (1 << q) for q in range(n)]
    vals = [diag] + [np.full(dim, -h)] * n
    return sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim))


def _lowest(h_even: np.ndarray | sp.spmatrix) -> np.ndarray:
    dim = h_even.shape[0]
    if dim <= _DENSE_SECTOR:
        dense = h_even.toarray() if sp.issparse(h_even) else h_even
        _, vec = sla.eigh(dense, subset_by_index=[0, 0])
        return vec[:, 0]
    _, vec = spla.eigsh(h_even, k=1, which="SA", tol=1e-12)
    return vec[:, 0]


def _fix_sign(vec: np.ndarray) -> np.ndarray:
    """Deterministic global phase: the largest-magnitude amplitude is real positive."""
    j = int(np.argmax(np.abs(vec)))
    return vec * (abs(vec[j]) / vec[j])


def ising_ground_state(n: int, coupling: float, field: float = 1.0) -> np.ndarray:
    """Ground state (2^n complex vector) of the open Ising chain, from the flip-even sector.

    The sector basis is ``(|i> + |i xor 1..1>)/sqrt2`` for the 2^(n-1) indices i with top bit 0.
    """
    n = check_n(n, MAX_ISING_QUBITS)
    h = _finite(field, "field")
    ham = ising_hamiltonian(n, coupling, abs(h))
    dim = 1 << n
    half = np.arange(dim // 2, dtype=np.int64)
    flip = half ^ (dim - 1)
    proj = sp.csr_matrix(
        (np.full(dim, 1 / np.sqrt(2)), (np.concatenate([half, flip]), np.concatenate([half, half]))),
        shape=(dim, dim // 2),
    )
    h_even = (proj.T @ ham @ proj).real.tocsr()
    vec = proj @ _lowest(h_even)
    vec = vec / np.linalg.norm(vec)
    if h < 0:
        weight = np.zeros(dim, dtype=np.int64)
        for q in range(n):
            weight += (np.arange(dim) >> q) & 1
        vec = vec * (1 - 2 * (weight & 1))
    return _fix_sign(vec.astype(complex))


def _dicke_hamiltonian(n: int, a: float, b: float) -> sp.csr_matrix:
    """``a J_z^2 + b J_x`` in the Dicke basis (real, tridiagonal)."""
    jz = dicke_collective(n, "z").real
    jx = dicke_collective(n, "x").real
    return (a * (jz @ jz) + b * jx).tocsr()


def _dicke_ground(n: int, a: float, b: float) -> np.ndarray:
    """Ground state of ``a J_z^2 + b J_x`` (Dicke basis), flip-even for ``b < 0``; ``b > 0`` by ``(-1)^k``."""
    ham = _dicke_hamiltonian(n, a, -abs(b)).toarray()
    k = np.arange(n + 1)
    low = k[: (n + 1) // 2]
    cols = len(low) + (1 if n % 2 == 0 else 0)
    proj = np.zeros((n + 1, cols))
    proj[low, np.arange(len(low))] = 1 / np.sqrt(2)
    proj[n - low, np.arange(len(low))] = 1 / np.sqrt(2)
    if n % 2 == 0:
        proj[n // 2, -1] = 1.0
    vec = proj @ _lowest(proj.T @ ham @ proj)
    vec = vec / np.linalg.norm(vec)
    if b > 0:
        vec = vec * (1 - 2 * (k & 1))
    return _fix_sign(vec.astype(complex))


def two_mode_hamiltonian(n: int, coupling: float) -> sp.csr_matrix:
    """``H = -J_x + (U/N) J_z^2`` (seed 001 eq. 30), Dicke basis (N+1)."""
    n = check_n(n)
    return _dicke_hamiltonian(n, _finite(coupling, "coupling") / n, -1.0)


def two_mode_ground_state(n: int, coupling: float) -> np.ndarray:
    """Ground state of ``-J_x + (U/N) J_z^2`` in the Dicke basis (N+1), flip-even sector.

    Check (PHYSICS.md): N = 1000, U = -4 gives QFI/N ~ 937 for the generator J_z.
    """
    n = check_n(n)
    return _dicke_ground(n, _finite(coupling, "coupling") / n, -1.0)


def lmg_hamiltonian(n: int, coupling: float, field: float) -> sp.csr_matrix:
    """LMG ``H = (J/N) S_z^2 - h S_x`` with ``S = J`` (seed 004 eq. 4), Dicke basis (N+1)."""
    n = check_n(n)
    return _dicke_hamiltonian(n, _finite(coupling, "coupling") / n, -_finite(field, "field"))


def lmg_ground_state(n: int, coupling: float, field: float) -> np.ndarray:
    """Ground state of the LMG Hamiltonian in the Dicke basis (N+1), flip-even sector (see module doc)."""
    n = check_n(n)
    return _dicke_ground(n, _finite(coupling, "coupling") / n, -_finite(field, "field"))


__all__ = [
    "ising_hamiltonian",
    "ising_ground_state",
    "two_mode_hamiltonian",
    "two_mode_ground_state",
    "lmg_hamiltonian",
    "lmg_ground_state",
    "MAX_ISING_QUBITS",
]
