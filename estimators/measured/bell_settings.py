"""Bell-correlator setting metadata (docs/design.md, ``kind = "bell"``), parsed for ``measured.bell``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...axes import unit_axis

__all__ = ["BellSetting", "parse_bell_setting", "bind_sweep", "is_swept"]


def _setting_dict(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """Accept either a ``setting`` dict or a whole ``circuit.metadata`` holding one."""
    if not isinstance(meta, Mapping):
        raise TypeError(f"setting metadata must be a dict, got {type(meta).__name__}")
    if "kind" not in meta and isinstance(meta.get("setting"), Mapping):
        return meta["setting"]
    return meta


@dataclass(frozen=True)
class BellSetting:
    """One parsed Bell-correlator setting (docs/design.md, ``kind = "bell"``)."""

    phi: float
    index: int | None
    num_phases: int | None
    signs: tuple[int, ...]
    axis: tuple[float, float, float]


def parse_bell_setting(meta: Mapping[str, Any]) -> BellSetting:
    """Parse ``{"kind": "bell", "phi", "index", "num_phases", "signs", "axis"}``.

    A non-numeric ``phi`` (a parameter name such as ``"bell_phi"``) means the standard grid
    value ``pi * index / num_phases``.
    """
    meta = _setting_dict(meta)
    if meta.get("kind") != "bell":
        raise ValueError(f"not a Bell setting (kind {meta.get('kind')!r}); expected kind 'bell'")
    if "signs" not in meta:
        raise ValueError("Bell setting metadata lacks 'signs'; needed: phi, index, num_phases, signs, axis")
    index, num = meta.get("index"), meta.get("num_phases")
    for name, val in (("index", index), ("num_phases", num)):
        if val is not None and (isinstance(val, bool) or not isinstance(val, (int, np.integer))):
            raise ValueError(f"Bell setting {name} must be an int (or None for a bound sweep point), got {val!r}")
    if num is not None and (num < 2 or (index is not None and not 0 <= index < num)):
        raise ValueError(f"Bell setting needs 0 <= index < num_phases and num_phases >= 2, got {index}, {num}")
    signs = tuple(int(s) for s in meta["signs"])
    if not signs or any(s not in (1, -1) for s in signs):
        raise ValueError(f"Bell setting signs must be +1/-1 per qubit, got {list(meta['signs'])}")
    phi = meta.get("phi", "bell_phi")
    if isinstance(phi, str):
        if index is None or num is None:
            raise ValueError(
                f"Bell setting has symbolic phi {phi!r} and no index/num_phases: give the bound phase value"
            )
        phi = math.pi * index / num
    phi = float(phi)
    axis = tuple(float(a) for a in unit_axis(meta.get("axis", "z")))
    return BellSetting(phi, None if index is None else int(index), None if num is None else int(num), signs, axis)  # type: ignore[arg-type]


def _bindings(counts: Any) -> list[Any]:
    """Per-binding counts of a swept PUB: a list/tuple, or a BitArray of shape (P,) (``pub_result.data.meas``)."""
    shape = getattr(counts, "shape", None)
    if hasattr(counts, "num_shots") and shape is not None:  # a qiskit BitArray
        if len(shape) != 1:
            raise ValueError(f"a swept PUB's BitArray must have shape (P,), one entry per binding; got {shape}")
        return [counts[i] for i in range(shape[0])]
    if isinstance(counts, (list, tuple)):
        return list(counts)
    raise TypeError("swept counts must be a list (one per binding) or a BitArray of shape (P,); "
                    f"got {type(counts).__name__}")


def is_swept(meta: Mapping[str, Any], counts: Any) -> bool:
    """A Bell setting whose ``phi`` is a parameter name, with counts for several bindings."""
    setting = _setting_dict(meta)
    if setting.get("kind") != "bell" or not isinstance(setting.get("phi"), str) or setting.get("index") is not None:
        return False
    shape = getattr(counts, "shape", None)
    return isinstance(counts, (list, tuple)) or (hasattr(counts, "num_shots") and shape is not None and len(shape) == 1)


def bind_sweep(meta: Mapping[str, Any], counts: Any, values: Sequence[float] | np.ndarray | None = None
               ) -> list[tuple[dict[str, Any], Any]]:
    """A swept Bell PUB as ``(setting metadata, counts)`` pairs, one per binding (for ``analyse_bell``).

    Parameters
    ----------
    meta : dict
        The PUB circuit's metadata (or its ``setting``), ``kind = "bell"`` with ``phi`` a parameter
        name (``"bell_phi"``), as ``circuits.bell_setting(n, circuits.BELL_PHI, num_phases=P)`` records.
    counts : list or BitArray
        One counts-like entry per binding, or the PUB's ``BitArray`` of shape (P,).
    values : array, optional
        The bound phases, shape (P,) or (P, 1). Default: the contract's sweep ``phi_j = pi j / P``
        (``circuits.bell_phases``), bound in that order, with P = ``num_phases`` (or the number of bindings).

    Returns
    -------
    list of (dict, counts)
        Setting metadata with the bound ``phi``; ``index = j`` and ``num_phases = P`` for the standard
        sweep, ``None`` for explicit values (``analyse_bell`` then finds the grid from the phases).
    """
    setting = dict(_setting_dict(meta))
    if setting.get("kind") != "bell":
        raise ValueError(f"not a Bell setting (kind {setting.get('kind')!r}); expected kind 'bell'")
    per = _bindings(counts)
    num = setting.get("num_phases")
    if values is None:
        p = len(per) if num is None else int(num)
        if len(per) != p:
            raise ValueError(f"the Bell sweep has num_phases = {p} but {len(per)} bindings; give one per phase")
        return [({**setting, "phi": math.pi * j / p, "index": j, "num_phases": p}, c) for j, c in enumerate(per)]
    phases = np.asarray(values, dtype=float)
    if phases.ndim == 2 and phases.shape[1] == 1:
        phases = phases[:, 0]
    if phases.ndim != 1 or phases.size != len(per):
        raise ValueError(f"values must hold one bell_phi per binding, shape ({len(per)},) or ({len(per)}, 1); "
                         f"got shape {np.shape(values)}")
    return [({**setting, "phi": float(v), "index": None, "num_phases": None}, c) for v, c in zip(phases, per)]
