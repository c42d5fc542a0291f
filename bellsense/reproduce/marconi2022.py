"""Marconi, Riera-Campeny, Sanpera and Aloy, "Robustness of non-locality in many-body open quantum systems",
arXiv:2202.12079 (2022): the two-body permutationally invariant Bell value ``<B>`` (eqs. 1-3, minimised over
the settings (phi, theta) by ``estimators.pi_bell_minimum``) of the LMG model ``H = (J/N) S_z^2 - h S_x`` in
open dynamics, all on the permutation-invariant engine (states: :mod:`.marconi2022_states`).

* Fig. 1a: steady state of the Davies master equation (coupling ``S_y``, ohmic bath at beta) against h, beta, J;
  checked against the Gibbs state ``models.lmg_gibbs_state``.
* Fig. 1b: steady state of the jump ``cos(zeta) S^_+ + sin(zeta) S^_-`` (energy-basis ladders) against zeta.
* Fig. 2: dynamics from ``|D_N^N> = |1...1>`` under both dissipators: ``<B>_min``, N x concurrence, xi^2.
* Fig. 3: ``H = -omega S_z^2`` from ``(|D_N/2> + |D_N/2+1>)/sqrt2``, without dissipation and with the jump
  ``S_y/sqrt N`` at rate 0.001.
* Fig. 4: repeated measurement of ``S_z`` at rate kappa (eq. 7) with H acting, from the thermal and the
  non-thermal steady states; ``<B>`` against ``p = kappa t`` and the short-time slope of eq. 15.
* From counts: the LMG ground state at N = 6 and 8 on Aer (``circuits.symmetric_state`` and the PI-Bell
  settings at the optimal angles), against the exact ``<B>``.

Bath strength and jump rate are not given in the paper: ``ALPHA``, ``CUTOFF``, ``ZETA_RATE`` are ours; they
set time scales (Fig. 2), not steady states.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from bellsense import circuits, models
from bellsense.backends import aer
from bellsense.estimators import pi_bell_from_counts, pi_bell_minimum, pi_bell_value
from bellsense.noise.davies import zeta_jump

from . import marconi2022_states as ms
from .result import PaperOutput, SummaryRow, fmt, write_figure, write_json

#: Agreement of an engine steady state with an independent state (LU solve of a <= 961-dim generator).
STATE_ATOL = 1e-8
#: Measured <B> against the exact value, in standard errors.
SIGMAS = 4.0
#: Step of the finite-difference slope of Fig. 4, and its agreement with eq. 15 (the O(p) curvature of a
#: minimum over the angles, and the Hamiltonian acting for t = p/kappa, enter at this order).
P_SLOPE, SLOPE_RTOL = 1e-4, 1e-2


def _fig1(n: int, hs: np.ndarray, betas: np.ndarray, couplings: np.ndarray, beta_ref: float, zetas: np.ndarray,
          progress: bool) -> tuple[Figure, dict, list[SummaryRow]]:
    b_hb = np.zeros((len(betas), len(hs)))
    b_hj = np.zeros((len(couplings), len(hs)))
    dev = 0.0
    cases = [(i, k, 1.0, b) for i, b in enumerate(betas) for k in range(len(hs))]
    cases += [(-1 - i, k, c, beta_ref) for i, c in enumerate(couplings) for k in range(len(hs))]
    for i, k, c, beta in tqdm(cases, desc="marconi2022 Fig. 1a (Davies steady states)", disable=not progress):
        rho = ms.thermal_steady(n, c, float(hs[k]), float(beta))
        dev = max(dev, float(np.max(np.abs(rho - models.lmg_gibbs_state(n, c, float(hs[k]), float(beta))))))
        value = pi_bell_minimum(rho, basis="dicke").value
        if i >= 0:
            b_hb[i, k] = value
        else:
            b_hj[-1 - i, k] = value
    field_b = [0.05, 0.2]
    b_zeta = np.array([[pi_bell_minimum(ms.zeta_steady(n, 1.0, h, float(z)), basis="dicke").value for z in zetas]
                       for h in tqdm(field_b, desc="marconi2022 Fig. 1b (zeta)", disable=not progress)])
    ground = models.lmg_ground_state(n, 1.0, 0.05)
    cold = ms.zeta_steady(n, 1.0, 0.05, 0.0)
    fidelity = float(np.real(ground.conj() @ cold @ ground))
    at_h0 = pi_bell_minimum(models.lmg_gibbs_state(n, 1.0, 0.0, beta_ref), basis="dicke").value
    fig = Figure(figsize=(12, 3.8))
    axes = fig.subplots(1, 3)
    panels = ((axes[0], b_hb, "β (J = 1)", betas), (axes[1], b_hj, f"J (β = {beta_ref:g})", couplings))
    for ax, grid, ylab, yv in panels:
        lim = max(float(-np.min(grid)), 0.1)  # the violation's scale; larger positive values saturate
        im = ax.pcolormesh(hs, yv, grid, cmap="RdBu", vmin=-lim, vmax=lim, shading="nearest")
        ax.contour(hs, yv, grid, levels=[0.0], colors="k", linewidths=1)
        ax.set_xlabel("h")
        ax.set_ylabel(ylab)
        if ax is axes[0]:
            ax.set_yscale("log")
        fig.colorbar(im, ax=ax, label="min ⟨B⟩ (< 0: Bell violation)")
    axes[0].set_title(f"1a: thermal (Davies) steady state, N = {n}", fontsize=9)
    for h, row in zip(field_b, b_zeta):
        axes[2].plot(zetas, row, "o-", ms=3, label=f"h = {h}")
    axes[2].axhline(0, color="k", lw=0.8)
    axes[2].set_xlabel("ζ")
    axes[2].set_ylabel("min ⟨B⟩")
    axes[2].set_title(f"1b: jump cos ζ Ŝ+ + sin ζ Ŝ−, J = 1, N = {n}", fontsize=9)
    axes[2].legend(fontsize=7)
    fig.tight_layout()
    data = {"n": n, "h": hs, "beta": betas, "J": couplings, "beta_ref": beta_ref, "bell_min_h_beta": b_hb,
            "bell_min_h_J": b_hj, "max_dev_from_gibbs": dev, "zeta": zetas, "zeta_fields": field_b,
            "bell_min_zeta": b_zeta, "zeta0_ground_fidelity": fidelity, "bell_min_h0_gibbs": at_h0}
    rows = [
        SummaryRow("Fig. 1a: the thermal master equation's steady state is the Gibbs state", "Gibbs state",
                   f"max |ρ_ss − ρ_Gibbs| = {dev:.1e}", dev < STATE_ATOL,
                   f"Davies jumps (ohmic, α = {ms.ALPHA}, ω_c = {ms.CUTOFF}) on the PI engine, {b_hb.size + b_hj.size}"
                   " steady states"),
        SummaryRow("Fig. 1a: a significant region with Tr[B ρ_2] < 0 (thermal)", "violation", f"min ⟨B⟩ = "
                   f"{min(b_hb.min(), b_hj.min()):.3g}", bool(min(b_hb.min(), b_hj.min()) < 0), f"N = {n}"),
        SummaryRow("Fig. 1a: high temperature (low β) hinders non-locality", "no violation at low β",
                   f"min ⟨B⟩ at β = {betas[0]:g}: {b_hb[0].min():.3g}", bool(b_hb[0].min() >= 0), ""),
        SummaryRow("Fig. 1a: h = 0 steady states are separable (no violation)", "⟨B⟩ ≥ 0", f"{at_h0:.3g}",
                   bool(at_h0 >= 0), f"Gibbs state at h = 0, β = {beta_ref:g} (degenerate: Davies not unique)"),
        SummaryRow("Fig. 1b: ζ = 0 gives J(0) = Ŝ+, steady state the ground state", "ground state",
                   f"fidelity {fidelity:.12f}", abs(fidelity - 1) < STATE_ATOL, "h = 0.05"),
        SummaryRow("Fig. 1b: non-locality detected over a range of ζ, robust around ζ = 0", "violation near ζ = 0",
                   f"⟨B⟩ < 0 for ζ ≤ {float(zetas[b_zeta[0] < 0].max()) if np.any(b_zeta[0] < 0) else float('nan'):.3g}"
                   " (h = 0.05)", bool(b_zeta[0][0] < 0), f"N = {n}")]
    return fig, data, rows


def _fig2(n: int, field: float, beta: float, zeta: float, times: np.ndarray, progress: bool
          ) -> tuple[Figure, dict, list[SummaryRow]]:
    rho0 = np.zeros((n + 1, n + 1))
    rho0[n, n] = 1.0  # |D_N^N> = |1...1>
    ham = ms.lmg(n, 1.0, field)
    cases = {"thermal": (ms.thermal_jumps(n, 1.0, field, beta), ms.thermal_steady(n, 1.0, field, beta)),
             "non-thermal": ([(ms.ZETA_RATE, zeta_jump(ham, zeta))], ms.zeta_steady(n, 1.0, field, zeta))}
    data: dict = {"n": n, "J": 1.0, "h": field, "beta": beta, "zeta": zeta, "t": times}
    fig = Figure(figsize=(11, 3.8))
    axes = fig.subplots(1, 2)
    rows = []
    for ax, (name, (jumps, steady)) in zip(axes, tqdm(cases.items(), desc="marconi2022 Fig. 2", disable=not progress)):
        s = ms.series(ms.trajectory(rho0, times, ham, jumps))
        s_inf = ms.witnesses(steady)
        data[name] = {**s, "steady": s_inf, "onset_nl": ms.onset(times, s["bell_min"]),
                      "onset_concurrence": float(times[np.argmax(s["concurrence"] > 1e-9)])}
        ax.plot(times, s["bell_min"], "o", ms=3, color="C0", label="min ⟨B⟩")
        ax.plot(times, n * s["concurrence"], "s", ms=3, color="C2", label="N × concurrence")
        ax.plot(times, np.minimum(s["xi2"], 1.0), "^", ms=3, color="C1", label="ξ² (1 if ≥ 1)")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel("t")
        ax.set_title(f"2{'a' if name == 'thermal' else 'b'}: {name}, N = {n}, h = {field}", fontsize=9)
        ax.set_ylim(-abs(s["bell_min"].min()) * 1.3 - 0.1, max(3.0, n * s["concurrence"].max() * 1.1))
        ax.legend(fontsize=7)
        gap = abs(float(s["bell_min"][-1]) - s_inf["bell_min"])
        rows.append(SummaryRow(f"Fig. 2{'a' if name == 'thermal' else 'b'}: ⟨B⟩_min(t) from |D_N^N> tends to the "
                               f"steady state of Fig. 1 ({name})", fmt(s_inf["bell_min"]),
                               fmt(float(s["bell_min"][-1])), gap < 1e-6,
                               f"at t = {times[-1]:g}; |difference| {gap:.1e}"))
    th, nt = data["thermal"]["onset_nl"], data["non-thermal"]["onset_nl"]
    rows.append(SummaryRow("Fig. 2: non-locality arises dynamically from the local |D_N^N> under both dissipators",
                           "finite onset times", f"t_NL = {th:.3g} (thermal), {nt:.3g} (non-thermal)",
                           bool(0 < th < times[-1] and 0 < nt < times[-1]),
                           "the paper also finds the thermal onset later; that order depends on the bath strength "
                           f"and jump rate, which it does not give (ours: α = {ms.ALPHA}, γ_ζ = {ms.ZETA_RATE}), so it "
                           "is not tested"))
    fig.tight_layout()
    return fig, data, rows


def _runs(mask: np.ndarray) -> int:
    """Number of maximal runs of True."""
    return int(mask[0]) + int(np.sum(mask[1:] & ~mask[:-1]))


def _fig3(n: int, times: np.ndarray, progress: bool) -> tuple[Figure, dict, list[SummaryRow]]:
    omega = 1.0
    psi = np.zeros(n + 1)
    psi[n // 2] = psi[n // 2 + 1] = 1 / math.sqrt(2)

    def ham(jx, jy, jz):
        return -omega * (jz @ jz)

    def jump(jx, jy, jz):
        return jy / math.sqrt(n)

    data: dict = {"n": n, "omega": omega, "gamma": 1e-3, "t": times}
    fig = Figure(figsize=(11, 3.6))
    axes = fig.subplots(1, 2)
    for ax, (name, jumps) in zip(axes, tqdm([("no dissipation", []), ("S_y/sqrt(N), gamma = 0.001",
                                                                     [(1e-3, jump)])], desc="marconi2022 Fig. 3",
                                            disable=not progress)):
        s = ms.series(ms.trajectory(np.outer(psi, psi), times, ham, jumps))
        data[name] = s
        ax.plot(times, s["bell_min"], "-", color="C0", lw=1)
        ax.fill_between(times, s["bell_min"], 0, where=s["bell_min"] < 0, color="lightblue")
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel("t")
        ax.set_ylabel("min ⟨B⟩")
        ax.set_title(f"3: H = −ω S_z², N = {n}, {name}", fontsize=9)
    fig.tight_layout()
    free, damped = data["no dissipation"], data["S_y/sqrt(N), gamma = 0.001"]
    # e^{-i omega t S_z^2} on |D_N/2>, |D_N/2+1> is a rotation by omega t about z; <B>_min repeats after pi/omega
    # (a rotation by pi maps X to -X, i.e. (phi, theta) to (-phi, -theta))
    period = math.pi / omega
    k = int(round(period / (times[1] - times[0])))
    per_dev = float(np.max(np.abs(free["bell_min"][k:] - free["bell_min"][:-k]))) if k < times.size else float("nan")
    windows = _runs(free["bell_min"] < 0)
    windows_d = _runs(damped["bell_min"] < 0)
    ent = bool(np.all((damped["xi2"] < 1) | (damped["concurrence"] > 0)))
    rows = [SummaryRow("Fig. 3a: without dissipation non-locality arises periodically", "periodic windows",
                       f"{windows} windows with ⟨B⟩ < 0; period π/ω to {per_dev:.1e}", windows >= 2 and per_dev < 1e-6,
                       "the grid step divides π/ω"),
            SummaryRow("Fig. 3b: with S_y/√N at γ = 0.001 the windows survive", "windows survive",
                       f"{windows_d} windows, min ⟨B⟩ = {damped['bell_min'].min():.3g}", windows_d >= 2, ""),
            SummaryRow("Fig. 3: entanglement (ξ² < 1 or C > 0) at all times", "at all times", "yes" if ent else "no",
                       ent, "with dissipation")]
    return fig, data, rows


def _fig4(n: int, field: float, beta: float, zeta: float, ps: np.ndarray, progress: bool
          ) -> tuple[Figure, dict, list[SummaryRow]]:
    ham = ms.lmg(n, 1.0, field)
    starts = {"thermal": ms.thermal_steady(n, 1.0, field, beta), "non-thermal": ms.zeta_steady(n, 1.0, field, zeta)}
    kappas = (1.0, 0.1, 0.01)
    data: dict = {"n": n, "h": field, "beta": beta, "zeta": zeta, "p": ps, "kappa": kappas}
    fig = Figure(figsize=(11, 3.6))
    axes = fig.subplots(1, 2)
    rows = []
    for ax, (name, rho0) in zip(axes, tqdm(starts.items(), desc="marconi2022 Fig. 4", disable=not progress)):
        best0 = pi_bell_minimum(rho0, basis="dicke")
        pinched = np.diag(np.diag(rho0))  # the dephased state of eq. 15 (S_z eigenspaces: the Dicke states)
        slope15 = pi_bell_value(pinched, best0.phi, best0.theta, "dicke") - best0.value
        entry: dict = {"bell_min_0": best0.value, "slope_eq15": slope15}
        slopes = []
        for i, kappa in enumerate(kappas):
            traj = ms.trajectory(rho0, np.concatenate([ps, [P_SLOPE]]) / kappa, ham, measurement=(kappa, ms.s_z))
            vals = np.array([pi_bell_minimum(r, basis="dicke").value for r in traj])
            entry[f"kappa_{kappa:g}"] = vals[:-1]
            slopes.append(float((vals[-1] - vals[0]) / P_SLOPE))
            ax.plot(ps, vals[:-1], "os^"[i] + "-", ms=3, lw=0.8, label=f"κ = {kappa:g}")
        entry["slopes"] = slopes
        data[name] = entry
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel("p = κt")
        ax.set_ylabel("min ⟨B⟩")
        ax.set_title(f"4: repeated S_z measurement, {name} start, N = {n}, h = {field}", fontsize=9)
        ax.legend(fontsize=7)
        spread = max(abs(s / slope15 - 1) for s in slopes)
        rows.append(SummaryRow(f"Fig. 4 ({name}): the slope d⟨B⟩/dp is the same for every κ, eq. 15",
                               f"slope {fmt(slope15)} (eq. 15)", ", ".join(fmt(s) for s in slopes),
                               spread < SLOPE_RTOL, f"finite difference at p = {P_SLOPE:g}; max rel. deviation "
                               f"{spread:.2g}; H acts during the dynamics (engine's measurement=)"))
    fig.tight_layout()
    return fig, data, rows


def _counts(ns: tuple[int, ...], shots: int, seed: int) -> tuple[dict, list[SummaryRow]]:
    out: dict = {}
    rows = []
    for n in ns:
        amps = models.lmg_ground_state(n, 1.0, 0.05)
        exact = pi_bell_minimum(amps, basis="dicke")
        prep = circuits.symmetric_state(amps)
        settings = circuits.pi_bell_settings(n, exact.phi, exact.theta)
        results = []
        for i, setting in enumerate(settings):
            circ = circuits.assemble(prep, setting)
            counts = aer.sample_counts(circ, shots, seed=seed + i)
            results.append((circ.metadata, counts))
        got = pi_bell_from_counts(results)
        z = abs(got.bell.value - exact.value) / got.bell.stderr
        out[str(n)] = {"exact": exact.value, "phi": exact.phi, "theta": exact.theta, "measured": got.bell.value,
                       "stderr": got.bell.stderr, "z": z, "shots_per_setting": shots}
        rows.append(SummaryRow(f"LMG ground state (J = 1, h = 0.05), N = {n}: ⟨B⟩ from Aer counts", fmt(exact.value),
                               f"{got.bell.value:.3f} ± {got.bell.stderr:.3f}", z < SIGMAS,
                               f"{shots} shots × 3 settings, seed {seed}; {z:.2f} σ from exact"))
    return out, rows


def _fig2_times(end: float, quick: bool) -> np.ndarray:
    """Fine steps over the fast early dynamics (t <= 20), coarse ones to the steady state."""
    return np.concatenate([np.linspace(0, 20, 41 if quick else 81), np.linspace(20, end, 15 if quick else 39)[1:]])


def run(out_dir: Path, quick: bool = False, progress: bool = True) -> PaperOutput:
    """Figs. 1-4 and the counts check (quick: N = 10 (Fig. 3: 20), zeta = 0.2 in Fig. 2 (N = 10 has no
    violation at the paper's 0.35) and coarse grids; full: N = 20, and 30 for Fig. 4, as in the paper)."""
    n = 10 if quick else 20
    hs = np.array([0.02, 0.05, 0.1, 0.2, 0.35, 0.5]) if quick else np.linspace(0.02, 0.5, 9)
    betas = np.array([1.0, 3.0, 10.0, 30.0, 100.0]) if quick else np.geomspace(1.0, 100.0, 7)
    couplings = np.array([0.5, 1.0, 2.0]) if quick else np.array([0.5, 1.0, 2.0, 4.0])
    beta_ref = 30.0 if quick else 10.0  # the paper's beta = 10 at N = 20; the gap is smaller at N = 10
    zetas = np.linspace(0, np.pi / 2, 7 if quick else 25)
    figures, data, rows = [], [], []
    parts = [("fig1_steady_states", _fig1(n, hs, betas, couplings, beta_ref, zetas, progress)),
             ("fig2_dynamics", _fig2(n, 0.05, beta_ref, 0.2 if quick else 0.35,
                                     _fig2_times(300.0 if quick else 400.0, quick), progress)),
             ("fig3_sz2_oscillations", _fig3(20, np.linspace(0, 4 * math.pi, 49 if quick else 161), progress)),
             ("fig4_repeated_measurement", _fig4(n if quick else 30, 0.02, 30.0, 0.01,
                                                 np.linspace(0, 0.3, 7 if quick else 31), progress))]
    for stem, (fig, payload, prow) in parts:
        png, js = write_figure(fig, payload, out_dir, stem)
        figures.append(png)
        data.append(js)
        rows.extend(prow)
    counts, crows = _counts((6, 8), 20000, seed=2022)
    rows.extend(crows)
    data.append(write_json(out_dir / "counts.json", counts))
    return PaperOutput(tuple(figures), tuple(data), tuple(rows), {"counts": counts})


__all__ = ["run", "STATE_ATOL"]
