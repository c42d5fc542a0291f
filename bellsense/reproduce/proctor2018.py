"""Proctor, Knott and Dunningham, "Multiparameter Estimation in Networked Quantum Sensors",
Phys. Rev. Lett. 120, 080501 (2018), arXiv:1702.04271.

d sensors, phase ``phi_k`` on sensor k through its ``J_z``; a linear function ``theta = v^T phi``
with ``||v||_2 = 1`` and N qubits in all. The cost is ``Tr(W F^-1)`` with ``W = v v^T``; for one
function this is ``v^T F^+ v`` (Moore-Penrose inverse: the GHZ-like state's F has rank one, with v
in its range).

* GHZ-like state ``(|max_v> + |min_v>)/sqrt2`` with ``n_k = N |v_k|/||v||_1``: ``||v||_1^2/N^2``.
* Best sensor-separable state (a GHZ of ``w_k`` qubits in sensor k, ``w_k ∝ |v_k|^{2/3}``):
  ``||v||_{2/3}^2/N^2``, the square of the 2/3-norm as the paper prints it.
* For ``v ∝ (1, ..., 1)`` the ratio GHZ-like/separable is ``1/d``.
* The gradient ``theta = (phi_2 - phi_1)/sqrt2`` with N/2 qubits per sensor, from counts on Aer
  with dephasing and repeated maximum-likelihood estimation: the variance ratio entangled/separable
  is 1/2 without noise and ``e^{2 N gamma t}/2`` with local dephasing for a time t (the GHZ
  coherence of the entangled probe decays as ``e^{-2 N gamma t}``, each sensor's as ``e^{-N gamma t}``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from matplotlib.figure import Figure
from qiskit import QuantumCircuit
from qiskit.quantum_info import Statevector
from tqdm.auto import tqdm

from bellsense import circuits, noise
from bellsense.backends import aer
from bellsense.circuits import separable_sizes
from bellsense.estimators import marginal_counts, mle_study, qfim

from .grid import map_cells
from .result import PaperOutput, SummaryRow, fmt, write_figure, write_json

#: Relative tolerance of exact QFI-matrix costs against the closed forms (exact maths on <= 2^12 vectors).
EXACT_RTOL = 1e-9
#: Agreement of a measured variance ratio with its prediction, in standard errors.
SIGMAS = 3.0


def _unit(v: Sequence[float]) -> np.ndarray:
    vec = np.asarray(v, dtype=float)
    return vec / np.linalg.norm(vec)


def ghz_like_cost(v: Sequence[float], n: int) -> float:
    """``||v||_1^2 / N^2`` for unit v: the GHZ-like state's ``Tr(W F^-1)`` (one repetition)."""
    u = _unit(v)
    return float(np.abs(u).sum() ** 2 / n**2)


def separable_cost(v: Sequence[float], n: int) -> float:
    """``||v||_{2/3}^2 / N^2`` for unit v: the best sensor-separable state with real-valued ``w_k``."""
    u = np.abs(_unit(v))
    return float((u ** (2 / 3)).sum() ** 3 / n**2)


def sensor_generators(sizes: Sequence[int]) -> list[sp.csr_matrix]:
    """``J_z`` of each sensor on the whole register (diagonal, 2^N; qubit q is bit q of the index)."""
    n = int(sum(sizes))
    idx = np.arange(1 << n)
    out = []
    for qubits in circuits.sensor_qubits(list(sizes)):
        diag = sum((0.5 - ((idx >> q) & 1)) for q in qubits) if qubits else np.zeros(1 << n)
        out.append(sp.diags(np.asarray(diag, dtype=complex), format="csr"))
    return out


def linear_cost(state: object, sizes: Sequence[int], v: Sequence[float]) -> tuple[float, np.ndarray]:
    """``(v^T F^+ v, F)`` with F the exact QFI matrix of the per-sensor ``J_z`` generators."""
    fmat = qfim(state, sensor_generators(sizes))
    u = _unit(v)
    return float(u @ np.linalg.pinv(fmat, rcond=1e-10, hermitian=True) @ u), fmat


def _state(circuit: QuantumCircuit) -> np.ndarray:
    return np.asarray(Statevector(circuit).data)


def _bounds_rows(n: int, vectors: list[tuple[str, list[float]]], progress: bool) -> tuple[list[SummaryRow], dict]:
    rows, data = [], {}
    for label, v in tqdm(vectors, desc="proctor2018 bounds", disable=not progress):
        ghz_sizes = circuits.linear_function_sizes(v, n)
        ghz_cost, f_ghz = linear_cost(_state(circuits.linear_function_state(v, n, ghz_sizes)), ghz_sizes, v)
        sep_sizes = separable_sizes(v, n)
        sep_cost, f_sep = linear_cost(_state(circuits.sensor_network(sep_sizes)), sep_sizes, v)
        u = _unit(v)
        best_int = min(  # brute force over every integer split with n_k >= 1: sum v_k^2 / n_k^2
            float(np.sum(u**2 / np.asarray(c, dtype=float) ** 2)) for c in _compositions(n, len(v))
        )
        ref_g, ref_s = ghz_like_cost(v, n), separable_cost(v, n)
        ok_g = math.isclose(ghz_cost, ref_g, rel_tol=EXACT_RTOL)
        ok_s = sep_cost >= ref_s * (1 - EXACT_RTOL) and math.isclose(sep_cost, best_int, rel_tol=EXACT_RTOL)
        rows.append(SummaryRow(f"GHZ-like Tr(W F^-1), v = {label}, N = {n}", f"||v||_1^2/N^2 = {fmt(ref_g, 6)}",
                               fmt(ghz_cost, 6), ok_g, f"sizes {ghz_sizes}; exact QFI matrix of the circuit's state"))
        rows.append(SummaryRow(
            f"separable Tr(W F^-1), v = {label}, N = {n}", f"||v||_{{2/3}}^2/N^2 = {fmt(ref_s, 6)}", fmt(sep_cost, 6),
            ok_s, f"w = {sep_sizes} (w_k ∝ v_k^(2/3) rounded); >= the real-valued bound and = the best integer "
            f"split {fmt(best_int, 6)}; the paper's squared 2/3-norm is right"))
        data[label] = {"v": u, "n": n, "ghz_sizes": ghz_sizes, "ghz_cost": ghz_cost, "ghz_bound": ref_g,
                       "ghz_qfim": f_ghz, "separable_sizes": sep_sizes, "separable_cost": sep_cost,
                       "separable_bound": ref_s, "separable_best_integer": best_int, "separable_qfim": f_sep}
    return rows, data


def _compositions(n: int, parts: int):
    """All ways to write n as an ordered sum of ``parts`` integers >= 1."""
    if parts == 1:
        yield (n,)
        return
    for first in range(1, n - parts + 2):
        for rest in _compositions(n - first, parts - 1):
            yield (first, *rest)


def ratio_cell(cell: dict, seed: int) -> float:
    """One point of the 1/d figure (a task): Var(GHZ-like)/Var(best separable) for ``cell`` = {d, per_sensor}."""
    d, per_sensor = int(cell["d"]), int(cell["per_sensor"])
    v, sizes = [1.0] * d, [per_sensor] * d
    ghz, _ = linear_cost(_state(circuits.linear_function_state(v, d * per_sensor, sizes)), sizes, v)
    sep, _ = linear_cost(_state(circuits.sensor_network(sizes)), sizes, v)
    return float(ghz / sep)


def _ratio_vs_d(ds: Sequence[int], per_sensor: int, progress: bool,
                cluster: Any = None) -> tuple[Figure, dict, SummaryRow]:
    ratios = map_cells("proctor2018/ratio_vs_d", [{"d": int(d), "per_sensor": per_sensor} for d in ds], ratio_cell,
                       cluster=cluster, progress=progress)
    ds_arr = np.asarray(ds, dtype=float)
    ratios_arr = np.asarray(ratios)
    dev = float(np.max(np.abs(ratios_arr * ds_arr - 1)))
    fig = Figure(figsize=(5, 3.6))
    ax = fig.add_subplot()
    fine = np.linspace(1, max(ds), 200)
    ax.plot(fine, 1 / fine, "-", color="0.5", label="1/d (closed form)")
    ax.plot(ds_arr, ratios_arr, "o", label=f"exact QFI matrices, {per_sensor} qubits per sensor")
    ax.set_xlabel("number of sensors d")
    ax.set_ylabel("Var(GHZ-like) / Var(best separable)")
    ax.set_title("v ∝ (1, …, 1): entanglement divides the variance by d")
    ax.legend()
    data = {"d": ds_arr, "ratio": ratios_arr, "closed_form": 1 / ds_arr, "qubits_per_sensor": per_sensor}
    row = SummaryRow(f"v ∝ (1,…,1): Var(GHZ-like)/Var(separable) = 1/d, d = {min(ds)}…{max(ds)}", "1/d",
                     f"max |ratio·d - 1| = {dev:.1e}", dev < EXACT_RTOL, "exact QFI matrices of the circuits' states")
    return fig, data, row


def _gradient_circuits(n: int, t: float, phases: np.ndarray, offsets: np.ndarray, entangled: bool) -> QuantumCircuit:
    half = n // 2
    sizes = [half, half]
    prep = circuits.linear_function_state([-1.0, 1.0], n, sizes) if entangled else circuits.sensor_network(sizes)
    enc = circuits.sensor_encoding(sizes, [float(p) for p in phases + offsets])
    return circuits.assemble(prep, enc, circuits.sensing_window(n, t, 0.0))


def _parity_model(coherence: float, scale: float):
    """P(even, odd) of the X parity: ``(1 ± c cos(scale * a))/2`` for the phase a."""

    def model(a: np.ndarray) -> np.ndarray:
        even = 0.5 * (1 + coherence * np.cos(scale * np.asarray(a)))
        return np.stack([even, 1 - even], axis=-1)

    return model


def _gradient(n: int, gamma_t: float, reps: int, shots: int, seed: int, progress: bool) -> tuple[Figure, dict, list]:
    """Repeated MLE of the gradient on Aer counts with local dephasing, entangled against separable."""
    half = n // 2
    t = 1.0
    gamma = gamma_t / t
    spec = noise.NoiseSpec(dephasing=gamma)
    model_noise = noise.window_noise_model(spec, n, t)
    # working points at the parity's optimum: entangled phase N theta/sqrt2 = pi/2, each sensor's m phi_k = pi/2
    phases = np.array([0.2, 0.2 + np.pi / (2 * half)])
    theta_true = float((phases[1] - phases[0]) / np.sqrt(2))
    sep_offsets = np.pi / (2 * half) - phases
    circ_e = _gradient_circuits(n, t, phases, np.zeros(2), True)
    circ_s = _gradient_circuits(n, t, phases, sep_offsets, False)
    # predicted ratio from the exact QFI matrices of the noisy states (Aer density matrices)
    rho_e, rho_s = aer.density_matrices([circ_e, circ_s], model_noise)
    pred_e, _ = linear_cost(rho_e, [half, half], [-1, 1])
    pred_s, _ = linear_cost(rho_s, [half, half], [-1, 1])
    predicted = pred_e / pred_s
    readout = circuits.collective_readout(n, "x")
    sampler = aer.aer_sampler(model_noise, seed=seed, num_qubits=n)
    counts = {}
    for name, circ in tqdm((("entangled", circ_e), ("separable", circ_s)), desc="proctor2018 gradient Aer",
                           disable=not progress):
        full = circuits.assemble(circ, readout)
        res = sampler.run([(full,)] * reps, shots=shots).result()
        counts[name] = [res[r].data.meas.get_counts() for r in range(reps)]
    eta_e, eta_s = math.exp(-2 * n * gamma_t), math.exp(-2 * half * gamma_t)
    scale_e = n / np.sqrt(2)  # parity phase N theta / sqrt2
    study_e = mle_study(counts["entangled"], _parity_model(eta_e, scale_e), (0.0, np.pi / scale_e), theta_true)
    theta_e = study_e.estimates
    sensor_est = []
    for k, qubits in enumerate(circuits.sensor_qubits([half, half])):
        marg = [marginal_counts(c, qubits, n) for c in counts["separable"]]
        true_k = float(phases[k] + sep_offsets[k])
        study = mle_study(marg, _parity_model(eta_s, half), (0.0, np.pi / half), true_k)
        sensor_est.append(study.estimates - sep_offsets[k])
    theta_s = (sensor_est[1] - sensor_est[0]) / np.sqrt(2)
    var_e, var_s = float(np.var(theta_e, ddof=1)), float(np.var(theta_s, ddof=1))
    ratio = var_e / var_s
    ratio_err = ratio * math.sqrt(4.0 / (reps - 1))  # two independent sample variances
    closed = 0.5 * math.exp(2 * n * gamma_t)
    fig = Figure(figsize=(5.5, 3.6))
    ax = fig.add_subplot()
    bins = (np.linspace(-4, 4, 41) * math.sqrt(var_s)).tolist()
    ax.hist(theta_s - theta_true, bins=bins, alpha=0.6, label=f"separable, Var = {var_s:.3g}")
    ax.hist(theta_e - theta_true, bins=bins, alpha=0.6, label=f"entangled, Var = {var_e:.3g}")
    ax.set_xlabel("theta_hat - theta")
    ax.set_ylabel("repetitions")
    ax.set_title(f"gradient, N = {n}, dephasing gamma t = {gamma_t}: ratio {ratio:.3f} ± {ratio_err:.3f}")
    ax.legend()
    data = {"n": n, "gamma_t": gamma_t, "reps": reps, "shots": shots, "theta_true": theta_true,
            "estimates_entangled": theta_e, "estimates_separable": theta_s, "var_entangled": var_e,
            "var_separable": var_s, "ratio": ratio, "ratio_stderr": ratio_err, "predicted_ratio_qfi": predicted,
            "predicted_ratio_closed_form": closed, "noiseless_ratio": 0.5,
            "cramer_rao_entangled": study_e.cramer_rao}
    rows = [
        SummaryRow(f"gradient, N = {n}: Var(entangled)/Var(separable) = 1/2 (noiseless)", "0.5",
                   f"{ratio:.3f} ± {ratio_err:.3f} (Aer counts, {reps} x {shots} shots)",
                   abs(ratio - predicted) < SIGMAS * ratio_err,
                   f"with dephasing gamma t = {gamma_t} the prediction is e^(2N gamma t)/2 = {predicted:.4f}; "
                   f"agreement: within {SIGMAS:g} standard errors of it"),
        SummaryRow(f"gradient, N = {n}: exact QFI-matrix ratio with dephasing", f"e^(2N gamma t)/2 = {closed:.6f}",
                   f"{predicted:.6f}", math.isclose(predicted, closed, rel_tol=EXACT_RTOL),
                   "Aer density matrices of both probes"),
    ]
    return fig, data, rows


def run(out_dir: Path, quick: bool = False, progress: bool = True, cluster: Any = None) -> PaperOutput:
    """All proctor2018 figures and rows (quick: N = 12 bounds, d <= 5, N = 4 gradient with 500 x 400 shots).

    ``cluster``: where the points of the 1/d figure run (one task each); None in-process.
    """
    vectors = [("(1,1,1)/sqrt3", [1.0, 1.0, 1.0]), ("(1,2,3)/sqrt14", [1.0, 2.0, 3.0]),
               ("(-1,1)/sqrt2", [-1.0, 1.0])]
    rows, bounds = _bounds_rows(12, vectors, progress)
    figures, data = [], [write_json(out_dir / "bounds.json", bounds)]
    fig, fdata, row = _ratio_vs_d(list(range(1, 6 if quick else 7)), 2, progress, cluster)
    rows.append(row)
    png, js = write_figure(fig, fdata, out_dir, "ratio_vs_d")
    figures.append(png)
    data.append(js)
    n, reps, shots = (4, 500, 400) if quick else (8, 1000, 1000)
    fig, gdata, grows = _gradient(n, 0.01, reps, shots, seed=2018, progress=progress)
    rows.extend(grows)
    png, js = write_figure(fig, gdata, out_dir, "gradient_mle")
    figures.append(png)
    data.append(js)
    return PaperOutput(tuple(figures), tuple(data), tuple(rows),
                       {"gradient_ratio": gdata["ratio"], "gradient_ratio_stderr": gdata["ratio_stderr"]})


__all__ = ["ghz_like_cost", "separable_cost", "separable_sizes", "sensor_generators", "linear_cost", "ratio_cell",
           "run"]
