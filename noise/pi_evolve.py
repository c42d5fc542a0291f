"""Exact open dynamics of permutation-invariant states: ``evolve`` and ``steady_state``.

The generator is ``noise.pi_lindblad.generator`` on the entries that can be reached:

* no local process -> the j blocks do not mix: only blocks with weight are kept;
* diagonal Hamiltonian and measured observable, one-diagonal jumps -> the coherence order
  q = m - m' is conserved: only the orders present initially are kept (GHZ: 0 and ±n; Dicke: 0).
  The blocks then come out as sparse (CSR) matrices.

Time steps use ``scipy.sparse.linalg.expm_multiply`` (one call over a uniform grid). A product state
``qubit^{⊗n}`` under local noise only stays a product: its 2x2 single-qubit Lindblad equation is solved.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components
from scipy.sparse.linalg import MatrixRankWarning, expm_multiply, spsolve

from bellsense.pistate import PIState, block_is_empty, j_values

from .pi_lindblad import Layout, block_ops, generator, make_layout

BlockFn = Callable[..., object]
#: Relative residual above which a steady-state solve is reported as failed (non-unique steady state).
STEADY_RESIDUAL_TOL = 1e-8


def _rate(value: float, name: str) -> float:
    try:
        rate = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a finite rate >= 0, got {value!r}") from exc
    if not np.isfinite(rate) or rate < 0:
        raise ValueError(f"{name} must be a finite rate >= 0 (per qubit, PHYSICS.md), got {value!r}")
    return rate


def _jumps(collective_jumps: Sequence[tuple[float, BlockFn]]) -> tuple[tuple[float, BlockFn], ...]:
    out = []
    for item in collective_jumps:
        if not (isinstance(item, (tuple, list)) and len(item) == 2 and callable(item[1])):
            raise ValueError("collective_jumps must be a sequence of (rate, callable(jx, jy, jz) -> L) pairs")
        out.append((_rate(item[0], "collective_jumps rate"), item[1]))
    return tuple(out)


def _measurement(measurement: tuple[float, BlockFn] | None) -> tuple[float, BlockFn] | None:
    if measurement is None:
        return None
    if not (isinstance(measurement, (tuple, list)) and len(measurement) == 2 and callable(measurement[1])):
        raise ValueError("measurement must be None or (kappa, callable(jx, jy, jz) -> observable)")
    return _rate(measurement[0], "measurement rate kappa"), measurement[1]


def _setup(state: PIState, dephasing: float, emission: float, pumping: float, hamiltonian: BlockFn | None,
           collective_jumps: Sequence[tuple[float, BlockFn]], measurement: tuple[float, BlockFn] | None,
           orders_from_state: bool) -> tuple[Layout, sp.csr_matrix, np.ndarray]:
    """Layout, generator and initial vector for ``state``."""
    if hamiltonian is not None and not callable(hamiltonian):
        raise ValueError("hamiltonian must be None or a callable (jx, jy, jz) -> matrix")
    rates = (_rate(dephasing, "dephasing"), _rate(emission, "emission"), _rate(pumping, "pumping"))
    jumps, meas = _jumps(collective_jumps), _measurement(measurement)
    n, blocks = state.n, state.blocks
    nonzero = [b for b, blk in enumerate(blocks) if not block_is_empty(blk)]
    keep = list(range(len(blocks))) if any(rates) else nonzero
    jv = j_values(n)
    ops = {b: block_ops(float(jv[b]), hamiltonian, jumps, meas) for b in keep}
    ops = {b: o for b, o in ops.items() if o.h is not None or o.jumps or o.measured is not None}
    orders: list[int] | None = None
    if all(o.conserves_order() for o in ops.values()):
        found: set[int] = set()
        for b in keep:
            blk = blocks[b]
            coo = sp.coo_matrix(blk) if sp.issparse(blk) else None
            r, c = (coo.row, coo.col) if coo is not None else np.nonzero(blk)
            found.update(np.unique(c - r).tolist())
        orders = sorted(found) if orders_from_state else [0]
    lay = make_layout(n, keep, orders)
    gen = generator(lay, *rates, ops)
    vec = np.empty(lay.size, dtype=complex)
    for b in np.unique(lay.b):
        sel = np.nonzero(lay.b == b)[0]
        blk = blocks[b]
        vals = blk[lay.a[sel], lay.c[sel]]
        vec[sel] = np.asarray(vals).ravel()
    return lay, gen, vec


def _to_state(lay: Layout, vec: np.ndarray, dense: bool) -> PIState:
    out: list[np.ndarray | sp.csr_matrix] = []
    starts = np.searchsorted(lay.b, np.arange(lay.dims.size + 1))
    for b, d in enumerate(lay.dims):
        lo, hi = starts[b], starts[b + 1]
        if dense:
            blk = np.zeros((d, d), dtype=complex)
            blk[lay.a[lo:hi], lay.c[lo:hi]] = vec[lo:hi]
            out.append(0.5 * (blk + blk.conj().T))
        else:  # entries are sorted row-major within a block: CSR directly (Hermitian up to rounding)
            indptr = np.searchsorted(lay.a[lo:hi], np.arange(d + 1))
            out.append(sp.csr_matrix((vec[lo:hi], lay.c[lo:hi], indptr), shape=(d, d)))
    return PIState(lay.n, tuple(out))


def _check_times(times: Sequence[float] | np.ndarray) -> np.ndarray:
    try:
        t = np.asarray(times, dtype=float).reshape(-1)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"times must be a sequence of finite numbers >= 0, got {times!r}") from exc
    if not np.all(np.isfinite(t)) or np.any(t < 0):
        raise ValueError(f"times must be finite and >= 0, got {t.tolist()}")
    return t


def _qubit_liouvillian(gd: float, ge: float, gp: float) -> np.ndarray:
    """Single-qubit generator on row-major vec(rho): sigma_z at gd, |0><1| at ge, |1><0| at gp."""
    eye = np.eye(2)
    out = np.zeros((4, 4), dtype=complex)
    for rate, L in ((gd, np.diag([1.0, -1.0])), (ge, np.array([[0, 1], [0, 0]])), (gp, np.array([[0, 0], [1, 0]]))):
        ldl = L.T @ L
        out += rate * (np.kron(L, L) - 0.5 * np.kron(ldl, eye) - 0.5 * np.kron(eye, ldl.T))
    return out


def evolve(state: PIState, times: Sequence[float] | np.ndarray, dephasing: float = 0.0, emission: float = 0.0,
           pumping: float = 0.0, hamiltonian: BlockFn | None = None,
           collective_jumps: Sequence[tuple[float, BlockFn]] = (),
           measurement: tuple[float, BlockFn] | None = None) -> list[PIState]:
    """Exact Lindblad evolution of a permutation-invariant state; one ``PIState`` per time (t = 0 is ``state``'s time).

    ``d rho/dt = -i[H, rho] + sum_k (gd D[sigma_z^k] + ge D[sigma_+^k] + gp D[sigma_-^k]) rho
    + sum_r r D[L_r] rho + kappa (sum_i Pi_i rho Pi_i - rho)``,
    with ``D[L] rho = L rho L^dagger - {L^dagger L, rho}/2``,
    ``sigma_+ = |0><1|`` (emission relaxes |1> -> |0>, as ``noise.emission``); see ``noise.pi_lindblad`` for the
    (j, m, m') coefficients and their sources.

    Parameters
    ----------
    state : PIState
    times : sequence of finite floats >= 0
    dephasing, emission, pumping : float
        Rates per qubit (>= 0). Dephasing multiplies a single-qubit coherence by ``exp(-2 gd t)``.
    hamiltonian : callable (jx, jy, jz) -> Hermitian matrix, or None
        Called once per block with the sparse spin-j matrices (basis m = j, ..., -j).
    collective_jumps : sequence of (rate, callable (jx, jy, jz) -> L)
    measurement : (kappa, callable (jx, jy, jz) -> Hermitian observable), or None
        Repeated measurement at rate kappa (Marconi et al. 2022, eq. 7): a pinching onto the eigenspaces.
    """
    if not isinstance(state, PIState):
        raise TypeError(f"state must be a PIState, got {type(state).__name__}")
    t = _check_times(times)
    collective = hamiltonian is not None or len(collective_jumps) > 0 or measurement is not None
    if state.qubit is not None and not collective:
        gen1 = _qubit_liouvillian(_rate(dephasing, "dephasing"), _rate(emission, "emission"), _rate(pumping, "pumping"))
        v0 = state.qubit.reshape(-1)
        return [PIState(state.n, None, (sla.expm(gen1 * tk) @ v0).reshape(2, 2)) for tk in t]
    lay, gen, vec = _setup(state, dephasing, emission, pumping, hamiltonian, collective_jumps, measurement, True)
    dense = lay.size == int(np.sum(lay.dims[np.unique(lay.b)] ** 2))
    if t.size == 0:
        return []
    if not np.any(gen.data.imag) and not np.any(vec.imag):  # no Hamiltonian: real arithmetic, ~2x faster
        gen, vec = gen.real.tocsr(), vec.real.copy()
    step = np.diff(t)
    if t.size > 1 and np.all(step > 0) and np.allclose(step, step[0], rtol=1e-12, atol=0.0):
        vecs = expm_multiply(gen, vec, start=t[0], stop=t[-1], num=t.size, endpoint=True)
    else:
        order = np.argsort(t, kind="stable")
        vecs = np.empty((t.size, vec.size), dtype=vec.dtype)
        cur, now = vec, 0.0
        for i in order:
            if t[i] > now:
                cur = expm_multiply(gen * (t[i] - now), cur)
                now = float(t[i])
            vecs[i] = cur
    return [_to_state(lay, v, dense) for v in np.atleast_2d(vecs)]


def steady_state(n: int, dephasing: float = 0.0, emission: float = 0.0, pumping: float = 0.0,
                 hamiltonian: BlockFn | None = None, collective_jumps: Sequence[tuple[float, BlockFn]] = (),
                 measurement: tuple[float, BlockFn] | None = None, initial: PIState | None = None) -> PIState:
    """Steady state of ``evolve``'s generator for n qubits.

    The generator splits into sectors that it does not connect (j blocks without local noise; coherence
    orders when they are conserved). In each sector holding populations the trace is conserved and taken
    from ``initial`` (default ``|0...0>``, the j = n/2 block); one of its population rows is replaced by
    that trace condition and the sector is solved by sparse LU. Sectors without populations have steady
    state 0. This is why the solve is not singular even when many sectors are present (qutip#2649).

    Raises
    ------
    ValueError
        If a sector has more than one steady state (e.g. no dissipation at all): the residual check fails.
    """
    if initial is None:
        amps = np.zeros(n + 1)
        amps[0] = 1.0
        initial = PIState.from_dicke(amps)
    if not isinstance(initial, PIState) or initial.n != n:
        raise ValueError(f"initial must be a PIState of n = {n} qubits")
    lay, gen, vec = _setup(initial, dephasing, emission, pumping, hamiltonian, collective_jumps, measurement, False)
    gen = gen.tocsr()
    # the pattern as real weights: connected_components would cast complex entries to real and drop
    # purely imaginary couplings (a Hamiltonian's)
    pattern = sp.csr_matrix(((np.abs(gen.data) > 0).astype(float), gen.indices, gen.indptr), shape=gen.shape)
    ncomp, labels = connected_components(pattern, directed=False)
    is_pop = lay.a == lay.c
    out = np.zeros(lay.size, dtype=complex)
    for comp in range(ncomp):
        idx = np.nonzero(labels == comp)[0]
        pops = idx[is_pop[idx]]
        if pops.size == 0:
            continue
        sub = gen[idx][:, idx].tolil()
        row = int(np.searchsorted(idx, pops[0]))
        sub[row, :] = 0
        sub[row, np.searchsorted(idx, pops)] = 1.0
        rhs = np.zeros(idx.size, dtype=complex)
        rhs[row] = vec[pops].sum().real
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", MatrixRankWarning)  # a singular sector is reported below
            x = spsolve(sub.tocsc(), rhs) if idx.size > 1 else rhs / sub[0, 0]
        x = np.atleast_1d(x)
        res = gen[idx][:, idx] @ x
        scale = max(float(np.max(np.abs(x))), 1e-300) * max(float(abs(gen[idx][:, idx]).max()), 1e-300)
        if not np.all(np.isfinite(x)) or float(np.max(np.abs(res))) > STEADY_RESIDUAL_TOL * scale:
            raise ValueError(
                f"steady_state: the sector with {idx.size} entries has no unique steady state (the generator "
                "conserves more than its trace); add dissipation or pass evolve a long time instead"
            )
        out[idx] = x
    dense = lay.size == int(np.sum(lay.dims[np.unique(lay.b)] ** 2))
    return _to_state(lay, out, dense)


__all__ = ["evolve", "steady_state"]
