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

from typing import Any, Mapping, Sequence

from .spec import ExperimentSpec


def _estimate(value: float, stderr: float, **extra: Any) -> dict[str, Any]:
    return {"value": float(value), "stderr": float(stderr), **extra}


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
    from .estimators import pi_bell_from_counts

    est = pi_bell_from_counts([(e["bindings"][0]["metadata"], e["bindings"][0]["counts"]) for e in entries])
    return {"pi_bell": _estimate(est.value, est.stderr), "pi_bell_sigma": float(-est.significance(0.0))}


def _squeezing(entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    from .estimators import squeezing_from_counts

    est = squeezing_from_counts([(e["bindings"][0]["metadata"], e["bindings"][0]["counts"]) for e in entries])
    return {"squeezing": _estimate(est.value, est.stderr)}


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
        for role in spec.measure.quantities:
            entries = roles.get(role, [])
            if not _complete(entries):
                point["missing"].append(role)
                continue
            if role == "fisher":
                samples = [(b["metadata"]["encoding"]["theta"], b["counts"]) for b in entries[0]["bindings"]]
                fm = fisher_from_counts(samples, float(ex["theta"]), n, ex["statistic"], method)
                point["fisher_measured"] = fm
                ref = ex["fisher_exact_method"]
                point["fisher_z"] = (fm["value"] - ref) / fm["stderr"] if fm["stderr"] > 0 else None
            elif role == "bell":
                point.update(_bell(entries))
            elif role == "pi_bell":
                point.update(_pi_bell(entries))
            elif role == "squeezing":
                point.update(_squeezing(entries))
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
    head = (f"{'state':<8}{'n':>3}{'t':>7} {'QFI':>8} {'CFI':>8}  {'F measured':>16} {'z':>5}  "
            f"{'E_N,0':>18} {'sigma':>6} {'depth':>5} {'4N^2E':>16} {'SQL':>4} {'HL':>4}")
    method = spec.get("measure", {}).get("fisher_method", "")
    lines = [f"{spec.get('name', 'run')}  (backend {record.get('backend', {}).get('name')}, "
             f"shots {spec.get('run', {}).get('shots')}, Fisher by {method}; "
             f"z = (F - exact F of the method) / err)", head, "-" * len(head)]
    for p in points:
        depth = p.get("nonlocality_depth")
        depth_txt = "-" if depth is None else str(depth)
        lines.append(
            f"{p['state']:<8}{p['n']:>3}{p['t']:>7.3g} {_num(p['qfi_exact'], '8.3f')} {_num(p['cfi_exact'], '8.3f')}  "
            f"{_pm(p.get('fisher_measured')):>16} {_num(p.get('fisher_z'), '5.1f')}  "
            f"{_pm(p.get('bell_correlator')):>18} {_num(p.get('bell_violation_sigma'), '6.1f')} {depth_txt:>5} "
            f"{_pm(p.get('qfi_bound_from_bell')):>16} {p['sql']:>4} {p['hl']:>4}"
        )
        extras = []
        if "pi_bell" in p:
            extras.append(f"PI Bell <B> = {_pm(p['pi_bell'])} (exact {_num(p.get('pi_bell_exact'))}; < 0 violates)")
        if "squeezing" in p:
            extras.append(f"squeezing xi^2 = {_pm(p['squeezing'])} (exact {_num(p.get('squeezing_exact'))})")
        if p.get("missing"):
            extras.append(f"missing: {', '.join(p['missing'])}")
        for extra in extras:
            lines.append(f"{'':>19}{extra}")
    if record.get("missing"):
        lines.append(f"{len(record['missing'])} circuit(s) without counts; see the record's 'missing' entry")
    return "\n".join(lines)
