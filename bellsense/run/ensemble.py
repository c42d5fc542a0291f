"""Mixed probe states run as classical ensembles of pure-state PUBs (issue 13: the ``gibbs`` probe).

A mixed symmetric state ``rho = sum_k w_k |psi_k><psi_k|`` (eigen-decomposition, ``circuits.symmetric_ensemble``)
is run as one PUB per member and per measurement setting, each member prepared by ``circuits.symmetric_state``
in its share of the shots. The counts of the members of one setting are then summed (:func:`merge_counts`):
an outcome drawn from member k with probability ``w_k`` and then from ``|psi_k>`` is an outcome of ``rho``,
so every estimator sees ordinary counts of the mixed state.

Shots: ``shots_k = floor(w_k S)`` plus one for the ``S - sum_k floor(w_k S)`` members with the largest
remainders (ties: the lower index), :func:`split_shots`. Deterministic rather than a seeded multinomial:
the circuits (and their shots) then do not depend on a seed, so setup, a Dask worker and ``bellsense fetch``
build the same PUBs; the realised share of each member differs from ``w_k`` by less than ``1/S`` (a bias far
below the statistical error ``~ 1/sqrt(S)``), and fixing the shares (stratified sampling) can only lower the
variance, so the multinomial error bars the estimators compute from the merged counts are conservative.
Members with 0 shots are not run.

``gibbs`` is the Gibbs state ``exp(-beta H) / Z`` of the LMG model ``H = (J/N) S_z^2 - h S_x`` (Marconi,
Riera-Campeny, Sanpera & Aloy, arXiv:2202.12079 (2022), eq. 4; ``bellsense.models.lmg_gibbs_state``).

In the record the members of one PUB are one :class:`~bellsense.records.CircuitEntry` (:func:`merge_entries`):
its counts are the merged counts and its ``ensemble`` lists every member (index, weight, shots, its own PUB
of the job, status and counts); :func:`collect_members` fills both from a job's outcomes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from ..pistate import PIState
from ..records import Binding, CircuitEntry, EnsembleMember
from ..spec import ExperimentSpec

__all__ = ["ENSEMBLE_STATES", "ensemble_dicke", "ensemble_pi_state", "split_shots", "ensemble_preps",
           "merge_counts", "merge_entries", "collect_members"]

#: Probe states that are mixed: run as classical ensembles of pure symmetric states.
ENSEMBLE_STATES = ("gibbs",)


def ensemble_dicke(spec: ExperimentSpec, state: str, n: int) -> np.ndarray:
    """The Dicke-basis density matrix ((n+1) x (n+1)) of a mixed probe state for the spec's parameters."""
    from .. import models

    probe = spec.probe
    if state != "gibbs":
        raise ValueError(f"state {state!r} is not a mixed probe state; allowed: {', '.join(ENSEMBLE_STATES)}")
    if probe.coupling is None or probe.field is None or probe.beta is None:
        raise ValueError("state 'gibbs' needs probe.coupling, probe.field and probe.beta")
    return models.lmg_gibbs_state(n, probe.coupling, probe.field, probe.beta)


def ensemble_pi_state(spec: ExperimentSpec, state: str, n: int) -> PIState:
    """The mixed probe as a ``PIState`` (the exact reference: ``PIState.from_dicke(rho)``)."""
    return PIState.from_dicke(ensemble_dicke(spec, state, n))


def split_shots(weights: Sequence[float], shots: int) -> list[int]:
    """Shots per member: ``floor(w_k S)``, the remainder one each to the largest remainders (ties: lower index).

    The shares ``shots_k / S`` differ from the normalised weights by less than ``1/S``; the total is ``S``.

    Raises
    ------
    ValueError
        If a weight is negative or not finite, all are zero, or ``shots`` is not a positive integer.
    """
    w = np.asarray(weights, dtype=float)
    if isinstance(shots, bool) or not isinstance(shots, (int, np.integer)) or shots < 1:
        raise ValueError(f"shots must be a positive integer, got {shots!r}")
    if w.ndim != 1 or w.size == 0 or not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError(f"weights must be a non-empty list of finite numbers >= 0, not all 0; got {list(w)}")
    exact = w / w.sum() * int(shots)
    base = np.floor(exact).astype(int)
    extra = int(shots) - int(base.sum())
    order = np.lexsort((np.arange(w.size), -(exact - base)))  # largest remainder first, then lower index
    base[order[:extra]] += 1
    return [int(b) for b in base]


def ensemble_preps(spec: ExperimentSpec, state: str, n: int, shots: int) -> list[tuple[int, Any]]:
    """``(shots_k, preparation circuit)`` of every member that gets shots, largest weight first.

    Each circuit's ``metadata["prep"]`` is ``{"state", "n", <the model parameters>, "ensemble": {"index",
    "weight", "size", "shots"}}`` (index and size within ``circuits.symmetric_ensemble``'s decomposition).
    """
    from ..circuits import symmetric_ensemble

    probe = spec.probe
    members = symmetric_ensemble(ensemble_dicke(spec, state, n))
    split = split_shots([m.weight for m in members], shots)
    out = []
    for index, (member, count) in enumerate(zip(members, split)):
        if count == 0:
            continue
        qc = member.circuit
        qc.name = f"{state}_{n}_member{index}"
        qc.metadata = {"prep": {"state": state, "n": int(n), "coupling": probe.coupling, "field": probe.field,
                                "beta": probe.beta, "ensemble": {"index": index, "weight": float(member.weight),
                                                                 "size": len(members), "shots": int(count)}}}
        out.append((int(count), qc))
    return out


def merge_counts(counts: Sequence[Mapping[str, int]]) -> dict[str, int]:
    """The sum of several counts dicts (the members of one setting): counts of the mixture, keys sorted.

    Raises
    ------
    ValueError
        If there are no counts, or the bit strings do not all have one width.
    """
    if not counts:
        raise ValueError("merge_counts needs the counts of at least one member")
    out: dict[str, int] = {}
    for member in counts:
        for key, value in member.items():
            out[key] = out.get(key, 0) + int(value)
    if len({len(k) for k in out}) > 1:
        raise ValueError(f"members' bit strings have widths {sorted({len(k) for k in out})}; they must have one")
    return dict(sorted(out.items()))


def _member_info(metadata: Mapping[str, Any]) -> Mapping[str, Any] | None:
    prep = metadata.get("prep")
    return prep.get("ensemble") if isinstance(prep, Mapping) else None


def _without_member(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata of the mixed state's PUB: the member's ``prep.ensemble`` removed."""
    out = dict(metadata)
    if isinstance(out.get("prep"), Mapping):
        out["prep"] = {k: v for k, v in out["prep"].items() if k != "ensemble"}
    return out


def merge_entries(entries: Sequence[CircuitEntry]) -> list[CircuitEntry]:
    """Circuit entries with the member PUBs of each ensemble setting joined into one entry (order kept).

    Members belong together when their job, point, role and metadata (apart from ``prep.ensemble``) agree.
    The joined entry has the first member's PUB index, the mixed state's metadata, the merged counts (or
    none yet) and ``ensemble``: one :class:`~bellsense.records.EnsembleMember` per member. Entries of pure
    states pass unchanged.
    """
    out: list[CircuitEntry | list[CircuitEntry]] = []
    groups: dict[str, list[CircuitEntry]] = {}
    for entry in entries:
        if _member_info(entry.metadata) is None:
            out.append(entry)
            continue
        key = json.dumps([entry.job, entry.point, entry.role, _without_member(entry.metadata)], sort_keys=True)
        if key not in groups:
            groups[key] = []
            out.append(groups[key])
        groups[key].append(entry)
    return [item if isinstance(item, CircuitEntry) else _joined(item) for item in out]


def _joined(members: Sequence[CircuitEntry]) -> CircuitEntry:
    first = members[0]
    infos = [_member_info(m.metadata) or {} for m in members]
    ensemble = [EnsembleMember(index=int(info["index"]), weight=float(info["weight"]), shots=int(info["shots"]),
                               pub=m.pub, status=m.status, error=m.error,
                               counts=None if not m.complete else [dict(b.counts or {}) for b in m.bindings])
                for info, m in zip(infos, members)]
    bindings = [Binding(values=b.values, metadata=_without_member(b.metadata), counts=None) for b in first.bindings]
    joined = first.model_copy(update={"metadata": _without_member(first.metadata), "bindings": bindings,
                                      "ensemble": ensemble})
    return _with_merged(joined)


def _with_merged(entry: CircuitEntry) -> CircuitEntry:
    """The entry's status, error and counts from its members: merged counts once every member is done."""
    members = entry.ensemble or []
    failed = [m for m in members if m.status != "DONE" or m.counts is None]
    if failed:
        errors = [f"member {m.index}: {m.error}" for m in failed if m.error]
        bindings = [b.model_copy(update={"counts": None}) for b in entry.bindings]
        return entry.model_copy(update={"status": failed[0].status, "error": "; ".join(errors) or None,
                                        "bindings": bindings})
    bindings = [b.model_copy(update={"counts": merge_counts([(m.counts or [])[i] for m in members])})
                for i, b in enumerate(entry.bindings)]
    return entry.model_copy(update={"status": "DONE", "error": None, "bindings": bindings})


def collect_members(entry: CircuitEntry, outcomes: Any) -> CircuitEntry:
    """An ensemble entry with every member's status, error and counts from ``outcomes`` (``backends.JobResults``
    of its job, indexed by PUB), and the merged counts of the mixed state when all members are done."""
    members = []
    for m in entry.ensemble or []:
        out = outcomes[m.pub]
        counts = [{k: int(v) for k, v in c.items()} for c in out.counts()] if out.ok else None
        members.append(m.model_copy(update={"status": out.status, "error": out.error, "counts": counts}))
    return _with_merged(entry.model_copy(update={"ensemble": members}))
