"""Independent 2^n reference for the PI engine: the full 4^n Lindblad generator, plain numpy/scipy."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.linalg import expm_multiply

from bellsense.pistate import PIState, j_values
from bellsense.spin import collective

SX = np.array([[0, 1], [1, 0]], dtype=complex)
SZ = np.diag([1.0, -1.0]).astype(complex)
SPLUS = np.array([[0, 1], [0, 0]], dtype=complex)  # |0><1|: relaxes |1> -> |0> (emission)


def local_op(op: np.ndarray, q: int, n: int) -> np.ndarray:
    """``op`` on qubit q (Qiskit order: qubit 0 is the rightmost tensor factor)."""
    out = np.ones((1, 1), dtype=complex)
    for k in reversed(range(n)):
        out = np.kron(out, op if k == q else np.eye(2))
    return out


def dissipator(L: np.ndarray) -> np.ndarray:
    """``D[L]`` on row-major vec(rho): vec(A X B) = (A ⊗ B^T) vec(X)."""
    eye = np.eye(L.shape[0])
    ldl = L.conj().T @ L
    return np.kron(L, L.conj()) - 0.5 * np.kron(ldl, eye) - 0.5 * np.kron(eye, ldl.T)


def liouvillian(n: int, dephasing: float = 0.0, emission: float = 0.0, pumping: float = 0.0,
                hamiltonian: Callable | None = None, collective_jumps: Sequence = (), measurement=None) -> np.ndarray:
    dim = 1 << n
    eye = np.eye(dim)
    jx, jy, jz = (collective(n, a).toarray() for a in ("x", "y", "z"))
    out = np.zeros((dim * dim, dim * dim), dtype=complex)
    for q in range(n):
        out += dephasing * dissipator(local_op(SZ, q, n))
        out += emission * dissipator(local_op(SPLUS, q, n))
        out += pumping * dissipator(local_op(SPLUS.T, q, n))
    if hamiltonian is not None:
        h = np.asarray(hamiltonian(jx, jy, jz))
        out += -1j * (np.kron(h, eye) - np.kron(eye, h.T))
    for rate, fn in collective_jumps:
        out += rate * dissipator(np.asarray(fn(jx, jy, jz)))
    if measurement is not None:
        kappa, fn = measurement
        ev, vec = np.linalg.eigh(np.asarray(fn(jx, jy, jz)))
        same = (np.abs(ev[:, None] - ev[None, :]) < 1e-9).ravel()
        rot = np.kron(vec, vec.conj())
        out += (rot * (-kappa * ~same)) @ rot.conj().T
    return out


def evolve_dense(rho0: np.ndarray, times: Sequence[float], **kwargs) -> list[np.ndarray]:
    """``exp(L t) vec(rho0)`` for each t (dense expm up to n = 4, sparse expm_multiply above)."""
    dim = rho0.shape[0]
    gen = liouvillian(dim.bit_length() - 1, **kwargs)
    if dim <= 16:
        return [(sla.expm(gen * t) @ rho0.reshape(-1)).reshape(dim, dim) for t in times]
    sgen = sp.csr_matrix(gen)
    return [expm_multiply(sgen * t, rho0.reshape(-1)).reshape(dim, dim) for t in times]


def random_pi_state(n: int, rng: np.random.Generator) -> PIState:
    """A random full-rank PI state: random PSD blocks with random weights (every j present)."""
    blocks = []
    for j in j_values(n):
        d = int(round(2 * j)) + 1
        g = rng.normal(size=(d, d)) + 1j * rng.normal(size=(d, d))
        blocks.append(g @ g.conj().T)
    total = sum(np.trace(b).real for b in blocks)
    return PIState(n, tuple(b / total for b in blocks))
