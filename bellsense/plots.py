"""PNG plots of a run's points (matplotlib, Agg backend: no display needed).

* ``fisher_vs_n.png``: exact QFI/N (lines) and measured F/N (error bars) against n, with the
  shot-noise limit (F/N = 1) and the Heisenberg limit (F/N = N);
* ``gain_vs_t.png``: the metrological gain ``G(t) = Q(t)/t^2`` (seed 003), i.e. the QFI with
  respect to the accumulated phase ``theta = phi t``, against t: exact curves and measured F;
* ``bell_vs_n.png``: the N-body Bell correlator ``E_{N,0}`` against n on a log scale, with the
  Bell bound ``2^{-n}`` and the separability bound ``4^{-n}`` (seed 001).

Every function takes the record's ``points`` (list of dicts) and an output folder, and
returns the paths it wrote (a plot without data is not written).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: the CLI and the tests never open a window

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

Point = dict[str, Any]
_MARKERS = "osD^v<>ph*"


def _value(entry: Any) -> tuple[float, float]:
    """(value, stderr) of an ``{"value", "stderr"}`` entry; NaN for a missing one."""
    if not isinstance(entry, dict) or entry.get("value") is None:
        return np.nan, np.nan
    err = entry.get("stderr")
    return float(entry["value"]), float(err) if err is not None else np.nan


def _groups(points: Sequence[Point], keys: tuple[str, ...]) -> dict[tuple, list[Point]]:
    out: dict[tuple, list[Point]] = {}
    for p in points:
        out.setdefault(tuple(p[k] for k in keys), []).append(p)
    return out


def _legend(ax: plt.Axes, **kwargs: Any) -> None:
    """A legend inside the axes for a few entries, outside on the right for many (it would hide data)."""
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 8:
        fig = ax.figure
        fig.set_size_inches(fig.get_figwidth() + 2.6, fig.get_figheight())
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), ncol=1 if len(handles) <= 20 else 2)
    else:
        ax.legend(fontsize=7, **kwargs)


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def fisher_vs_n(points: Sequence[Point], out_dir: Path) -> list[Path]:
    """QFI/N and measured F/N against n, one colour per state, one marker per t."""
    pts = [p for p in points if p.get("qfi_exact") is not None]
    ns = sorted({p["n"] for p in pts})
    if not pts:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    states = list(dict.fromkeys(p["state"] for p in pts))
    ts = sorted({p["t"] for p in pts})
    for si, state in enumerate(states):
        colour = colours[si % len(colours)]
        for ti, t in enumerate(ts):
            group = sorted((p for p in pts if p["state"] == state and p["t"] == t), key=lambda p: p["n"])
            if not group:
                continue
            n = np.array([p["n"] for p in group], dtype=float)
            qfi = np.array([p["qfi_exact"] for p in group], dtype=float)
            label = f"{state}, t={t:g}"
            ax.plot(n, qfi / n, "-", color=colour, alpha=0.35 + 0.65 * (ti + 1) / len(ts), lw=1.5,
                    label=f"QFI/N {label}")
            meas = np.array([_value(p.get("fisher_measured")) for p in group])
            if np.isfinite(meas[:, 0]).any():
                ax.errorbar(n, meas[:, 0] / n, yerr=meas[:, 1] / n, fmt=_MARKERS[ti % len(_MARKERS)],
                            color=colour, capsize=3, ms=5, label=f"measured F/N {label}")
    grid = np.array(ns, dtype=float)
    ax.plot(grid, np.ones_like(grid), "k--", lw=1, label="SQL (F = N)")
    ax.plot(grid, grid, "k:", lw=1.2, label="HL (F = N$^2$)")
    ax.set_xlabel("number of qubits N")
    ax.set_ylabel("Fisher information / N")
    ax.set_xticks(ns)
    ax.set_title("Fisher information per qubit")
    _legend(ax)
    return [_save(fig, out_dir / "fisher_vs_n.png")]


def gain_vs_t(points: Sequence[Point], out_dir: Path) -> list[Path]:
    """``G(t) = Q(t)/t^2`` (exact, lines) and measured F (error bars) against t, per (state, n).

    Colour encodes n (viridis), line style and marker encode the state, so a dozen curves stay
    distinguishable.
    """
    pts = [p for p in points if p.get("qfi_exact") is not None]
    if len({p["t"] for p in pts}) < 2:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    ns = sorted({p["n"] for p in pts})
    cmap = plt.get_cmap("viridis")
    states = list(dict.fromkeys(p["state"] for p in pts))
    styles = ["-", "--", "-.", ":"]
    for (state, n), group in sorted(_groups(pts, ("state", "n")).items()):
        group = sorted(group, key=lambda p: p["t"])
        si = states.index(state)
        colour = cmap(0.9 * ns.index(n) / max(len(ns) - 1, 1))
        t = np.array([p["t"] for p in group], dtype=float)
        ax.plot(t, [p["qfi_exact"] for p in group], styles[si % len(styles)], color=colour,
                label=f"G(t) {state} N={n}")
        meas = np.array([_value(p.get("fisher_measured")) for p in group])
        if np.isfinite(meas[:, 0]).any():
            ax.errorbar(t, meas[:, 0], yerr=meas[:, 1], fmt=_MARKERS[si % len(_MARKERS)], color=colour,
                        capsize=3, ms=4)
    ax.set_xlabel("sensing time t")
    ax.set_ylabel("G(t) = Q(t) / t$^2$   (points: measured F)")
    ax.set_yscale("log")
    ax.set_title("Metrological gain under noise (seed 003)")
    _legend(ax)
    return [_save(fig, out_dir / "gain_vs_t.png")]


def bell_vs_n(points: Sequence[Point], out_dir: Path) -> list[Path]:
    """Measured (and exact) ``E_{N,0}`` against n, log scale, with ``2^{-n}`` and ``4^{-n}``."""
    pts = [p for p in points if isinstance(p.get("bell_correlator"), dict)]
    if not pts:
        return []
    fig, ax = plt.subplots(figsize=(6.4, 4.6))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for gi, ((state, t), group) in enumerate(sorted(_groups(pts, ("state", "t")).items())):
        group = sorted(group, key=lambda p: p["n"])
        colour = colours[gi % len(colours)]
        n = np.array([p["n"] for p in group], dtype=float)
        meas = np.array([_value(p["bell_correlator"]) for p in group])
        # A log axis cannot show E <= 0 (possible after bias correction): clip to a floor, keep the bar.
        floor = 4.0 ** -(n.max() + 2)
        ax.errorbar(n, np.maximum(meas[:, 0], floor), yerr=meas[:, 1], fmt="o", color=colour, capsize=3,
                    label=f"measured {state}, t={t:g}")
        exact = [p.get("bell_correlator_exact") for p in group]
        if all(e is not None for e in exact):
            ax.plot(n, exact, "-", color=colour, alpha=0.6, label=f"exact {state}, t={t:g}")
    ns = np.arange(min(p["n"] for p in pts), max(p["n"] for p in pts) + 1, dtype=float)
    ax.plot(ns, 2.0**-ns, "k--", lw=1, label="Bell bound 2$^{-N}$")
    ax.plot(ns, 4.0**-ns, "k:", lw=1.2, label="separable bound 4$^{-N}$")
    ax.axhline(0.25, color="grey", lw=0.8, label="quantum maximum 1/4")
    ax.set_yscale("log")
    ax.set_xlabel("number of qubits N")
    ax.set_ylabel("Bell correlator E$_{N,0}$")
    ax.set_xticks(ns.astype(int))
    ax.set_title("Many-body Bell correlator (seed 001)")
    _legend(ax)
    return [_save(fig, out_dir / "bell_vs_n.png")]


def plot_all(points: Sequence[Point], out_dir: str | Path) -> list[Path]:
    """Every plot that the points have data for; returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    return fisher_vs_n(points, out_dir) + gain_vs_t(points, out_dir) + bell_vs_n(points, out_dir)
