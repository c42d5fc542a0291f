"""Plots of a run's points: functions that return matplotlib ``Figure`` objects.

* :func:`fisher_vs_n`: exact QFI/N (lines) and measured F/N (error bars) against n, with the
  shot-noise limit (F/N = 1) and the Heisenberg limit (F/N = N);
* :func:`gain_vs_t`: the metrological gain ``G(t) = Q(t)/t^2`` (Takahashi, Ho & Matsueda 2025),
  i.e. the QFI with respect to the accumulated phase ``theta = phi t``, against t: exact curves
  and measured F;
* :func:`bell_vs_n`: the N-body Bell correlator ``E_{N,0}`` against n on a log scale, with the
  Bell bound ``2^{-n}`` and the separability bound ``4^{-n}``.

Every function takes the record's typed ``points`` and returns a ``Figure`` (``None`` without
data). The figures are built with ``matplotlib.figure.Figure`` directly: no pyplot, no backend
switch at import. :func:`save_all` writes the PNGs (what the CLI does).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .records import EstimateEntry, Point

__all__ = ["fisher_vs_n", "gain_vs_t", "bell_vs_n", "figures", "save_all", "plot_all"]

_MARKERS = "osD^v<>ph*"


def _value(entry: EstimateEntry | None) -> tuple[float, float]:
    """(value, stderr) of an estimate; NaN for a missing one."""
    if entry is None or entry.value is None:
        return np.nan, np.nan
    return float(entry.value), float(entry.stderr) if entry.stderr is not None else np.nan


def _groups(points: Sequence[Point], keys: tuple[str, ...]) -> dict[tuple, list[Point]]:
    out: dict[tuple, list[Point]] = {}
    for p in points:
        out.setdefault(tuple(getattr(p, k) for k in keys), []).append(p)
    return out


def _colours() -> list[Any]:
    return list(matplotlib.rcParams["axes.prop_cycle"].by_key()["color"])


def _legend(ax: Axes, **kwargs: Any) -> None:
    """A legend inside the axes for a few entries, outside on the right for many (it would hide data)."""
    handles, _ = ax.get_legend_handles_labels()
    if len(handles) > 8:
        fig = ax.get_figure()
        assert isinstance(fig, Figure)
        fig.set_size_inches(fig.get_figwidth() + 2.6, fig.get_figheight())
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5), ncol=1 if len(handles) <= 20 else 2)
    else:
        ax.legend(fontsize=7, **kwargs)


def _new() -> tuple[Figure, Axes]:
    fig = Figure(figsize=(6.4, 4.6))
    return fig, fig.add_subplot()


def fisher_vs_n(points: Sequence[Point]) -> Figure | None:
    """QFI/N and measured F/N against n, one colour per state, one marker per t."""
    pts = [p for p in points if p.qfi_exact is not None]
    ns = sorted({p.n for p in pts})
    if not pts:
        return None
    fig, ax = _new()
    colours = _colours()
    states = list(dict.fromkeys(p.state for p in pts))
    ts = sorted({p.t for p in pts})
    for si, state in enumerate(states):
        colour = colours[si % len(colours)]
        for ti, t in enumerate(ts):
            group = sorted((p for p in pts if p.state == state and p.t == t), key=lambda p: p.n)
            if not group:
                continue
            n = np.array([p.n for p in group], dtype=float)
            qfi = np.array([p.qfi_exact for p in group], dtype=float)
            label = f"{state}, t={t:g}"
            ax.plot(n, qfi / n, "-", color=colour, alpha=0.35 + 0.65 * (ti + 1) / len(ts), lw=1.5,
                    label=f"QFI/N {label}")
            meas = np.array([_value(p.fisher_measured) for p in group])
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
    return fig


def gain_vs_t(points: Sequence[Point]) -> Figure | None:
    """``G(t) = Q(t)/t^2`` (exact, lines) and measured F (error bars) against t, per (state, n).

    Colour encodes n (viridis), line style and marker encode the state, so a dozen curves stay
    distinguishable.
    """
    pts = [p for p in points if p.qfi_exact is not None]
    if len({p.t for p in pts}) < 2:
        return None
    fig, ax = _new()
    ns = sorted({p.n for p in pts})
    cmap = matplotlib.colormaps["viridis"]
    states = list(dict.fromkeys(p.state for p in pts))
    styles = ["-", "--", "-.", ":"]
    for (state, n), group in sorted(_groups(pts, ("state", "n")).items()):
        group = sorted(group, key=lambda p: p.t)
        si = states.index(state)
        colour = cmap(0.9 * ns.index(n) / max(len(ns) - 1, 1))
        t = np.array([p.t for p in group], dtype=float)
        qfi = np.array([np.nan if p.qfi_exact is None else p.qfi_exact for p in group])
        ax.plot(t, qfi, styles[si % len(styles)], color=colour,
                label=f"G(t) {state} N={n}")
        meas = np.array([_value(p.fisher_measured) for p in group])
        if np.isfinite(meas[:, 0]).any():
            ax.errorbar(t, meas[:, 0], yerr=meas[:, 1], fmt=_MARKERS[si % len(_MARKERS)], color=colour,
                        capsize=3, ms=4)
    ax.set_xlabel("sensing time t")
    ax.set_ylabel("G(t) = Q(t) / t$^2$   (points: measured F)")
    ax.set_yscale("log")
    ax.set_title("Metrological gain under noise")
    _legend(ax)
    return fig


def bell_vs_n(points: Sequence[Point]) -> Figure | None:
    """Measured (and exact) ``E_{N,0}`` against n, log scale, with ``2^{-n}`` and ``4^{-n}``."""
    pts = [p for p in points if p.bell_correlator is not None]
    if not pts:
        return None
    fig, ax = _new()
    colours = _colours()
    for gi, ((state, t), group) in enumerate(sorted(_groups(pts, ("state", "t")).items())):
        group = sorted(group, key=lambda p: p.n)
        colour = colours[gi % len(colours)]
        n = np.array([p.n for p in group], dtype=float)
        meas = np.array([_value(p.bell_correlator) for p in group])
        # A log axis cannot show E <= 0 (possible after bias correction): clip to a floor, keep the bar.
        floor = 4.0 ** -(n.max() + 2)
        ax.errorbar(n, np.maximum(meas[:, 0], floor), yerr=meas[:, 1], fmt="o", color=colour, capsize=3,
                    label=f"measured {state}, t={t:g}")
        exact = [p.bell_correlator_exact for p in group]
        if all(e is not None for e in exact):
            ax.plot(n, np.array(exact, dtype=float), "-", color=colour, alpha=0.6, label=f"exact {state}, t={t:g}")
    ns = np.arange(min(p.n for p in pts), max(p.n for p in pts) + 1, dtype=float)
    ax.plot(ns, 2.0**-ns, "k--", lw=1, label="Bell bound 2$^{-N}$")
    ax.plot(ns, 4.0**-ns, "k:", lw=1.2, label="separable bound 4$^{-N}$")
    ax.axhline(0.25, color="grey", lw=0.8, label="quantum maximum 1/4")
    ax.set_yscale("log")
    ax.set_xlabel("number of qubits N")
    ax.set_ylabel("Bell correlator E$_{N,0}$")
    ax.set_xticks(ns.astype(int))
    ax.set_title("Many-body Bell correlator")
    _legend(ax)
    return fig


def figures(points: Sequence[Point]) -> dict[str, Figure]:
    """Every plot that the points have data for, by file stem (``fisher_vs_n``, ``gain_vs_t``, ``bell_vs_n``).

    With several noise settings each (state, setting) is its own curve, named ``"<state> (<noise label>)"``.
    """
    points = [p.model_copy(update={"state": f"{p.state} ({p.noise_label})"}) if p.noise_label is not None else p
              for p in points]
    out = {}
    for name, make in (("fisher_vs_n", fisher_vs_n), ("gain_vs_t", gain_vs_t), ("bell_vs_n", bell_vs_n)):
        fig = make(points)
        if fig is not None:
            out[name] = fig
    return out


def save_all(points: Sequence[Point], out_dir: str | Path) -> list[Path]:
    """Write every figure of :func:`figures` as ``<out_dir>/<name>.png``; returns the written paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures(points).items():
        fig.tight_layout()
        path = out_dir / f"{name}.png"
        fig.savefig(path, dpi=110)
        paths.append(path)
    return paths


#: The 0.1.0 name of :func:`save_all` (``bellsense.plot_all``).
plot_all = save_all
