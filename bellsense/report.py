"""Analysis of a run record and its table: a pure function of the record's counts and metadata.

:func:`analyse` reads only the record (its ``exact`` entries, written before submission, and
every circuit's per-binding metadata and counts) and returns the typed ``points``; ``bellsense
run`` and ``bellsense report`` call the same function, so they print the same numbers.

Every number comes from ``bellsense.estimators``: ``fisher_moments`` with the readout's statistic
(parity, ``J`` or ``J^2``), ``fisher_finite_difference`` or ``fisher_hellinger`` on the
Hamming-weight distribution; ``analyse_bell`` for the Bell correlator, its violation and the
nonlocality depth (Tura et al., Science 344, 1256 (2014) / the N-body correlator of
PHYSICS.md); ``pi_bell_from_counts`` and ``squeezing_from_counts``; and, on devices with a
readout calibration, ``mitigated_parity`` with the parity-readout Fisher information and the
Fourier Bell formula on mitigated parities. Each measured Fisher value is compared with the
exact infinite-shot limit of the same estimator (``estimators.method_limit``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .axes import unit_axis
from .records import CircuitEntry, EstimateEntry, ExactEntry, MissingCircuit, Mitigated, Point, ReadoutInfo, RunRecord
from .spec import ExperimentSpec

__all__ = ["fisher_from_counts", "analyse", "missing", "format_table", "observable"]


def _estimate(value: Any, stderr: Any, method: str | None = None) -> EstimateEntry:
    return EstimateEntry(
        value=None if value is None else float(value),
        stderr=None if stderr is None else float(stderr),
        **({} if method is None else {"method": method}),
    )


def observable(statistic: str, n: int) -> Any:
    """The readout statistic as an observable of ``bellsense.estimators`` (a name or values per outcome)."""
    if statistic == "parity":
        return "parity"
    if statistic == "mean":
        return "collective"  # J = n/2 - w
    if statistic == "second_moment":
        return lambda bits: (n / 2.0 - bits.sum(axis=1)) ** 2
    raise ValueError(f"unknown statistic {statistic!r}; allowed: parity, mean, second_moment")


def fisher_from_counts(samples: Sequence[tuple[float, Mapping[str, int]]], theta0: float, n: int,
                       statistic: str, method: str) -> EstimateEntry:
    """Measured Fisher information from the bindings ``(theta, counts)`` of a ``fisher`` PUB.

    ``moments``: ``estimators.fisher_moments`` with the readout's statistic; ``finite_difference``
    and ``hellinger``: ``estimators.fisher_finite_difference`` / ``fisher_hellinger`` on the
    Hamming-weight distribution (bootstrap errors with the estimators' fixed seed, so the
    analysis is deterministic).
    """
    from .estimators import fisher_finite_difference, fisher_hellinger, fisher_moments

    pairs = [(float(th), dict(c)) for th, c in samples]
    if method == "moments":
        est = fisher_moments(pairs, theta0, observable(statistic, n))
    elif method == "finite_difference":
        est = fisher_finite_difference(pairs, "collective")
    elif method == "hellinger":
        centre = [c for th, c in pairs if abs(th - theta0) < 1e-12]
        if len(centre) != 1:
            raise ValueError(f"no counts at theta0 = {theta0} for the Hellinger reference")
        shifted = [(th - theta0, c) for th, c in pairs if abs(th - theta0) >= 1e-12]
        est = fisher_hellinger(centre[0], shifted, "collective")
    else:
        raise ValueError(f"unknown Fisher method {method!r}; allowed: moments, hellinger, finite_difference")
    # "(hamming)": the Hamming-weight distribution (the 0.1.0 method label, kept for stable records).
    return _estimate(est.value, est.stderr, f"{method} ({statistic if method == 'moments' else 'hamming'})")


def _results(entries: Sequence[CircuitEntry]) -> list[tuple[dict[str, Any], dict[str, int]]]:
    return [(b.metadata, b.counts or {}) for e in entries for b in e.bindings]


def _bell(entries: Sequence[CircuitEntry]) -> dict[str, Any]:
    from .estimators import analyse_bell

    bell = analyse_bell(_results(entries))
    return {
        "bell_correlator": _estimate(bell.correlator.value, bell.correlator.stderr),
        "bell_violation_sigma": float(bell.significance),
        "bell_violation": bool(bell.violation),
        "nonlocality_depth": int(bell.depth),
        "qfi_bound_from_bell": _estimate(bell.qfi_bound.value, bell.qfi_bound.stderr),
    }


def _pi_bell(entries: Sequence[CircuitEntry]) -> dict[str, Any]:
    """``<B>`` of the two-body PI Bell inequality; ``pi_bell_sigma = -<B>/err`` (> 0 violates)."""
    from .estimators.measured.pi_bell import pi_bell_from_counts

    res = pi_bell_from_counts([(e.bindings[0].metadata, e.bindings[0].counts or {}) for e in entries])
    return {"pi_bell": _estimate(res.bell.value, res.bell.stderr), "pi_bell_sigma": float(res.significance),
            "pi_bell_violation": bool(res.violation)}


def _squeezing(entries: Sequence[CircuitEntry], axis: Sequence[float]) -> dict[str, Any]:
    """Wineland ``xi^2`` with the variance along the encoding axis (no value if the mean spin is unresolved)."""
    from .estimators.measured.squeezing import squeezing_from_counts

    est = squeezing_from_counts([(e.bindings[0].metadata, e.bindings[0].counts or {}) for e in entries],
                                variance_axis=list(axis))
    finite = bool(np.isfinite(est.value))
    return {"squeezing": _estimate(est.value if finite else None, est.stderr if finite else None)}


def _calibration(record: RunRecord, entry: CircuitEntry, n: int) -> Any:
    """The readout calibration of a device circuit's logical qubits 0..n-1 (``None`` without one)."""
    from .estimators.measured.mitigation import ReadoutCalibration

    cal, layout = record.calibration, record.layout
    if not cal or "error" in cal or not isinstance(layout, Mapping):
        return None
    physical = layout["circuits"][entry.pub].get("physical_qubits")
    if physical is None:
        return None
    return ReadoutCalibration.from_dict(dict(cal)).on_layout(physical[:n])


def _mitigated_parities(entry: CircuitEntry, cal: Any, mitigation: str = "tensored") -> tuple[np.ndarray, np.ndarray]:
    from .estimators import mitigated_parity

    if mitigation == "m3":  # optional mthree (issue 14); imported only here
        from .estimators.measured.m3 import m3_parity as mitigated_parity  # noqa: F811
    ests = [mitigated_parity(b.counts or {}, cal) for b in entry.bindings]
    return np.array([e.value for e in ests]), np.array([e.stderr for e in ests])


def _mitigated_bell(entry: CircuitEntry, cal: Any, n: int, mitigation: str = "tensored") -> dict[str, Any]:
    """``E_{N,0}`` from readout-mitigated parities (``estimators.measured.parities``), their own errors included."""
    from .estimators.measured.bell import claimed_depth
    from .estimators.measured.parities import correlator_from_parities

    means, errs = _mitigated_parities(entry, cal, mitigation)
    phases = [b.metadata["setting"]["phi"] for b in entry.bindings]
    order = int(np.abs(np.array(entry.bindings[0].metadata["setting"]["signs"])).sum())
    e = correlator_from_parities(phases, means, errs, order)
    return {"bell_correlator": _estimate(e.value, e.stderr), "bell_violation_sigma": float(e.significance(2.0 ** -n)),
            "nonlocality_depth": int(claimed_depth(e, n)),
            "qfi_bound_from_bell": _estimate(4 * n * n * e.value, 4 * n * n * e.stderr)}


def _mitigated_fisher(entry: CircuitEntry, cal: Any, theta0: float, statistic: str, method: str,
                      mitigation: str = "tensored") -> EstimateEntry | None:
    """Moments Fisher information of a parity readout from mitigated parities (``None`` otherwise)."""
    from .estimators.measured.parities import fisher_from_parities

    if method != "moments" or statistic != "parity":
        return None
    means, errs = _mitigated_parities(entry, cal, mitigation)
    thetas = [b.metadata["encoding"]["theta"] for b in entry.bindings]
    try:
        est = fisher_from_parities(thetas, means, errs, theta0)
    except ValueError:  # no variance at theta0: the mitigated Bell values are still reported
        return None
    return _estimate(est.value, est.stderr, "moments (parity), readout-mitigated")


def _mitigated(record: RunRecord, roles: Mapping[str, list[CircuitEntry]], ex: ExactEntry,
               method: str, mitigation: str = "tensored") -> Mitigated | None:
    """Readout-mitigated counterparts of the point's values (device runs with a calibration)."""
    out: dict[str, Any] = {}
    fisher = roles.get("fisher", [])
    if _complete(fisher) and (cal := _calibration(record, fisher[0], ex.n)) is not None:
        fm = _mitigated_fisher(fisher[0], cal, ex.theta, ex.statistic, method, mitigation)
        if fm is not None:
            out["fisher_measured"] = fm
    bell = roles.get("bell", [])
    if _complete(bell) and (cal := _calibration(record, bell[0], ex.n)) is not None:
        out.update(_mitigated_bell(bell[0], cal, ex.n, mitigation))
    return Mitigated(**out) if out else None


def _complete(entries: Sequence[CircuitEntry]) -> bool:
    return bool(entries) and all(e.complete for e in entries)


def missing(record: RunRecord) -> list[MissingCircuit]:
    """Circuits without counts."""
    return [MissingCircuit(point=e.point, role=e.role, status=e.status, error=e.error)
            for e in record.circuits if not e.complete]


def _point(record: RunRecord, spec: ExperimentSpec, ex: ExactEntry, roles: Mapping[str, list[CircuitEntry]]) -> Point:
    n, method = ex.n, spec.measure.fisher_method
    point: dict[str, Any] = {
        "state": ex.state, "n": n, "t": ex.t, "theta": ex.theta, "delta": ex.delta,
        "readout": ReadoutInfo(axis=ex.readout_axis, statistic=ex.statistic),
        "qfi_exact": ex.qfi_exact, "cfi_exact": ex.cfi_exact, "fisher_exact_method": ex.fisher_exact_method,
        "fisher_measured": None, "sql": n, "hl": n * n, "missing": [],
    }
    if ex.sizes is not None:
        point["sizes"] = ex.sizes
    if ex.noise_label is not None:  # several noise settings: the point's own
        point.update(noise_index=ex.noise_index, noise_label=ex.noise_label)
    for key in ("bell_correlator_exact", "pi_bell_exact", "squeezing_exact", "exact_method",
                "bell_correlator_log10_exact", "nonlocality_depth_exact", "ghz_fidelity_exact"):
        if key in ex.model_fields_set:
            point[key] = getattr(ex, key)
    if ex.unavailable is not None:
        point["exact_unavailable"] = ex.unavailable
    from .run.exact_pi import point_bound

    point["bound"], why = point_bound(spec, n, ex.t, record.device_run, ex.noise_index)
    if why is not None:
        point["bound_unavailable"] = why
    if ex.device is not None and ex.device.model_fields_set:
        point["device_exact"] = ex.device
    errors: dict[str, str] = {}
    for role in spec.measure.quantities:
        entries = roles.get(role, [])
        if not _complete(entries):
            point["missing"].append(role)
            continue
        try:
            if role == "fisher":
                samples = [(b.metadata["encoding"]["theta"], b.counts or {}) for b in entries[0].bindings]
                fm = fisher_from_counts(samples, ex.theta, n, ex.statistic, method)
                point["fisher_measured"] = fm
                # On a device the reference is the exact value under the device's own noise (none if
                # that simulation was skipped: the noiseless value is not a reference for device counts).
                ref = ex.fisher_exact_method
                if record.device_run:
                    ref = None if ex.device is None else ex.device.fisher_exact_method
                ok = ref is not None and fm.value is not None and fm.stderr is not None and fm.stderr > 0
                point["fisher_z"] = (fm.value - ref) / fm.stderr if ok else None  # type: ignore[operator]
            elif role == "bell":
                point.update(_bell(entries))
            elif role == "pi_bell":
                point.update(_pi_bell(entries))
            elif role == "squeezing":
                point.update(_squeezing(entries, [float(a) for a in unit_axis(spec.sensing.axis)]))
        except (ValueError, ZeroDivisionError) as exc:
            # An estimator that cannot say anything from these counts (e.g. a deterministic outcome):
            # the point says why; the other quantities are still analysed.
            errors[role] = str(exc)
    if spec.measure.mitigate and record.calibration:
        try:
            point["mitigated"] = _mitigated(record, roles, ex, method, spec.measure.mitigation)
        except (ValueError, ZeroDivisionError) as exc:
            errors["mitigated"] = str(exc)
    if errors:
        point["errors"] = errors
    return Point(**point)


def _typed(record: RunRecord | Mapping[str, Any]) -> RunRecord:
    from .record import parse

    return record if isinstance(record, RunRecord) else parse(record)


def analyse(record: RunRecord | Mapping[str, Any]) -> list[Point]:
    """The ``points`` of a record (a :class:`RunRecord` or a record dict), from its counts and metadata only.

    Quantities whose circuits are missing (failed or cancelled jobs) are left out of the point
    and listed in its ``missing`` entry; the rest is analysed.
    """
    record = _typed(record)
    spec = ExperimentSpec.from_dict(record.spec, source="record spec")
    by_point: dict[int, dict[str, list[CircuitEntry]]] = {}
    for entry in record.circuits:
        by_point.setdefault(entry.point, {}).setdefault(entry.role, []).append(entry)
    return [_point(record, spec, ex, by_point.get(ex.index, {})) for ex in record.exact]


# ---------------------------------------------------------------------------------------- table
def _pm(entry: EstimateEntry | None, digits: int = 3) -> str:
    if entry is None or entry.value is None:
        return "-"
    if entry.stderr is None:
        # No finite error bar (e.g. a Fisher slope consistent with zero, an unbounded Fieller interval): the
        # value supports no claim, so it is not printed (it stays in the record).
        return "unresolved"
    return f"{entry.value:.{digits}g} ± {entry.stderr:.2g}"


def _num(value: Any, fmt: str = ".4g") -> str:
    return "-" if value is None else format(value, fmt)


def _extras(p: Point) -> list[str]:
    extras = []
    if "pi_bell" in p.model_fields_set:
        extras.append(f"PI Bell <B> = {_pm(p.pi_bell)} (exact {_num(p.pi_bell_exact)}; < 0 violates)")
    if "squeezing" in p.model_fields_set:
        extras.append(f"squeezing xi^2 = {_pm(p.squeezing)} (exact {_num(p.squeezing_exact)})")
    dev = p.device_exact
    if dev is not None and (dev.fisher_exact_method is not None or dev.bell_correlator_exact is not None):
        extras.append(f"exact with the device's noise: F = {_num(dev.fisher_exact_method)}, "
                      f"E = {_num(dev.bell_correlator_exact)}")
    elif dev is not None and dev.skipped is not None:
        extras.append(f"exact with the device's noise: skipped ({dev.skipped})")
    mit = p.mitigated
    if mit is not None:
        parts = []
        if mit.fisher_measured is not None:
            parts.append(f"F = {_pm(mit.fisher_measured)}")
        if mit.bell_correlator is not None:
            parts.append(f"E = {_pm(mit.bell_correlator)} ({_num(mit.bell_violation_sigma, '.1f')} sigma, "
                         f"depth {mit.nonlocality_depth}, 4N^2E = {_pm(mit.qfi_bound_from_bell)})")
        if parts:
            extras.append("readout-mitigated: " + "; ".join(parts))
    if p.state == "optimal" and p.qfi_exact and p.cfi_exact is not None:
        # the best collective readout of the optimal probe (its optimal measurement is usually not collective)
        axis = ", ".join(f"{a:.3g}" for a in p.readout.axis)
        extras.append(f"optimal symmetric probe: best collective readout ({p.readout.statistic} along [{axis}]) "
                      f"reaches CFI/QFI = {p.cfi_exact / p.qfi_exact:.3f}")
    if p.exact_unavailable is not None:
        extras.append(f"exact: n/a ({p.exact_unavailable})")
    if p.missing:
        extras.append(f"missing: {', '.join(p.missing)}")
    for role, why in (p.errors or {}).items():
        extras.append(f"{role}: not estimated ({why})")
    return extras


def _ranges(qubits: Sequence[int]) -> str:
    """Sorted qubit numbers as ranges: ``0-5, 8, 10-19``."""
    q = sorted(int(x) for x in qubits)
    starts = [v for k, v in enumerate(q) if k == 0 or q[k - 1] != v - 1]
    ends = [v for k, v in enumerate(q) if k == len(q) - 1 or q[k + 1] != v + 1]
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in zip(starts, ends))


def _where(record: RunRecord, i: int, p: Point) -> list[str]:
    """Where point i ran: the device layout (physical qubits, CNOT depth) or the Aer method and why (issue 14)."""
    out = []
    layout = record.layout if isinstance(record.layout, Mapping) else None
    entries = [e for e in record.circuits if e.point == i]
    info: Mapping[str, Any] = {}
    if layout is not None and entries:
        info = layout["circuits"][entries[0].pub] if entries[0].pub < len(layout["circuits"]) else {}
        if info.get("physical_qubits"):
            out.append(f"layout: physical qubits {_ranges(info['physical_qubits'])} of {layout.get('device')}, "
                       f"CNOT depth {info.get('cnot_depth')} ({info.get('method')})")
    own = info.get("simulation") if layout is not None and entries else None
    if own:  # a device job: the method of this circuit's own job (jobs are split by footprint)
        return out + [f"simulation: {own['method']} ({own['reason']})"]
    sims = {(j.simulation.method, j.simulation.reason) for j in record.jobs if j.simulation is not None
            and (j.n is None or (j.n == p.n and j.t == p.t and j.noise_index == p.noise_index))}
    out += [f"simulation: {method} ({reason})" for method, reason in sorted(sims)]
    return out


def format_table(record: RunRecord | Mapping[str, Any], points: Sequence[Point] | None = None) -> str:
    """The table printed by ``run``/``report``/``fetch``: one row per point (``points`` default: the record's).

    Columns: exact QFI, exact CFI of the readout ("n/a" without an exact method, the reason below the
    row), measured F ± err (and its distance z from the exact value of the method in standard errors),
    E_{N,0} ± err, its Bell-violation significance, nonlocality depth, 4 N^2 E, SQL = N, HL = N^2, and
    ``bound``: the parallel (channel-extension) bound on the QFI of any probe under the point's local
    noise ("n/a" on devices). With several noise settings a ``noise`` column (the setting's label) follows t.
    """
    record = _typed(record)
    points = record.points if points is None else points
    spec = record.spec
    width = max([len(p.noise_label) for p in points if p.noise_label is not None], default=0)
    noise_col = f" {'noise':<{max(width, 5)}}" if width else ""
    head = (f"{'state':<10}{'n':>3}{'t':>7}{noise_col} {'QFI':>8} {'CFI':>8}  {'F measured':>16} {'z':>5}  "
            f"{'E_N,0':>18} {'sigma':>6} {'depth':>5} {'4N^2E':>16} {'SQL':>4} {'HL':>4} {'bound':>8}")
    lines = [f"{spec.get('name', 'run')}  (backend {record.backend.get('name')}, "
             f"shots {spec.get('run', {}).get('shots')}, Fisher by {spec.get('measure', {}).get('fisher_method', '')}; "
             f"z = (F - exact F of the method) / err)"]
    if record.device_run:
        lines.append("device run: QFI and CFI are noiseless; z and the line below a point use the exact values "
                     "under the device's noise")
    lines += [head, "-" * len(head)]
    for i, p in enumerate(points):
        depth = "-" if p.nonlocality_depth is None else str(p.nonlocality_depth)
        na = "n/a" if p.exact_unavailable is not None else "-"  # no exact method (the record says why)
        qfi, cfi = (na if v is None else format(v, ".3f") for v in (p.qfi_exact, p.cfi_exact))
        bound = "n/a" if p.bound is None else format(p.bound, ".3f")
        noise = f" {p.noise_label or '':<{len(noise_col) - 1}}" if noise_col else ""
        lines.append(
            f"{p.state:<10}{p.n:>3}{p.t:>7.3g}{noise} {qfi:>8} {cfi:>8}  "
            f"{_pm(p.fisher_measured):>16} {_num(p.fisher_z, '.1f'):>5}  "
            f"{_pm(p.bell_correlator):>18} {_num(p.bell_violation_sigma, '.1f'):>6} {depth:>5} "
            f"{_pm(p.qfi_bound_from_bell):>16} {p.sql:>4} {p.hl:>4} {bound:>8}"
        )
        lines += [f"{'':>{21 + len(noise_col)}}{extra}" for extra in _extras(p) + _where(record, i, p)]
    if record.missing:
        lines.append(f"{len(record.missing)} circuit(s) without counts; see the record's 'missing' entry")
    return "\n".join(lines)
