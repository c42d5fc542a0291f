"""Takahashi, Ho and Matsueda, "Trade-off relation between integrated metrological gain and local
dissipation in magnetic-field sensing by quantum spin ensemble", arXiv:2512.21661 (2025).

``G(t) = Q(t)/t^2`` is the QFI with respect to the accumulated phase ``phi t`` (generator ``J_z``) of
a GHZ or ``|+>^N`` probe after a window t of local dephasing (``L = sigma_z``) or emission (the
paper's ``L = sigma_- = |1><0|``, direction "up"; the relabelling by X leaves G unchanged), and the
integrated metrological gain (IMG) is ``int_0^inf G dt``. G depends on gamma and t only through
``gamma t``, so the IMG is ``(1/gamma) int_0^inf G d(gamma t)``.

Sources of our numbers: Aer density matrices (N = 2..8) for the G(t) points, the closed-form channel
applied to the exact state (``noise.apply_local``, checked against Aer in the tests) for the
integrals and crossover times, the exact 2x2 GHZ block for N = 16, and the permutation-invariant
engine for large N (:func:`large_n_gain` and ``noise.integrated_gain``, checked against the closed forms
of docs/PHYSICS.md; ``--quick`` keeps the closed form for GHZ at N = 1000, ~2 minutes per noise on the engine).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from scipy import integrate, optimize
from tqdm.auto import tqdm

from bellsense import circuits, noise, spin, states
from bellsense.backends import aer
from bellsense.estimators import qfi
from bellsense.pistate import PIState

from .grid import map_cells
from .result import PaperOutput, SummaryRow, fmt, write_figure

#: The paper's rate for the N = 16 example (IMG 221.807 = 22.1807/gamma).
GAMMA = 0.1
#: Relative agreement of exact computations with closed forms (quad at epsrel 1e-10; Aer to ~1e-12).
EXACT_RTOL = 1e-7
KINDS = ("dephasing", "emission")
PROBES = ("ghz", "product")
_TITLES = {"dephasing": "local dephasing (L = σ_z)", "emission": "local emission (L = σ_- = |1⟩⟨0|)"}


def closed_gain(probe: str, kind: str, n: int, gamma_t: np.ndarray | float) -> np.ndarray:
    """G(t) of docs/PHYSICS.md (the paper's eqs. 11, 24, 49, 58) as a function of ``gamma t``."""
    gt = np.asarray(gamma_t, dtype=float)
    if kind == "dephasing":
        return n**2 * np.exp(-4 * n * gt) if probe == "ghz" else n * np.exp(-4 * gt)
    if probe == "product":
        return n * np.exp(-gt)
    x = np.exp(-gt)
    return 2.0 * n**2 * x**n / (1 + (1 - x) ** n + x**n)


def _rates(kind: str, gamma: float) -> tuple[float, float]:
    """``(dephasing, emission)`` rates of ``noise.evolve`` for one kind of local noise."""
    return (gamma, 0.0) if kind == "dephasing" else (0.0, gamma)


def pi_probe(probe: str, n: int) -> PIState:
    """GHZ (Dicke amplitudes ``a_0 = a_N``) or ``|+>^N`` (product fast path) as a ``PIState``."""
    if probe == "ghz":
        amps = np.zeros(n + 1)
        amps[0] = amps[-1] = 1.0
        return PIState.from_dicke(amps)
    return PIState.product(n, np.array([1.0, 1.0]) / math.sqrt(2))


def large_n_gain(probe: str, kind: str, n: int, gamma_t: np.ndarray) -> np.ndarray:
    """G(t) for large N from the permutation-invariant engine (``noise.metrological_gain`` at gamma = 1:
    G depends on gamma t only). The engine's emission relaxes ``|1> -> |0>``; the paper's direction is the
    relabelling by X, which leaves G unchanged. Independent check: :func:`closed_gain`."""
    dephasing, emission = _rates(kind, 1.0)
    return noise.metrological_gain(pi_probe(probe, n), np.asarray(gamma_t, dtype=float), dephasing=dephasing,
                                   emission=emission)


def closed_img(probe: str, kind: str, n: int, gamma: float) -> float:
    """IMG closed forms: ``N/(4 gamma)`` (dephasing, both probes), ``N/gamma`` (product, emission) and
    ``(2N^2/gamma) int_0^1 x^{N-1}/(1 + (1-x)^N + x^N) dx`` (GHZ, emission; the paper's eq. 50)."""
    if kind == "dephasing":
        return n / (4 * gamma)
    if probe == "product":
        return n / gamma
    val, _ = integrate.quad(lambda x: x ** (n - 1) / (1 + (1 - x) ** n + x**n), 0, 1, epsabs=0, epsrel=1e-12)
    return 2 * n**2 / gamma * val


def _exact_state(probe: str, n: int) -> np.ndarray:
    return states.ghz(n) if probe == "ghz" else states.product(n)


def _channel(kind: str, gamma_t: float) -> np.ndarray:
    chan = noise.dephasing(1.0, gamma_t) if kind == "dephasing" else noise.emission(1.0, gamma_t, "up")
    return noise.kraus_operators(chan)


def dense_gain(probe: str, kind: str, n: int, gamma_t: float) -> float:
    """G at ``gamma t`` from the exact state under the local channel (``noise.apply_local``) and ``qfi``."""
    rho = noise.apply_local(_exact_state(probe, n), [_channel(kind, gamma_t)] * n)
    return qfi(rho, spin.jz(n))


def ghz_emission_block_gain(n: int, gamma_t: float) -> float:
    """G of GHZ under emission from the exact 2x2 block on ``{|0..0>, |1..1>}`` (any N, no 2^N matrix).

    With ``p = 1 - e^{-gamma t}`` (direction "up"): ``rho_{0..0} = (1-p)^N/2``, ``rho_{1..1} = (1 + p^N)/2``
    and the coherence ``(1-p)^{N/2}/2``; every other population is diagonal and commutes with ``J_z``,
    so ``F = Tr(B) F(B/Tr B, diag(N/2, -N/2))``.
    """
    q = math.exp(-gamma_t)  # 1 - p
    block = 0.5 * np.array([[q**n, q ** (n / 2)], [q ** (n / 2), 1 + (1 - q) ** n]])
    tr = float(np.trace(block))
    return tr * qfi(block / tr, np.diag([n / 2, -n / 2]))


def integrate_gain(gain: Callable[[float], float], gamma: float) -> float:
    """``(1/gamma) int_0^inf G d(gamma t)`` by adaptive quadrature (epsrel 1e-10)."""
    val, _ = integrate.quad(gain, 0, np.inf, epsabs=0, epsrel=1e-10, limit=400)
    return val / gamma


def aer_gain_cell(cell: dict, seed: int) -> dict[str, list[float]]:
    """One grid cell of :func:`aer_gains` (a task): G at one gamma t for both probes and every n.

    ``cell``: ``ns``, ``gt`` (gamma t), ``kind``, ``gamma``; ``seed`` unused (exact density matrices).
    """
    ns, gamma, kind = [int(n) for n in cell["ns"]], float(cell["gamma"]), str(cell["kind"])
    spec = noise.NoiseSpec(dephasing=gamma) if kind == "dephasing" else noise.NoiseSpec(emission=gamma,
                                                                                        emission_direction="up")
    t = float(cell["gt"]) / gamma
    model = noise.window_noise_model(spec, max(ns), t)
    keys = [(p, n) for p in PROBES for n in ns]
    circs = [circuits.assemble(circuits.ghz(n) if p == "ghz" else circuits.product(n),
                               circuits.sensing_window(n, t, 0.7)) for p, n in keys]
    out: dict[str, list[float]] = {p: [] for p in PROBES}
    for (p, n), rho in zip(keys, aer.density_matrices(circs, model)):
        out[p].append(float(qfi(rho, spin.jz(n))))
    return out


def aer_gains(ns: Sequence[int], gts: Sequence[float] | np.ndarray, kind: str, gamma: float,
              cluster: Any = None) -> dict[str, np.ndarray]:
    """G(gamma t) of both probes from Aer density matrices: one task (one Aer call) per gamma t, in-process or
    on ``cluster`` (:func:`bellsense.reproduce.grid.map_cells`); arrays (len(ns), len(gts))."""
    cells = [{"ns": [int(n) for n in ns], "gt": float(gt), "kind": kind, "gamma": float(gamma)} for gt in gts]
    values = map_cells(f"takahashi2025/aer_gains/{kind}", cells, aer_gain_cell, cluster=cluster)
    return {p: np.array([v[p] for v in values], dtype=float).T.reshape(len(ns), len(cells)) for p in PROBES}


def _gain_figure(kind: str, ns: Sequence[int], gts: np.ndarray, measured: dict, big: Sequence[int],
                 large: dict[str, np.ndarray], large_gts: np.ndarray) -> Figure:
    fig = Figure(figsize=(6.4, 4.2))
    ax = fig.add_subplot()
    fine = np.linspace(0, float(gts.max()), 300)
    colors = {n: f"C{i}" for i, n in enumerate(list(ns) + list(big))}
    for n in list(ns) + list(big):
        for probe, style in (("ghz", "-"), ("product", "--")):
            x, g = (large_gts, large[f"{probe}_{n}"]) if n in big else (fine, closed_gain(probe, kind, n, fine))
            ax.plot(x, g / n, style, color=colors[n], lw=1, label=f"N = {n}" if probe == "ghz" else None)
    for i, n in enumerate(ns):
        ax.plot(gts, measured["ghz"][i] / n, "o", color=colors[n], ms=4)
        ax.plot(gts, measured["product"][i] / n, "s", color=colors[n], ms=4, mfc="none")
    ax.set_yscale("log")
    top = max([*ns, *big])
    ax.set_ylim(1e-4, 1.5 * top if kind == "dephasing" else 2.5 * top)
    ax.set_xlabel("γt")
    ax.set_ylabel("G(t) / N")
    ax.set_title(f"{_TITLES[kind]}: GHZ (solid, ●) and |+⟩^N (dashed, □); points: Aer")
    ax.legend(fontsize=7, ncol=2)
    return fig


def _gain_rows(kind: str, ns: Sequence[int], gts: np.ndarray, measured: dict) -> list[SummaryRow]:
    rows = []
    for probe in PROBES:
        ref = np.array([closed_gain(probe, kind, n, gts) for n in ns])
        dev = float(np.max(np.abs(measured[probe] / ref - 1)))
        rows.append(SummaryRow(f"G(t), {probe}, {kind}, N = {min(ns)}…{max(ns)}", "closed form (PHYSICS.md)",
                               f"max rel. dev. {dev:.1e}", dev < EXACT_RTOL, f"Aer density matrices at γt = "
                               f"{', '.join(fmt(g, 3) for g in gts)}"))
    return rows


def _gain_of(probe: str, kind: str, n: int) -> Callable[[float], float]:
    def gain(gamma_t: float) -> float:
        return dense_gain(probe, kind, n, gamma_t)

    return gain


def _img_part(ns: Sequence[int], gamma: float, progress: bool) -> tuple[Figure, dict, list[SummaryRow]]:
    table: dict[str, dict[str, list[float]]] = {}
    rows = []
    cases = [(p, k) for k in KINDS for p in PROBES]
    for probe, kind in tqdm(cases, desc="takahashi2025 IMG", disable=not progress):
        ours = [integrate_gain(_gain_of(probe, kind, n), gamma) for n in ns]
        ref = [closed_img(probe, kind, n, gamma) for n in ns]
        table[f"{probe}_{kind}"] = {"n": list(ns), "ours": ours, "closed_form": ref}
        dev = max(abs(o / r - 1) for o, r in zip(ours, ref))
        rows.append(SummaryRow(f"IMG, {probe}, {kind}, N = {min(ns)}…{max(ns)}, γ = {gamma}",
                               ", ".join(fmt(r, 6) for r in ref), ", ".join(fmt(o, 6) for o in ours),
                               dev < EXACT_RTOL, f"quad of the exact G(t); max rel. dev. {dev:.1e}"))
    # N = 16, GHZ under emission: the paper's eq. 53 (2N ln2/gamma) against its eq. 54 (N/gamma)
    n16 = 16
    img16 = integrate_gain(lambda g: ghz_emission_block_gain(n16, g), gamma)
    eq53, eq54, prod16 = 2 * n16 * math.log(2) / gamma, n16 / gamma, n16 / gamma
    rows.append(SummaryRow(f"IMG, GHZ, emission, N = 16, γ = {gamma}: ≈ 2N ln2/γ (eq. 53)", f"{eq53:.3f}",
                           f"{img16:.3f}", abs(img16 / 221.807 - 1) < 5e-6 and img16 <= eq53,
                           "quad of the exact 2x2-block G(t); the bound of eq. 52 holds; independent value 221.807"))
    rows.append(SummaryRow(
        "IMG, GHZ, emission ≈ N/γ, 'independent of the initial state' (eq. 54)", f"{eq54:.3f}", f"{img16:.3f}",
        False, f"the paper contradicts itself: its eq. 53 (and our integral) give 2N ln2/γ, so GHZ beats the "
        f"product state (N/γ = {prod16:.1f}) by 2 ln 2 = {img16 / prod16:.4f}", flagged=True))
    fig = Figure(figsize=(6, 4))
    ax = fig.add_subplot()
    for key, marker in (("ghz_dephasing", "o"), ("product_dephasing", "s"), ("ghz_emission", "^"),
                        ("product_emission", "D")):
        e = table[key]
        ax.plot(e["n"], np.asarray(e["ours"]) * gamma / np.asarray(e["n"]), marker, label=key.replace("_", ", "))
    nn = np.arange(2, 33)
    ax.plot(nn, [closed_img("ghz", "emission", int(n), gamma) * gamma / n for n in nn], "-", color="C2", lw=1,
            label="GHZ, emission: eq. 50")
    ax.axhline(2 * math.log(2), color="C2", ls=":", label="2 ln 2 (eq. 53)")
    ax.axhline(1.0, color="C3", ls="--", lw=1, label="1 (eq. 54; product under emission)")
    ax.axhline(0.25, color="C0", ls="--", lw=1, label="1/4 (dephasing, both)")
    ax.plot([n16], [img16 * gamma / n16], "*", color="k", ms=10, label="GHZ, emission, N = 16")
    ax.set_xlabel("N")
    ax.set_ylabel("γ · IMG / N")
    ax.set_title("integrated metrological gain")
    ax.legend(fontsize=7)
    data = {"gamma": gamma, "table": table, "ghz_emission_n16": {"img": img16, "eq53": eq53, "eq54": eq54}}
    return fig, data, rows


def _crossover_rows(ns: Sequence[int], gamma: float) -> tuple[dict, list[SummaryRow]]:
    out: dict[str, list[float]] = {"n": list(ns), "dephasing": [], "dephasing_closed": [], "emission": [],
                                   "emission_paper_estimate": []}
    for n in ns:
        ref = math.log(n) / (4 * (n - 1))  # gamma t*
        root = optimize.brentq(lambda g, n=n: dense_gain("ghz", "dephasing", n, g) - dense_gain("product", "dephasing",
                               n, g), 0.2 * ref, 5 * ref, xtol=1e-15, rtol=1e-13)
        out["dephasing"].append(root / gamma)
        out["dephasing_closed"].append(ref / gamma)
        est = math.log(n) / (n - 1)
        root_e = optimize.brentq(lambda g, n=n: dense_gain("ghz", "emission", n, g) - dense_gain("product", "emission",
                                 n, g), 1e-3 * est, 10 * est, xtol=1e-15, rtol=1e-13)
        out["emission"].append(root_e / gamma)
        out["emission_paper_estimate"].append(est / gamma)
    dev = max(abs(a / b - 1) for a, b in zip(out["dephasing"], out["dephasing_closed"]))
    rows = [SummaryRow(f"crossover t*, dephasing, N = {min(ns)}…{max(ns)}: ln N/(4(N-1)γ) (eq. 28)",
                       ", ".join(fmt(v, 5) for v in out["dephasing_closed"]),
                       ", ".join(fmt(v, 5) for v in out["dephasing"]), dev < EXACT_RTOL,
                       "brentq on G_GHZ - G_product (exact states)"),
            SummaryRow(f"crossover t*, emission, N = {min(ns)}…{max(ns)}: γt ≈ ln N/(N-1) (below eq. 59)",
                       ", ".join(fmt(v, 4) for v in out["emission_paper_estimate"]),
                       ", ".join(fmt(v, 4) for v in out["emission"]),
                       all(0.5 < a / b < 2 for a, b in zip(out["emission"], out["emission_paper_estimate"])),
                       "the paper's is an estimate from G_ent ≈ N^2 e^{-Nγt}; agreement: within a factor 2")]
    return out, rows


def _single_qubit_rows(gts: np.ndarray, gamma: float) -> tuple[dict, list[SummaryRow]]:
    """The imbalanced single qubit (eq. 33) and per-qubit rates (eqs. 22, 26), on Aer."""
    deltas = (-0.6, 0.0, 0.3, 0.9)
    spec = noise.NoiseSpec(dephasing=gamma)
    g_delta = np.zeros((len(deltas), len(gts)))
    for j, gt in enumerate(gts):
        t = gt / gamma
        circs = [circuits.assemble(circuits.product(1, theta=float(np.arccos(d))), circuits.sensing_window(1, t, 0.7))
                 for d in deltas]
        for i, rho in enumerate(aer.density_matrices(circs, noise.window_noise_model(spec, 1, t))):
            g_delta[i, j] = qfi(rho, spin.jz(1))
    ref = np.array([(1 - d**2) * np.exp(-4 * gts) for d in deltas])
    dev_d = float(np.max(np.abs(g_delta - ref) / np.maximum(ref, 1e-300)))
    rates = np.array([0.1, 0.3, 0.7, 1.2]) * gamma / 0.1
    n = rates.size
    spec_r = noise.NoiseSpec(dephasing=rates.tolist())
    g_rates = []
    times = gts / gamma
    for t in times:
        circ = circuits.assemble(circuits.product(n), circuits.sensing_window(n, float(t), 0.7))
        g_rates.append(qfi(aer.density_matrix(circ, noise.window_noise_model(spec_r, n, float(t))), spin.jz(n)))
    ref_r = np.array([np.sum(np.exp(-4 * rates * t)) for t in times])
    dev_r = float(np.max(np.abs(np.asarray(g_rates) / ref_r - 1)))
    late = float(times[-1])
    slowest = float(np.exp(-4 * rates.min() * late))
    rows = [SummaryRow(f"single qubit, |a|^2 = (1+δ)/2: G = (1-δ^2) e^(-4γt) (eq. 33), δ = {deltas}",
                       "closed form", f"max rel. dev. {dev_d:.1e}", dev_d < EXACT_RTOL, "Aer density matrices"),
            SummaryRow(f"per-qubit rates γ_a = {', '.join(fmt(r, 3) for r in rates)}: Q = t^2 Σ e^(-4γ_a t) (eq. 22)",
                       "closed form", f"max rel. dev. {dev_r:.1e}", dev_r < EXACT_RTOL,
                       f"|+>^4 on Aer; at t = {late:.3g} the slowest qubit gives {slowest / g_rates[-1]:.3f}"
                       " of G (eq. 26: Q ~ t^2 e^(-4γ_0 t))")]
    data = {"deltas": list(deltas), "gamma_t": gts, "g_delta": g_delta, "g_delta_closed": ref, "rates": rates,
            "t": times, "g_rates": g_rates, "g_rates_closed": ref_r}
    return data, rows


def _large_n(kind: str, big: Sequence[int], gts: np.ndarray, quick: bool) -> tuple[dict, SummaryRow]:
    """Large-N G(gamma t) from the engine (closed form for GHZ above N = 100 in quick runs), and its check row."""
    out: dict = {"gamma_t": gts, "source": {}}
    devs = []
    for p in PROBES:
        for n in big:
            engine = not (quick and p == "ghz" and n > 100)
            out[f"{p}_{n}"] = large_n_gain(p, kind, n, gts) if engine else closed_gain(p, kind, n, gts)
            out["source"][f"{p}_{n}"] = "PI engine" if engine else "closed form (quick)"
            if engine:
                ref = closed_gain(p, kind, n, gts)
                devs.append(float(np.max(np.abs(out[f"{p}_{n}"] - ref)) / np.max(ref)))
    cases = ", ".join(f"{k} ({v})" for k, v in out["source"].items())
    return out, SummaryRow(f"G(t), {kind}, large N from the PI engine (noise.metrological_gain)", "closed forms",
                           f"max |ΔG| / max G = {max(devs):.1e}", max(devs) < EXACT_RTOL,
                           f"{cases}; the engine's error is absolute (~1e-16 of G(0)), so G far down the tail "
                           "is compared in those units")


def _large_n_img(n: int, gamma: float) -> tuple[dict, list[SummaryRow]]:
    """IMG at large N from ``noise.integrated_gain`` (PI engine) against the closed forms."""
    out, rows = {}, []
    for kind in KINDS:
        for p in PROBES:
            dephasing, emission = _rates(kind, gamma)
            ours = noise.integrated_gain(pi_probe(p, n), dephasing=dephasing, emission=emission)
            ref = closed_img(p, kind, n, gamma)
            out[f"{p}_{kind}"] = {"n": n, "ours": ours, "closed_form": ref}
            rows.append(SummaryRow(f"IMG, {p}, {kind}, N = {n}, γ = {gamma} (PI engine, noise.integrated_gain)",
                                   fmt(ref, 8), fmt(ours, 8), abs(ours / ref - 1) < EXACT_RTOL,
                                   f"rel. dev. {abs(ours / ref - 1):.1e}"))
    return out, rows


def run(out_dir: Path, quick: bool = False, progress: bool = True, cluster: Any = None) -> PaperOutput:
    """G(t) figures, IMG table and figure, crossover times, single-qubit and per-qubit-rate checks.

    ``cluster``: where the Aer grid cells run (``bellsense reproduce --workers/--scheduler``); None in-process.
    """
    gamma = GAMMA
    ns = list(range(2, 6)) if quick else list(range(2, 9))
    gts = np.array([0.02, 0.05, 0.1, 0.2, 0.4, 0.8]) if quick else np.linspace(0.02, 1.0, 12)
    big = [100, 1000]
    figures, data, rows = [], [], []
    for kind in tqdm(KINDS, desc="takahashi2025 G(t) on Aer", disable=not progress):
        measured = aer_gains(ns, gts, kind, gamma, cluster=cluster)
        rows.extend(_gain_rows(kind, ns, gts, measured))
        large, row = _large_n(kind, big, np.linspace(0, float(gts.max()), 61), quick)
        rows.append(row)
        payload = {"kind": kind, "gamma": gamma, "aer_n": ns, "gamma_t": gts, "aer": measured,
                   "closed_form": {f"{p}_{n}": closed_gain(p, kind, n, gts) for p in PROBES for n in ns},
                   "large_n": large}
        png, js = write_figure(_gain_figure(kind, ns, gts, measured, big, large, large["gamma_t"]), payload, out_dir,
                               f"gain_{kind}")
        figures.append(png)
        data.append(js)
    img_ns = [2, 3, 4] if quick else [2, 4, 6, 8]
    fig, img_data, img_rows = _img_part(img_ns, gamma, progress)
    rows.extend(img_rows)
    img_data["large_n_img"], big_rows = _large_n_img(100, gamma)
    rows.extend(big_rows)
    cross, cross_rows = _crossover_rows(ns, gamma)
    rows.extend(cross_rows)
    single, single_rows = _single_qubit_rows(gts, gamma)
    rows.extend(single_rows)
    png, js = write_figure(fig, {**img_data, "crossover": cross, "single_qubit_and_rates": single}, out_dir, "img")
    figures.append(png)
    data.append(js)
    return PaperOutput(tuple(figures), tuple(data), tuple(rows), {"img_ghz_emission_n16": img_data[
        "ghz_emission_n16"]["img"]})


__all__ = ["closed_gain", "large_n_gain", "closed_img", "dense_gain", "ghz_emission_block_gain", "integrate_gain",
           "aer_gains", "aer_gain_cell", "run"]
