"""Coercion and validation of states and generators for the exact estimators.

A *state* is a qiskit ``Statevector`` / ``DensityMatrix``, a 1-D ndarray (pure
state), a 2-D ndarray (density matrix) or a scipy.sparse density matrix, of any
dimension: ``2^n`` in the qubit basis or ``n+1`` in the Dicke basis. A
*generator* is a Hermitian dense ndarray or scipy.sparse matrix (or a qiskit
``Operator`` / ``SparsePauliOp``) whose dimension matches the state.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

#: Tolerance on normalisation / hermiticity of inputs (states built by circuits carry ~1e-15 errors).
STATE_ATOL = 1e-8
#: Largest density-matrix dimension that is allowed to exist as a dense array (2^13: 1 GB complex).
MAX_DENSE_DIM = 1 << 13
#: Largest dense block handed to the Hermitian eigensolver (2^12, i.e. 12 qubits without structure).
MAX_EIGH_DIM = 1 << 12

Basis = Literal["qubits", "dicke"]


def _raw(obj: Any) -> Any:
    """Unwrap qiskit objects into ndarray / sparse, without copying where possible."""
    if sp.issparse(obj):
        return obj
    name = type(obj).__name__
    if name == "SparsePauliOp":
        return obj.to_matrix(sparse=True)
    if name in ("Statevector", "DensityMatrix", "Operator"):
        return obj.data
    return obj


def _hermiticity_error(arr: np.ndarray, tile: int = 256) -> float:
    """``max |A - A^dagger|``, in row/column tiles: a full transposed copy thrashes the cache at 2^12."""
    dim = arr.shape[0]
    if dim <= tile:
        return float(np.max(np.abs(arr - arr.conj().T)))
    worst = 0.0
    for i in range(0, dim, tile):
        worst = max(worst, float(np.max(np.abs(arr[i : i + tile, :] - arr[:, i : i + tile].conj().T))))
    return worst


def as_state(state: Any, atol: float = STATE_ATOL) -> np.ndarray | sp.csr_matrix:
    """Return a validated pure state (1-D complex array) or density matrix (2-D array or CSR).

    Checks: finite entries; a vector has unit norm; a matrix is square, Hermitian
    and has unit trace (all within ``atol``). Positivity is checked where the
    spectrum is computed (``qfi``), not here.

    Raises
    ------
    TypeError
        If ``state`` is not array-like.
    ValueError
        Wrong shape, non-finite entries, not normalised, not Hermitian, or a dense
        matrix larger than ``MAX_DENSE_DIM``.
    """
    raw = _raw(state)
    if sp.issparse(raw):
        mat = sp.csr_matrix(raw, dtype=complex)
        if mat.shape[0] != mat.shape[1]:
            raise ValueError(f"a sparse state must be a square density matrix, got shape {mat.shape}")
        if not np.all(np.isfinite(mat.data)):
            raise ValueError("state has non-finite entries")
        if mat.shape[0] == 0:
            raise ValueError("state has dimension 0")
        diff = mat - mat.conj().T
        if diff.nnz and np.max(np.abs(diff.data)) > atol:
            raise ValueError(
                f"density matrix is not Hermitian (max |rho - rho^dagger| = {np.max(np.abs(diff.data)):.3g})"
            )
        tr = mat.diagonal().sum()
        if abs(tr - 1.0) > atol:
            raise ValueError(f"density matrix has trace {complex(tr):.6g}; it must be normalised to 1")
        return mat
    try:
        arr = np.asarray(raw, dtype=complex)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"state must be a Statevector, DensityMatrix, ndarray or scipy.sparse matrix, got {type(state).__name__}"
        ) from exc
    if arr.ndim == 2 and 1 in arr.shape and arr.shape != (1, 1) and arr.shape[0] != arr.shape[1]:
        arr = arr.reshape(-1)  # column or row vector
    if arr.ndim not in (1, 2) or (arr.ndim == 2 and arr.shape[0] != arr.shape[1]):
        raise ValueError(f"state must be a vector or a square density matrix, got shape {arr.shape}")
    if arr.shape[0] == 0:
        raise ValueError("state has dimension 0")
    if arr.ndim == 2 and arr.shape[0] > MAX_DENSE_DIM:
        raise ValueError(
            f"dense density matrix of dimension {arr.shape[0]} exceeds the limit {MAX_DENSE_DIM}; "
            "pass a pure state as a vector, a structured state as scipy.sparse, or a permutation-symmetric "
            "state in the Dicke basis (bellsense.spin.to_symmetric, dicke_collective)"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("state has non-finite entries")
    if arr.ndim == 1:
        norm = float(np.vdot(arr, arr).real)
        if abs(norm - 1.0) > atol:
            raise ValueError(f"state vector has squared norm {norm:.6g}; it must be normalised to 1")
        return arr
    herm = _hermiticity_error(arr)
    if herm > atol:
        raise ValueError(f"density matrix is not Hermitian (max |rho - rho^dagger| = {herm:.3g})")
    tr = np.trace(arr)
    if abs(tr - 1.0) > atol:
        raise ValueError(f"density matrix has trace {complex(tr):.6g}; it must be normalised to 1")
    return arr


def as_generator(generator: Any, dim: int, atol: float = 1e-10, name: str = "generator") -> np.ndarray | sp.csr_matrix:
    """Return a validated Hermitian generator of dimension ``dim`` (dense complex array or CSR).

    Raises
    ------
    TypeError
        If ``generator`` is not array-like.
    ValueError
        Not square, dimension differs from the state's, non-finite or non-Hermitian.
    """
    raw = _raw(generator)
    if sp.issparse(raw):
        mat: np.ndarray | sp.csr_matrix = sp.csr_matrix(raw, dtype=complex)
    else:
        try:
            mat = np.asarray(raw, dtype=complex)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must be an ndarray, scipy.sparse matrix or qiskit Operator, got {type(generator).__name__}"
            ) from exc
    if mat.ndim != 2 or mat.shape[0] != mat.shape[1]:
        raise ValueError(f"{name} must be a square matrix, got shape {mat.shape}")
    if mat.shape[0] != dim:
        hint = ""
        if dim & (dim - 1) and (mat.shape[0] & (mat.shape[0] - 1)) == 0:
            hint = " (a Dicke-basis state of dimension n+1 needs the Dicke-basis generator spin.dicke_collective)"
        elif (dim & (dim - 1)) == 0 and mat.shape[0] & (mat.shape[0] - 1):
            hint = " (a 2^n qubit-basis state needs the 2^n generator spin.collective)"
        raise ValueError(f"{name} has dimension {mat.shape[0]} but the state has dimension {dim}{hint}")
    data = mat.data if sp.issparse(mat) else mat
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{name} has non-finite entries")
    diff = mat - mat.conj().T
    dev = (np.max(np.abs(diff.data)) if diff.nnz else 0.0) if sp.issparse(diff) else float(np.max(np.abs(diff)))
    scale = max(1.0, float(np.max(np.abs(data))) if np.size(data) else 1.0)
    if dev > atol * scale:
        raise ValueError(f"{name} is not Hermitian (max |h - h^dagger| = {dev:.3g}); QFI needs a Hermitian generator")
    return mat


def as_generators(generators: Any, dim: int) -> list[np.ndarray | sp.csr_matrix]:
    """A list of validated generators; a single matrix is accepted as a list of one."""
    if sp.issparse(generators) or (isinstance(generators, np.ndarray) and generators.ndim == 2):
        return [as_generator(generators, dim)]
    if type(generators).__name__ in ("Operator", "SparsePauliOp"):
        return [as_generator(generators, dim)]
    if isinstance(generators, np.ndarray) and generators.ndim == 3:
        generators = list(generators)
    try:
        items = list(generators)
    except TypeError as exc:
        raise TypeError("generators must be a matrix or a sequence of matrices") from exc
    if not items:
        raise ValueError("need at least one generator")
    return [as_generator(g, dim, name=f"generator {i}") for i, g in enumerate(items)]


def num_qubits(dim: int, basis: str) -> int:
    """Number of qubits for a state of dimension ``dim`` in ``basis`` ('qubits': 2^n, 'dicke': n+1)."""
    if basis == "qubits":
        n = int(dim).bit_length() - 1
        if dim < 2 or (1 << n) != dim:
            raise ValueError(
                f"a qubit-basis state must have dimension 2^n, got {dim}; for a Dicke-basis state pass basis='dicke'"
            )
        return n
    if basis == "dicke":
        if dim < 2:
            raise ValueError(f"a Dicke-basis state must have dimension n+1 >= 2, got {dim}")
        return dim - 1
    raise ValueError(f"unknown basis {basis!r}: use 'qubits' or 'dicke'")


def dense_limit_error(n: int, limit: int, what: str) -> ValueError:
    """The error for an n too large for a dense/enumerating path; it points to the Dicke path."""
    return ValueError(
        f"n = {n} qubits is too large for the {what} (limit n = {limit}); for a permutation-symmetric state "
        "use the Dicke basis: bellsense.spin.to_symmetric(state) and basis='dicke' / spin.dicke_collective"
    )


__all__ = ["as_state", "as_generator", "as_generators", "num_qubits", "dense_limit_error"]
