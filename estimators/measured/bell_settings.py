"""Bell-correlator setting metadata (docs/design.md, ``kind = "bell"``), parsed for ``measured.bell``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...axes import unit_axis

__all__ = ["BellSetting", "parse_bell_setting"]


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
