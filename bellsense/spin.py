"""Collective spin operators for n qubits, in the qubit basis and in the Dicke basis.

Conventions (PHYSICS.md): ``|0> = |up>``, ``J_xi = 1/2 sum_k sigma_xi^(k)``,
Qiskit little-endian order (qubit 0 is the least significant bit of a basis
index). The Dicke basis is indexed by ``k = 0..n``, the number of qubits in
``|1>``, so ``J_z |D_k^n> = (n/2 - k) |D_k^n>``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.special import gammaln

from .axes import AxisLike, unit_axis

#: Largest n for which 2^n-dimensional sparse operators are built (2^24 rows, ~ 3 GB of COO data).
MAX_QUBITS_SPARSE = 24


def check_n(n: int, limit: int | None = None) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"n must be an int, got {type(n).__name__}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    if limit is not None and n > limit:
        raise ValueError(
            f"n = {n} is too large for 2^n-dimensional operators (limit {limit}); "
            "use the Dicke-basis (symmetric) operators, spin.dicke_collective(n, axis)"
        )
    return n


def collective(n: int, axis: AxisLike = "z") -> sp.csr_matrix:
    """``J_axis = 1/2 sum_k (a_x X_k + a_y Y_k + a_z Z_k)`` as a sparse 2^n x 2^n matrix.

    Seed 001 eqs. 5-6. Qiskit qubit order; complex128 CSR.

    Parameters
    ----------
    n : int
        Number of qubits, 1 <= n <= 24.
    axis : {"x", "y", "z"} or unit 3-vector
    """
    n = check_n(n, MAX_QUBITS_SPARSE)
    ax, ay, az = unit_axis(axis)
    dim = 1 << n
    idx = np.arange(dim, dtype=np.int64)
    rows, cols, vals = [], [], []
    if az != 0.0:
        ones = np.zeros(dim, dtype=np.int64)
        for k in range(n):
            ones += (idx >> k) & 1
        rows.append(idx)
        cols.append(idx)
        vals.append(0.5 * az * (n - 2 * ones).astype(complex))
    if ax != 0.0 or ay != 0.0:
        for k in range(n):
            bit = (idx >> k) & 1
            # <row| (ax X + ay Y) |row ^ 2^k>: ax - i ay if the row bit is 0, ax + i ay if 1.
            rows.append(idx)
            cols.append(idx ^ (1 << k))
            vals.append(0.5 * np.where(bit == 0, ax - 1j * ay, ax + 1j * ay))
    mat = sp.coo_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(dim, dim)
    )
    return mat.tocsr()


def jx(n: int) -> sp.csr_matrix:
    """``J_x`` for n qubits (sparse, 2^n)."""
    return collective(n, "x")


def jy(n: int) -> sp.csr_matrix:
    """``J_y`` for n qubits (sparse, 2^n)."""
    return collective(n, "y")


def jz(n: int) -> sp.csr_matrix:
    """``J_z`` for n qubits (sparse, 2^n)."""
    return collective(n, "z")


def dicke_collective(n: int, axis: AxisLike = "z") -> sp.csr_matrix:
    """``J_axis`` restricted to the symmetric subspace, in the Dicke basis (dimension n+1).

    Standard angular-momentum algebra with ``j = n/2``, ``m = j - k``:
    ``J_z = diag(m)`` and ``J_+ |j, m> = sqrt(j(j+1) - m(m+1)) |j, m+1>``,
    where ``J_+ = sum_k sigma_+^(k)`` raises ``|1> -> |0>`` (k -> k-1).
    ``J_x = (J_+ + J_-)/2``, ``J_y = (J_+ - J_-)/(2i)``.
    (Seed 004 prints these with inconsistent factors; see PHYSICS.md.)
    """
    n = check_n(n)
    ax, ay, az = unit_axis(axis)
    j = n / 2.0
    k = np.arange(n + 1)
    m = j - k
    # J_+ maps column k (m) to row k-1 (m+1).
    jp_vals = np.sqrt(np.maximum(j * (j + 1) - m[1:] * (m[1:] + 1), 0.0))
    diag = az * m.astype(complex)
    upper = 0.5 * (ax - 1j * ay) * jp_vals  # row k-1, col k: (ax J_x + ay J_y) -> (ax - i ay)/2 J_+
    lower = 0.5 * (ax + 1j * ay) * jp_vals  # row k, col k-1: (ax + i ay)/2 J_-
    return sp.diags([lower, diag, upper], offsets=[-1, 0, 1], shape=(n + 1, n + 1), format="csr", dtype=complex)


def log_binomial(n: int, k: np.ndarray | int) -> np.ndarray:
    """``log C(n, k)`` via log-gamma (stable for n in the thousands)."""
    k = np.asarray(k, dtype=float)
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


@lru_cache(maxsize=16)
def _isometry_cached(n: int) -> sp.csr_matrix:
    dim = 1 << n
    idx = np.arange(dim, dtype=np.int64)
    weight = np.zeros(dim, dtype=np.int64)
    for q in range(n):
        weight += (idx >> q) & 1
    norms = np.exp(-0.5 * log_binomial(n, np.arange(n + 1)))
    mat = sp.csr_matrix((norms[weight].astype(complex), (idx, weight)), shape=(dim, n + 1))
    mat.sort_indices()
    return mat


def symmetric_isometry(n: int) -> sp.csr_matrix:
    """The isometry ``V`` (2^n x (n+1)) whose column k is ``|D_k^n>`` in the qubit basis.

    ``V^dagger V = 1`` and ``V V^dagger`` projects on the symmetric subspace.
    """
    n = check_n(n, MAX_QUBITS_SPARSE)
    # Cache only small isometries: at n = 24 one is ~0.5 GB.
    return _isometry_cached(n).copy() if n <= 16 else _isometry_cached.__wrapped__(n)


def _as_array(state) -> np.ndarray:
    data = getattr(state, "data", state)
    return np.asarray(data.toarray() if sp.issparse(data) else data, dtype=complex)


def to_symmetric(state, n: int | None = None, atol: float = 1e-10) -> np.ndarray:
    """Map a 2^n-dimensional vector or density matrix into the Dicke basis (dimension n+1).

    ``psi -> V^dagger psi`` and ``rho -> V^dagger rho V``.

    Raises
    ------
    ValueError
        If the dimension is not a power of two, or if the state has weight
        outside the symmetric subspace (norm or trace lost by more than ``atol``).
    """
    arr = _as_array(state)
    dim = arr.shape[0]
    if n is None:
        n = int(round(np.log2(dim))) if dim > 0 else 0
    if dim != 1 << n:
        raise ValueError(f"state dimension {dim} is not 2^n for n = {n}")
    iso = symmetric_isometry(n)
    if arr.ndim == 1:
        out = iso.conj().T @ arr
        lost = abs(np.vdot(arr, arr).real - np.vdot(out, out).real)
    elif arr.ndim == 2 and arr.shape == (dim, dim):
        out = iso.conj().T @ (iso.conj().T @ arr.conj().T).conj().T
        out = np.asarray(out)
        lost = abs(np.trace(arr).real - np.trace(out).real)
    else:
        raise ValueError(f"state must be a vector or a square matrix, got shape {arr.shape}")
    if lost > atol:
        raise ValueError(
            f"state is not permutation-symmetric: weight {lost:.3g} lies outside the Dicke subspace"
        )
    return np.asarray(out)


def from_symmetric(state) -> np.ndarray:
    """Map a Dicke-basis vector or density matrix (dimension n+1) into the qubit basis (2^n).

    ``psi -> V psi`` and ``rho -> V rho V^dagger``.
    """
    arr = _as_array(state)
    n = arr.shape[0] - 1
    iso = symmetric_isometry(n)
    if arr.ndim == 1:
        return np.asarray(iso @ arr)
    if arr.ndim == 2 and arr.shape[0] == arr.shape[1]:
        left = iso @ arr  # (2^n, n+1)
        return np.asarray(iso @ left.conj().T).conj().T
    raise ValueError(f"state must be a vector or a square matrix, got shape {arr.shape}")
