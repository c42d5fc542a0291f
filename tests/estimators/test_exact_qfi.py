"""Exact QFI, QFIM and Hilbert-Schmidt bound: closed forms, independent references, structure paths, errors.

Noisy states are built here from the closed-form single-qubit channels of PHYSICS.md, applied with
qiskit's ``Kraus`` (an implementation independent of bellsense). Tolerances: 1e-10 relative for
closed forms (exact linear algebra on matrices of norm <= n^2/4), as the issue demands.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as sla
import scipy.sparse as sp
from qiskit.quantum_info import DensityMatrix, Kraus, Statevector

from bellsense import spin, states
from bellsense.estimators import hs_bound, qfi, qfim

REL = 1e-10


def close(a: float, b: float, rel: float = REL) -> bool:
    return abs(a - b) <= rel * max(1.0, abs(b))


def dephasing(gt: float) -> Kraus:
    """L = sigma_z at rate gamma for time t: phase flip with p = (1 - e^{-2 gamma t})/2."""
    p = (1 - np.exp(-2 * gt)) / 2
    return Kraus([np.sqrt(1 - p) * np.eye(2), np.sqrt(p) * np.diag([1.0, -1.0])])


def emission(gt: float) -> Kraus:
    """Amplitude damping |1> -> |0> with p = 1 - e^{-gamma t} (Aer's convention)."""
    p = 1 - np.exp(-gt)
    return Kraus([np.array([[1, 0], [0, np.sqrt(1 - p)]]), np.array([[0, np.sqrt(p)], [0, 0]])])


def noisy(vec: np.ndarray, channel: Kraus) -> np.ndarray:
    n = int(np.log2(len(vec)))
    rho = DensityMatrix(Statevector(vec))
    for q in range(n):
        rho = rho.evolve(channel, qargs=[q])
    return rho.data


def noisy_product(n: int, single: np.ndarray, channel: Kraus) -> np.ndarray:
    """A local channel on a product state: the tensor power of the noisy single-qubit state."""
    one = DensityMatrix(Statevector(single)).evolve(channel).data
    rho = np.ones((1, 1))
    for _ in range(n):
        rho = np.kron(one, rho)
    return rho


def plain_qfi(rho: np.ndarray, h: np.ndarray) -> float:
    """Reference: full eigh, then the double sum of eq. 8 with full arrays."""
    p, u = np.linalg.eigh(rho)
    hh = u.conj().T @ h @ u
    num = (p[:, None] - p[None, :]) ** 2
    den = p[:, None] + p[None, :]
    w = np.where(den > 1e-13, 2 * num / np.where(den > 1e-13, den, 1), 0.0)
    return float(np.sum(w * np.abs(hh) ** 2))


def sld_qfi(rho: np.ndarray, h: np.ndarray) -> float:
    """Independent: SLD L from rho L + L rho = 2 d rho, d rho = -i[h, rho]; F = Tr(rho L^2)."""
    drho = -1j * (h @ rho - rho @ h)
    sld = sla.solve_sylvester(rho, rho, 2 * drho)
    return float(np.trace(rho @ sld @ sld).real)


def random_density(dim: int, rank: int, rng: np.random.Generator, real: bool = False) -> np.ndarray:
    a = rng.normal(size=(dim, rank)) + (0 if real else 1j) * rng.normal(size=(dim, rank))
    rho = a @ a.conj().T
    return rho / np.trace(rho).real


GTS = [0.02, 0.3, 1.5]


def gts_for(n: int) -> list[float]:
    """Three gamma t values; two at n >= 9 where each full-rank 2^n eigensolve costs ~1 s."""
    return GTS if n < 9 else GTS[1:]


@pytest.mark.parametrize("n", range(1, 11))
def test_pure_ghz_and_plus_states(n):
    jz = spin.jz(n)
    assert close(qfi(states.ghz(n), jz), n**2)
    assert close(qfi(states.product(n), jz), n)
    assert close(qfi(DensityMatrix(Statevector(states.ghz(n))), jz), n**2)  # rank-1 matrix path
    assert close(hs_bound(states.ghz(n), jz), n**2)


@pytest.mark.parametrize("n", range(1, 11))
def test_dephasing_closed_forms(n):
    """Seed 003: G = N^2 e^{-4 N gamma t} (GHZ), N e^{-4 gamma t} (|+>^N)."""
    jz = spin.jz(n)
    for gt in gts_for(n):
        ch = dephasing(gt)
        assert close(qfi(noisy(states.ghz(n), ch), jz), n**2 * np.exp(-4 * n * gt))
        assert close(qfi(noisy_product(n, states.product(1), ch), jz), n * np.exp(-4 * gt))


@pytest.mark.parametrize("n", range(1, 11))
def test_emission_closed_forms(n):
    """Seed 003: G = 2 N^2 x^N / (1 + (1-x)^N + x^N) (GHZ), N x (|+>^N), x = e^{-gamma t}."""
    jz = spin.jz(n)
    for gt in gts_for(n):
        x = np.exp(-gt)
        ch = emission(gt)
        assert close(qfi(noisy(states.ghz(n), ch), jz), 2 * n**2 * x**n / (1 + (1 - x) ** n + x**n))
        assert close(qfi(noisy_product(n, states.product(1), ch), jz), n * x)


@pytest.mark.parametrize("n", range(1, 11))
def test_dicke_qfi_along_x(n):
    """F = 2 [j(j+1) - m^2] for |D_k^N> and J_x; 0 for J_z. Both bases."""
    j = n / 2
    for k in range(n + 1):
        m = j - k
        expected = 2 * (j * (j + 1) - m**2)
        assert close(qfi(states.dicke(n, k), spin.jx(n)), expected)
        assert close(qfi(states.dicke(n, k, "dicke"), spin.dicke_collective(n, "x")), expected)
        assert abs(qfi(states.dicke(n, k), spin.jz(n))) < 1e-10
    if n % 2 == 0:
        assert close(qfi(states.dicke(n, n // 2), spin.jx(n)), n * (n + 2) / 2)


def test_single_qubit_dephasing_closed_form():
    """G = (1 - delta^2) e^{-4 gamma t} for |a|^2 = (1 + delta)/2."""
    for delta in (-0.7, 0.0, 0.4):
        theta = np.arccos(delta)  # cos^2(theta/2) = (1 + delta)/2
        for gt in GTS:
            rho = noisy(states.product(1, theta), dephasing(gt))
            assert close(qfi(rho, spin.jz(1)), (1 - delta**2) * np.exp(-4 * gt))


def test_product_with_per_qubit_rates():
    """Q/t^2 = sum_a e^{-4 gamma_a t} for |+> on each qubit with its own dephasing rate."""
    gts = [0.1, 0.5, 0.05, 1.0]
    rho = DensityMatrix(Statevector(states.product(4)))
    for q, gt in enumerate(gts):
        rho = rho.evolve(dephasing(gt), qargs=[q])
    assert close(qfi(rho, spin.jz(4)), float(np.sum(np.exp(-4 * np.array(gts)))))


@pytest.mark.parametrize("n", range(1, 7))
def test_against_sld_sylvester_and_plain_reference(n):
    rng = np.random.default_rng(100 + n)
    dim = 2**n
    for axis in ("x", "y", "z", [0.48, 0.6, 0.64])[: 4 if n < 5 else 2]:
        h = spin.collective(n, axis)
        rho = random_density(dim, dim, rng)  # full rank: the SLD equation has a unique solution
        ref = sld_qfi(rho, h.toarray())
        assert close(qfi(rho, h), ref, 1e-8)  # Sylvester solve: condition ~ 1/min(p) ~ 1e2..1e3
        assert close(qfi(rho, h), plain_qfi(rho, h.toarray()))
        for rank in (1, 2, max(1, dim // 2)):
            rho = random_density(dim, rank, rng)
            assert close(qfi(rho, h), plain_qfi(rho, h.toarray()))
            real = random_density(dim, rank, rng, real=True)
            assert close(qfi(real, h), plain_qfi(real, h.toarray()))


def test_degenerate_dephased_product_and_generator_forms():
    """Dephased product states are highly degenerate; dense, sparse and diagonal h agree."""
    n = 6
    rho = noisy(states.product(n), dephasing(0.2))
    ev = np.linalg.eigvalsh(rho)
    assert len(np.unique(np.round(ev, 12))) <= n + 1  # (n+1) distinct eigenvalues, binomial degeneracies
    h = spin.jz(n)
    expected = n * np.exp(-0.8)
    for gen in (h, h.toarray(), sp.coo_matrix(h), sp.csr_matrix(h.toarray())):
        assert close(qfi(rho, gen), expected)
    assert close(qfi(sp.csr_matrix(rho), h), expected)  # sparse density matrix
    assert close(qfi(DensityMatrix(rho), h), expected)


def test_block_structure_paths_match_plain_reference():
    """Many equal-size blocks (stacked eigh) and mixed block sizes, against the plain reference."""
    rng = np.random.default_rng(7)
    n = 5
    dim = 2**n
    # block-diagonal rho in the Hamming-weight sectors (J_z commutes): blocks of sizes C(5, k)
    weight = np.array([bin(i).count("1") for i in range(dim)])
    rho = np.zeros((dim, dim), dtype=complex)
    for w in range(n + 1):
        idx = np.nonzero(weight == w)[0]
        rho[np.ix_(idx, idx)] = random_density(len(idx), len(idx), rng) * rng.uniform(0.1, 1)
    rho /= np.trace(rho).real
    for axis in ("z", "x"):
        h = spin.collective(n, axis)
        assert close(qfi(rho, h), plain_qfi(rho, h.toarray()))
    # pairs of indices coupled: 16 blocks of size 2 (stacked path), one pure, one empty
    rho = np.zeros((dim, dim), dtype=complex)
    for i in range(0, dim, 2):
        rho[i : i + 2, i : i + 2] = random_density(2, 1 if i == 0 else 2, rng) * (0 if i == 2 else 1)
    rho /= np.trace(rho).real
    h = np.diag(rng.normal(size=dim)).astype(complex)
    for i in range(0, dim, 2):
        h[i, i + 1] = h[i + 1, i] = rng.normal()
    assert close(qfi(rho, h), plain_qfi(rho, h))
    assert close(qfi(rho, sp.csr_matrix(h)), plain_qfi(rho, h))


@pytest.mark.parametrize("n", range(1, 11))
def test_symmetric_path_equals_full_path(n):
    rng = np.random.default_rng(200 + n)
    vecs = [states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1), "dicke") for _ in range(3)]
    weights = rng.dirichlet(np.ones(3))
    small = sum(w * np.outer(v, v.conj()) for w, v in zip(weights, vecs))
    big = spin.from_symmetric(small)
    for axis in ("x", "y", "z", [0.0, 0.6, 0.8]):
        hs, hb = spin.dicke_collective(n, axis), spin.collective(n, axis)
        assert close(qfi(small, hs), qfi(big, hb))
        assert close(qfi(vecs[0], hs), qfi(spin.from_symmetric(vecs[0]), hb))
        assert close(hs_bound(small, hs), hs_bound(big, hb))
    gens_s = [spin.dicke_collective(n, a) for a in "xyz"]
    gens_b = [spin.collective(n, a) for a in "xyz"]
    assert np.max(np.abs(qfim(small, gens_s) - qfim(big, gens_b))) < REL * n**2


def test_symmetric_path_large_n():
    n = 1000
    assert close(qfi(states.ghz(n, "dicke"), spin.dicke_collective(n, "z")), n**2)
    assert close(qfi(states.product(n, basis="dicke"), spin.dicke_collective(n, "z")), n)
    assert close(qfi(states.dicke(n, n // 2, "dicke"), spin.dicke_collective(n, "x")), n * (n + 2) / 2)


def test_qfim_shape_and_consistency():
    n = 3
    rng = np.random.default_rng(3)
    rho = random_density(8, 3, rng)
    gens = [spin.collective(n, a) for a in "xyz"]
    mat = qfim(rho, gens)
    assert mat.shape == (3, 3)
    assert qfim(rho, gens[0]).shape == (1, 1)
    assert np.allclose(mat, mat.T, atol=1e-12)
    for a in range(3):
        assert close(mat[a, a], qfi(rho, gens[a]))
    # off-diagonal = polarisation: F(h_a + h_b) = F_aa + F_bb + 2 F_ab
    assert close(qfi(rho, gens[0] + gens[1]), mat[0, 0] + mat[1, 1] + 2 * mat[0, 1])


def test_hs_bound_multiple_quantum_coherence_form():
    """HS = 2 sum_m m^2 I_m with I_m = sum_{w - w' = m} |rho_{ww'}|^2 for h = J_z (seed 001)."""
    n = 4
    rng = np.random.default_rng(11)
    rho = random_density(16, 3, rng)
    jz = np.diag(spin.jz(n).toarray()).real
    m = jz[:, None] - jz[None, :]
    assert close(hs_bound(rho, spin.jz(n)), 2 * float(np.sum(m**2 * np.abs(rho) ** 2)))


# --- bad input ---------------------------------------------------------------------------------------


def test_bad_states():
    h = spin.jz(2)
    with pytest.raises(ValueError, match="not Hermitian"):
        qfi(np.array([[0.5, 0.3], [0.0, 0.5]]), spin.jz(1))
    with pytest.raises(ValueError, match="trace"):
        qfi(np.eye(4) / 2, h)
    with pytest.raises(ValueError, match="squared norm"):
        qfi(np.ones(4), h)
    with pytest.raises(ValueError, match="positive semidefinite"):
        qfi(np.diag([1.5, -0.5, 0, 0]).astype(complex) + 0.01 * np.eye(4)[::-1], h)
    with pytest.raises(ValueError, match="vector or a square"):
        qfi(np.ones((2, 2, 2)), h)
    with pytest.raises(ValueError, match="non-finite"):
        qfi(np.array([np.nan, 1.0]), spin.jz(1))
    with pytest.raises(TypeError, match="state must be"):
        qfi(object(), h)
    with pytest.raises(ValueError, match="not Hermitian"):
        hs_bound(np.array([[0.5, 0.3], [0.0, 0.5]]), spin.jz(1))


def test_bad_generators():
    psi = states.ghz(2)
    with pytest.raises(ValueError, match="dimension 8 but the state has dimension 4"):
        qfi(psi, spin.jz(3))
    with pytest.raises(ValueError, match="Dicke-basis generator"):
        qfi(states.ghz(2, "dicke"), spin.jz(2))
    with pytest.raises(ValueError, match="not Hermitian"):
        qfi(psi, np.triu(np.ones((4, 4))))
    with pytest.raises(ValueError, match="square"):
        qfim(psi, [np.ones((4, 3))])
    with pytest.raises(ValueError, match="at least one"):
        qfim(psi, [])
    with pytest.raises(TypeError, match="one matrix"):
        qfi(psi, [spin.jz(2), spin.jx(2)])


def test_unstructured_block_too_large_points_to_symmetric_path():
    """A connected full-rank 2^13 block exceeds the dense eigensolver limit; built sparse (cheap)."""
    dim = 2**13
    ring = sp.diags([np.full(dim - 1, 1e-5), np.full(dim - 1, 1e-5)], [-1, 1])
    rho = sp.identity(dim, format="csr") / dim + ring / dim
    with pytest.raises(ValueError, match="Dicke basis"):
        qfi(rho, sp.diags(np.arange(dim, dtype=float)))


def test_dense_matrix_too_large_message():
    from bellsense.estimators.exact.inputs import MAX_DENSE_DIM, as_state

    big = np.broadcast_to(np.zeros(1, dtype=complex), (MAX_DENSE_DIM + 1, MAX_DENSE_DIM + 1))
    with pytest.raises(ValueError, match="Dicke basis"):
        as_state(big)


def test_nearly_pure_states_are_continuous():
    """Purity 1 - 1e-14 goes through the pure path, 1 - 1e-9 through the eigensolver; both agree with
    the plain reference to ~ (1 - purity) * ||h||^2 (the QFI is continuous in rho at fixed support)."""
    n = 5
    rng = np.random.default_rng(21)
    psi = states.symmetric(rng.normal(size=n + 1) + 1j * rng.normal(size=n + 1))
    h = spin.collective(n, "x")
    for eps in (1e-14, 1e-9, 1e-4):
        rho = (1 - eps) * np.outer(psi, psi.conj()) + eps * np.eye(2**n) / 2**n
        assert abs(qfi(rho, h) - plain_qfi(rho, h.toarray())) < 1e-10 * n**2
    # rounding-level noise on a pure density matrix (as from a simulator)
    noise = 1e-17 * (rng.normal(size=(32, 32)) + 1j * rng.normal(size=(32, 32)))
    rho = np.outer(psi, psi.conj()) + noise + noise.conj().T
    assert close(qfi(rho, h), qfi(psi, h))


# --- tiny coherences: machine precision where eigenvalue gaps are at the rounding level ---------------

DEEP_GTS = (0.01, 0.1, 0.5, 1.0, 2.0)


def dephased_ghz_matrix(n: int, gt: float, dim: int, phase: float = 0.0) -> np.ndarray:
    """Local dephasing of GHZ, built directly (no channel code): populations 1/2 on |0..0>, |1..1>
    (indices 0 and dim - 1) and the coherence c = e^{-2 N gamma t}/2 (PHYSICS.md), with a phase."""
    rho = np.zeros((dim, dim), dtype=complex)
    rho[0, 0] = rho[-1, -1] = 0.5
    rho[0, -1] = 0.5 * np.exp(-2 * n * gt) * np.exp(1j * phase)
    rho[-1, 0] = np.conj(rho[0, -1])
    return rho


@pytest.mark.parametrize("n", range(2, 11))
def test_dephased_ghz_tiny_coherence_to_machine_precision(n):
    """G = N^2 e^{-4 N gamma t} to 1e-10 relative down to c ~ 2e-18 (n = 10, gamma t = 2; G ~ 2e-33).

    The textbook form 2 (p_i - p_j)^2/(p_i + p_j) |h_ij|^2 with p_i - p_j = 2c from eigh is
    accurate only to ~1e-16/c relative (1e-3 at n = 8, gamma t = 2; 100% wrong at n = 10); the
    commutator form is accurate to a few ulps. Covered: the 2x2 block (diagonal J_z), one full
    2^n block coupled by J_x (qfim, low-rank support path), sparse input, the Dicke basis, and the
    Hilbert-Schmidt bound (equal to F here: the block has trace 1 and two levels).
    """
    jz, jx = spin.jz(n), spin.jx(n)
    for gt in DEEP_GTS:
        ref = n**2 * np.exp(-4 * n * gt)
        rho = dephased_ghz_matrix(n, gt, 2**n, phase=0.7 * n)
        assert close(qfi(rho, jz), ref, REL * ref)  # `close` is absolute below 1: scale to relative
        assert close(qfi(sp.csr_matrix(rho), jz), ref, REL * ref)
        real = dephased_ghz_matrix(n, gt, 2**n).real.copy()
        assert close(qfi(real, jz.toarray()), ref, REL * ref)  # real block, dense generator
        assert close(hs_bound(rho, jz), ref, REL * ref)
        mat = qfim(rho, [jz, jx])  # J_x joins all 2^n levels into one block of rank 2
        assert close(mat[0, 0], ref, REL * ref)
        assert close(mat[1, 1], qfi(rho, jx))
        small = dephased_ghz_matrix(n, gt, n + 1, phase=0.7 * n)
        assert close(qfi(small, spin.dicke_collective(n, "z")), ref, REL * ref)


@pytest.mark.parametrize("n", [3, 6, 10])
def test_cat_mixture_tiny_coherences_stacked_path(n):
    """Mixture of cats (|x> + |~x>)/sqrt 2 over all 2^{n-1} complementary pairs, each with its own
    weight q_x and tiny coherence q_x c_x: 2^{n-1} blocks of size 2 (the stacked eigh path).
    F = sum_x 4 q_x c_x^2 (h_x - h_~x)^2 for a diagonal h (the 2x2 result above, summed)."""
    rng = np.random.default_rng(50 + n)
    dim = 2**n
    x = np.arange(dim // 2)
    xbar = dim - 1 - x  # bitwise complement
    q = rng.dirichlet(np.ones(dim // 2))
    c = 0.5 * np.exp(-rng.uniform(25, 40, size=dim // 2))  # 2e-18 .. 7e-12
    rho = np.zeros((dim, dim), dtype=complex)
    rho[x, x] = rho[xbar, xbar] = q / 2
    rho[x, xbar] = q * c * np.exp(1j * rng.uniform(0, 2 * np.pi, size=dim // 2))
    rho[xbar, x] = np.conj(rho[x, xbar])
    for h in (spin.jz(n).diagonal().real, rng.normal(size=dim)):
        terms = 4 * q * c**2 * (h[x] - h[xbar]) ** 2
        ref = float(np.sum(terms))
        got = qfi(rho, sp.diags(h))
        assert close(got, ref, REL * ref)
        # the smallest coherences are resolved too: drop the largest block and compare again
        big = np.argmax(terms)
        rho_rest = rho.copy()
        rho_rest[x[big], xbar[big]] = rho_rest[xbar[big], x[big]] = 0
        ref_rest = float(np.sum(np.delete(terms, big)))  # not ref - terms[big]: that cancels
        assert close(qfi(rho_rest, sp.diags(h)), ref_rest, REL * ref_rest)
