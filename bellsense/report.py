"""Analysis of a run record and its table: a pure function of the record's counts and metadata.

:func:`analyse` reads only the record (its ``exact`` entries, written before submission, and
every circuit's per-binding metadata and counts) and returns the ``points``; ``bellsense run``
and ``bellsense report`` call the same function, so they print the same numbers.

Fisher information from counts uses the estimators of ``bellsense.estimators`` on the
bindings of the ``fisher`` PUB (the encoding angle of each binding is in its metadata):
``fisher_moments`` with the readout's statistic (parity, ``J`` or ``J^2``),
``fisher_finite_difference`` or ``fisher_hellinger`` on the Hamming-weight distribution.
Each measured value is compared with the exact infinite-shot limit of the same estimator
(``fisher_exact_method``, :func:`bellsense.experiment.method_limit`), with the exact CFI of the
readout and with the exact QFI.

The Bell correlator, its violation and the nonlocality depth come from
``estimators.analyse_bell`` (seed 001), the PI Bell value and squeezing from the measured
estimators of seed 004.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .axes import unit_axis
from .spec import ExperimentSpec


def _estimate(value: float | None, stderr: float | None, **extra: Any) -> dict[str, Any]:
    return {"value": None if value is None else float(value), "stderr": None if stderr is None else float(stderr),
            **extra}


def _observable(statistic: str, n: int):
    """The readout statistic as an observable of ``bellsense.estimators`` (values per outcome)."""
    if statistic == "parity":
        return "parity"
    if statistic == "mean":
        return "hamming"  # J = n/2 - w
    if statistic == "second_moment":
        return lambda bits: (n / 2.0 - bits.sum(axis=1)) ** 2
    raise ValueError(f"unknown statistic {statistic!r}; allowed: parity, mean, second_moment")


def fisher_from_counts(samples: Sequence[tuple[float, Mapping[str, int]]], theta0: float, n: int,
                       statistic: str, method: str) -> dict[str, Any]:
    """Measured Fisher information from the bindings ``(theta, counts)`` of a ``fisher`` PUB.

    ``moments``: ``estimators.fisher_moments`` with the readout's statistic; ``finite_difference``
    and ``hellinger``: ``estimators.fisher_finite_difference`` / ``fisher_hellinger`` on the
    Hamming-weight distribution (bootstrap errors with the estimators' fixed seed, so the
    analysis is deterministic). Returns ``{"value", "stderr", "method"}``.
    """
    from .estimators.measured.fisher import fisher_finite_difference, fisher_hellinger, fisher_moments

    samples = [(float(th), dict(c)) for th, c in samples]
    if method == "moments":
        est = fisher_moments(samples, theta0, _observable(statistic, n))
    elif method == "finite_difference":
        est = fisher_finite_difference(samples, "hamming")
    elif method == "hellinger":
        centre = [c for th, c in samples if abs(th - theta0) < 1e-12]
        if len(centre) != 1:
            raise ValueError(f"no counts at theta0 = {theta0} for the Hellinger reference")
        shifted = [(th - theta0, c) for th, c in samples if abs(th - theta0) >= 1e-12]
        est = fisher_hellinger(centre[0], shifted, "hamming")
    else:
        raise ValueError(f"unknown Fisher method {method!r}; allowed: moments, hellinger, finite_difference")
    return _estimate(est.value, est.stderr, method=f"{method} ({statistic if method == 'moments' else 'hamming'})")


def _bell(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from .estimators.measured.bell import analyse_bell

    results = [(b["metadata"], b["counts"]) for e in entries for b in e["bindings"]]
    bell = analyse_bell(results)
    return {
        "bell_correlator": _estimate(bell.correlator.value, bell.correlator.stderr),
        "bell_violation_sigma": float(bell.significance),
        "bell_violation": bool(bell.violation),
        "nonlocality_depth": int(bell.depth),
        "qfi_bound_from_bell": _estimate(bell.qfi_bound.value, bell.qfi_bound.stderr),
    }


def _pi_bell(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """``<B>`` of the two-body PI Bell inequality (seed 004); ``pi_bell_sigma = -<B>/err`` (> 0 violates)."""
    from .estimators.measured.pi_bell import pi_bell_from_counts

    res = pi_bell_from_counts([(e["bindings"][0]["metadata"], e["bindings"][0]["counts"]) for e in entries])
    return {"pi_bell": _estimate(res.bell.value, res.bell.stderr), "pi_bell_sigma": float(res.significance),
            "pi_bell_violation": bool(res.violation)}


def _squeezing(entries: Sequence[dict[str, Any]], axis: Sequence[float]) -> dict[str, Any]:
    """Wineland ``xi^2`` with the variance along the encoding axis (``inf`` if the mean spin is unresolved)."""
    from .estimators.measured.squeezing import squeezing_from_counts

    est = squeezing_from_counts([(e["bindings"][0]["metadata"], e["bindings"][0]["counts"]) for e in entries],
                                variance_axis=list(axis))
    finite = np.isfinite(est.value)
    return {"squeezing": _estimate(est.value if finite else None, est.stderr if finite else None)}


def _calibration(record: Mapping[str, Any], entry: Mapping[str, Any], n: int):
    """The readout calibration of a device circuit's logical qubits (``None`` without one).

    The record holds the device calibration per physical qubit (``backends.ReadoutCalibration``)
    and the layout per submitted circuit; the estimators' tensored mitigation wants the error
    rates of logical qubits 0..n-1.
    """
    cal, layout = record.get("calibration"), record.get("layout")
    if not isinstance(cal, Mapping) or "physical_qubits" not in cal or not isinstance(layout, Mapping):
        return None
    physical = layout["circuits"][entry["pub"]].get("physical_qubits")
    if physical is None:
        return None
    from .backends import ReadoutCalibration as DeviceCalibration
    from .estimators.measured.mitigation import ReadoutCalibration

    p1_given0, p0_given1 = DeviceCalibration.from_dict(dict(cal)).for_qubits(physical[:n])
    return ReadoutCalibration(tuple(range(n)), np.asarray(p1_given0, dtype=float),
                              np.asarray(p0_given1, dtype=float), int(min(cal["shots"])))


def _mitigated_parities(entry: Mapping[str, Any], cal) -> tuple[np.ndarray, np.ndarray]:
    from .estimators.measured.mitigation import mitigated_parity

    ests = [mitigated_parity(b["counts"], cal) for b in entry["bindings"]]
    return np.array([e.value for e in ests]), np.array([e.stderr for e in ests])


def _mitigated_bell(entry: Mapping[str, Any], cal, n: int) -> dict[str, Any]:
    """``E_{N,0}`` from readout-mitigated parities: the Fourier formula of PHYSICS.md with the
    mitigated parities' own standard errors in the covariance of ``<prod sigma_+>``."""
    from .estimators.measured.bell import claimed_depth, correlator_from_sigma_plus
    from .estimators.measured.estimate import Estimate

    means, errs = _mitigated_parities(entry, cal)
    phases = np.array([b["metadata"]["setting"]["phi"] for b in entry["bindings"]], dtype=float)
    sign = np.array(entry["bindings"][0]["metadata"]["setting"]["signs"])
    order = int(np.abs(sign).sum())
    basis = np.stack([np.cos(order * phases), np.sin(order * phases)])
    c = complex(np.sum((basis[0] + 1j * basis[1]) * means) / len(means))
    cov = (basis * errs**2) @ basis.T / len(means) ** 2
    sigma_plus = Estimate(c, float(np.sqrt(np.trace(cov))), method="fourier over mitigated parities",
                          details={"cov": cov.tolist(), "E_unbiased": abs(c) ** 2 - float(np.trace(cov))})
    e = correlator_from_sigma_plus(sigma_plus)
    sig = e.significance(2.0 ** -n)
    return {"bell_correlator": _estimate(e.value, e.stderr), "bell_violation_sigma": float(sig),
            "nonlocality_depth": int(claimed_depth(e, n)),
            "qfi_bound_from_bell": _estimate(4 * n * n * e.value, 4 * n * n * e.stderr)}


def _mitigated_fisher(entry: Mapping[str, Any], cal, theta0: float, statistic: str, method: str) -> dict | None:
    """Moments Fisher information of a parity readout from mitigated parities (``None`` otherwise).

    ``F = (b^2 - s_b^2) / (1 - m_0^2)`` with the central-difference slope b of the mitigated
    parities (the variance of a +-1 observable is fixed by its mean); error by propagation.
    """
    if method != "moments" or statistic != "parity":
        return None
    means, errs = _mitigated_parities(entry, cal)
    thetas = np.array([b["metadata"]["encoding"]["theta"] for b in entry["bindings"]], dtype=float)
    order = np.argsort(thetas)
    (tm, t0, tp), (mm, m0, mp), (em, e0, ep) = thetas[order], means[order], errs[order]
    if not np.isclose(t0, theta0) or not np.isclose(tp - t0, t0 - tm):
        return None
    delta = (tp - tm) / 2
    slope = (mp - mm) / (2 * delta)
    var_slope = (ep**2 + em**2) / (4 * delta**2)
    var0 = 1.0 - m0**2
    if var0 <= 0:
        return None
    value = (slope**2 - var_slope) / var0
    err = np.sqrt((2 * slope / var0) ** 2 * var_slope + (value * 2 * m0 * e0 / var0) ** 2)
    return _estimate(value, err, method="moments (parity), readout-mitigated")


def _mitigated(record: Mapping[str, Any], roles: Mapping[str, list], ex: Mapping[str, Any],
               method: str) -> dict[str, Any] | None:
    """Readout-mitigated counterparts of the point's values (device runs with a calibration)."""
    n = int(ex["n"])
    out: dict[str, Any] = {}
    fisher = roles.get("fisher", [])
    if _complete(fisher) and (cal := _calibration(record, fisher[0], n)) is not None:
        fm = _mitigated_fisher(fisher[0], cal, float(ex["theta"]), ex["statistic"], method)
        if fm is not None:
            out["fisher_measured"] = fm
    bell = roles.get("bell", [])
    if _complete(bell) and (cal := _calibration(record, bell[0], n)) is not None:
        out.update(_mitigated_bell(bell[0], cal, n))
    return out or None


def _complete(entries: Sequence[dict[str, Any]]) -> bool:
    return bool(entries) and all(e["status"] == "DONE" and all(b["counts"] is not None for b in e["bindings"])
                                 for e in entries)


def missing(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Circuits without counts: ``[{"point", "role", "status", "error"}]``."""
    out = []
    for e in record.get("circuits", []):
        if e["status"] != "DONE" or any(b["counts"] is None for b in e["bindings"]):
            out.append({"point": e["point"], "role": e["role"], "status": e["status"], "error": e["error"]})
    return out


def analyse(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The ``points`` of a record, from its counts and metadata only.

    Quantities whose circuits are missing (failed or cancelled jobs) are left out of the point
    and listed in its ``missing`` entry; the rest is analysed.
    """
    spec = ExperimentSpec.from_dict(record["spec"], source="record spec")
    method = spec.measure.fisher_method
    spec_axis = unit_axis(spec.sensing.axis)
    by_point: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for entry in record.get("circuits", []):
        by_point.setdefault(entry["point"], {}).setdefault(entry["role"], []).append(entry)
    points = []
    for ex in record["exact"]:
        n = int(ex["n"])
        roles = by_point.get(ex["index"], {})
        point: dict[str, Any] = {
            "state": ex["state"],
            "n": n,
            "t": float(ex["t"]),
            "theta": float(ex["theta"]),
            "delta": float(ex["delta"]),
            "readout": {"axis": ex["readout_axis"], "statistic": ex["statistic"]},
            "qfi_exact": ex["qfi_exact"],
            "cfi_exact": ex["cfi_exact"],
            "fisher_exact_method": ex["fisher_exact_method"],
            "fisher_measured": None,
            "sql": n,
            "hl": n * n,
            "missing": [],
        }
        if ex.get("sizes") is not None:
            point["sizes"] = ex["sizes"]
        for key in ("bell_correlator_exact", "pi_bell_exact", "squeezing_exact"):
            if key in ex:
                point[key] = ex[key]
        if ex.get("device"):
            point["device_exact"] = ex["device"]
        for role in spec.measure.quantities:
            entries = roles.get(role, [])
            if not _complete(entries):
                point["missing"].append(role)
                continue
            try:
                if role == "fisher":
                    samples = [(b["metadata"]["encoding"]["theta"], b["counts"]) for b in entries[0]["bindings"]]
                    fm = fisher_from_counts(samples, float(ex["theta"]), n, ex["statistic"], method)
                    point["fisher_measured"] = fm
                    # On a device the reference is the exact value under the device's own noise (none if
                    # that simulation was skipped: the noiseless value is not a reference for device counts).
                    ref = ex["fisher_exact_method"]
                    if record.get("exact_noise", "spec") != "spec":
                        ref = (ex.get("device") or {}).get("fisher_exact_method")
                    ok = ref is not None and fm["stderr"] > 0
                    point["fisher_z"] = (fm["value"] - ref) / fm["stderr"] if ok else None
                elif role == "bell":
                    point.update(_bell(entries))
                elif role == "pi_bell":
                    point.update(_pi_bell(entries))
                elif role == "squeezing":
                    point.update(_squeezing(entries, spec_axis))
            except (ValueError, ZeroDivisionError) as exc:
                # An estimator that cannot say anything from these counts (e.g. a deterministic outcome):
                # the point says why; the other quantities are still analysed.
                point.setdefault("errors", {})[role] = str(exc)
        if spec.measure.mitigate and record.get("calibration"):
            try:
                point["mitigated"] = _mitigated(record, roles, ex, method)
            except (ValueError, ZeroDivisionError) as exc:
                point.setdefault("errors", {})["mitigated"] = str(exc)
        points.append(point)
    return points


# ---------------------------------------------------------------------------------------- table
def _pm(entry: Any, digits: int = 3) -> str:
    if not isinstance(entry, dict) or entry.get("value") is None:
        return "-"
    return f"{entry['value']:.{digits}g} ± {entry['stderr']:.2g}"


def _num(value: Any, fmt: str = ".4g") -> str:
    return "-" if value is None else format(value, fmt)


def format_table(record: Mapping[str, Any]) -> str:
    """The table printed by ``run``/``report``/``fetch``: one row per point.

    Columns: exact QFI, exact CFI of the readout, measured F ± err (and its distance from the
    exact value of the method in standard errors), E_{N,0} ± err, its Bell-violation
    significance, nonlocality depth (qubits Bell-correlated, seed 000), 4 N^2 E, SQL = N,
    HL = N^2.
    """
    points = record.get("points", [])
    spec = record.get("spec", {})
    head = (f"{'state':<10}{'n':>3}{'t':>7} {'QFI':>8} {'CFI':>8}  {'F measured':>16} {'z':>5}  "
            f"{'E_N,0':>18} {'sigma':>6} {'depth':>5} {'4N^2E':>16} {'SQL':>4} {'HL':>4}")
    method = spec.get("measure", {}).get("fisher_method", "")
    lines = [f"{spec.get('name', 'run')}  (backend {record.get('backend', {}).get('name')}, "
             f"shots {spec.get('run', {}).get('shots')}, Fisher by {method}; "
             f"z = (F - exact F of the method) / err)"]
    if record.get("exact_noise", "spec") != "spec":
        lines.append("device run: QFI and CFI are noiseless; z and the line below a point use the exact values "
                     "under the device's noise")
    lines += [head, "-" * len(head)]
    for p in points:
        depth = p.get("nonlocality_depth")
        depth_txt = "-" if depth is None else str(depth)
        lines.append(
            f"{p['state']:<10}{p['n']:>3}{p['t']:>7.3g} {_num(p['qfi_exact'], '.3f'):>8} {_num(p['cfi_exact'], '.3f'):>8}  "
            f"{_pm(p.get('fisher_measured')):>16} {_num(p.get('fisher_z'), '.1f'):>5}  "
            f"{_pm(p.get('bell_correlator')):>18} {_num(p.get('bell_violation_sigma'), '.1f'):>6} {depth_txt:>5} "
            f"{_pm(p.get('qfi_bound_from_bell')):>16} {p['sql']:>4} {p['hl']:>4}"
        )
        extras = []
        if "pi_bell" in p:
            extras.append(f"PI Bell <B> = {_pm(p['pi_bell'])} (exact {_num(p.get('pi_bell_exact'))}; < 0 violates)")
        if "squeezing" in p:
            extras.append(f"squeezing xi^2 = {_pm(p['squeezing'])} (exact {_num(p.get('squeezing_exact'))})")
        dev = p.get("device_exact")
        if isinstance(dev, dict) and ("fisher_exact_method" in dev or "bell_correlator_exact" in dev):
            extras.append(f"exact with the device's noise: F = {_num(dev.get('fisher_exact_method'))}, "
                          f"E = {_num(dev.get('bell_correlator_exact'))}")
        elif isinstance(dev, dict) and "skipped" in dev:
            extras.append(f"exact with the device's noise: skipped ({dev['skipped']})")
        mit = p.get("mitigated")
        if isinstance(mit, dict):
            parts = []
            if "fisher_measured" in mit:
                parts.append(f"F = {_pm(mit['fisher_measured'])}")
            if "bell_correlator" in mit:
                parts.append(f"E = {_pm(mit['bell_correlator'])} ({_num(mit['bell_violation_sigma'], '.1f')} sigma, "
                             f"depth {mit['nonlocality_depth']}, 4N^2E = {_pm(mit['qfi_bound_from_bell'])})")
            if parts:
                extras.append("readout-mitigated: " + "; ".join(parts))
        if p.get("missing"):
            extras.append(f"missing: {', '.join(p['missing'])}")
        for role, why in (p.get("errors") or {}).items():
            extras.append(f"{role}: not estimated ({why})")
        for extra in extras:
            lines.append(f"{'':>21}{extra}")
    if record.get("missing"):
        lines.append(f"{len(record['missing'])} circuit(s) without counts; see the record's 'missing' entry")
    return "\n".join(lines)
