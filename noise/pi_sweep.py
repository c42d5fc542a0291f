"""Sweeps of the permutation-invariant engine: one task per parameter set, in-process or on a Dask cluster.

:func:`evolve_many` evaluates :func:`bellsense.noise.evolve` and the exact QFI (and, if asked, the
log10 of the Bell correlator ``E_{N,0}``) over a list of :class:`PIParams`, one
:class:`bellsense.cluster.Task` per parameter set, through :func:`bellsense.cluster.run_tasks`:
in-process without a cluster, else on the :class:`bellsense.cluster.ClusterSpec` (or open session)
given. A parameter set is plain data (probe name, n, times, local rates per qubit), so it travels
as JSON; Hamiltonians and collective jumps (callables) are for :func:`evolve` in one process.

The QFI is ``estimators.pi_qfi`` (the degeneracy-weighted sum over total-spin blocks),
``E_{N,0}`` is ``estimators.pi_bell_correlator_log10`` (Niezgoda & Chwedeńczuk, Phys. Rev. Lett. 126,
210506 (2021), arXiv:2011.06612, eq. 17). The results do
not depend on where the tasks ran: the engine is deterministic (no seeds involved).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["PIParams", "PI_PROBES", "PI_QUANTITIES", "evolve_many", "evolve_params"]

#: Probe states of a parameter set: GHZ, the coherent product ``|+>^n`` and the Dicke state ``|D_k^n>``.
PI_PROBES = ("ghz", "product", "dicke")
#: Quantities :func:`evolve_many` can return per time.
PI_QUANTITIES = ("qfi", "bell_log10")


def _rate(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be a finite rate >= 0 per qubit, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class PIParams:
    """One parameter set of a PI sweep: the probe, its size, the times and the local rates per qubit.

    Attributes
    ----------
    probe : str
        ``"ghz"``, ``"product"`` (``|+>^n``) or ``"dicke"`` (``|D_k^n>``, needs ``k``).
    n : int
        Number of qubits (>= 1).
    times : tuple of float
        Times (>= 0) at which the state is returned (as :func:`bellsense.noise.evolve`).
    dephasing, emission, pumping : float
        Rates per qubit (>= 0), as :func:`bellsense.noise.evolve`.
    k : int, optional
        Excitations of the Dicke probe (0 <= k <= n).
    """

    probe: str
    n: int
    times: tuple[float, ...]
    dephasing: float = 0.0
    emission: float = 0.0
    pumping: float = 0.0
    k: int | None = field(default=None)

    def __post_init__(self) -> None:
        if self.probe not in PI_PROBES:
            raise ValueError(f"probe {self.probe!r} is not one of {', '.join(PI_PROBES)}")
        if isinstance(self.n, bool) or not isinstance(self.n, int) or self.n < 1:
            raise ValueError(f"n must be an int >= 1, got {self.n!r}")
        times = tuple(float(t) for t in self.times)
        if not times or not all(math.isfinite(t) and t >= 0 for t in times):
            raise ValueError(f"times must be a non-empty sequence of finite times >= 0, got {self.times!r}")
        object.__setattr__(self, "times", times)
        for name in ("dephasing", "emission", "pumping"):
            object.__setattr__(self, name, _rate(getattr(self, name), name))
        if self.probe == "dicke":
            if isinstance(self.k, bool) or not isinstance(self.k, int) or not 0 <= self.k <= self.n:
                raise ValueError(f"the dicke probe needs an int k with 0 <= k <= n = {self.n}, got {self.k!r}")
        elif self.k is not None:
            raise ValueError(f"k is for the dicke probe only, got k = {self.k!r} with probe {self.probe!r}")

    @property
    def key(self) -> str:
        """The task key: every field, so that two different parameter sets never share a key."""
        times = ",".join(repr(t) for t in self.times)
        k = "" if self.k is None else f"/k={self.k}"
        return (f"pi/{self.probe}/n={self.n}{k}/gd={self.dephasing!r}/ge={self.emission!r}/gp={self.pumping!r}"
                f"/t={times}")


def _initial(params: PIParams) -> Any:
    import numpy as np

    from bellsense import states
    from bellsense.pistate import PIState

    if params.probe == "product":
        return PIState.product(params.n, np.array([1.0, 1.0]) / np.sqrt(2.0))
    if params.probe == "ghz":
        return PIState.from_dicke(states.ghz(params.n, "dicke"))
    assert params.k is not None
    return PIState.from_dicke(states.dicke(params.n, params.k, "dicke"))


def evolve_params(payload: dict[str, Any], seed: int) -> dict[str, list[float]]:
    """Task function: evolve one parameter set and return the quantities per time (``seed`` unused).

    ``payload``: the fields of :class:`PIParams`, plus ``quantities`` and ``axis``.
    """
    from bellsense import estimators

    from .pi_evolve import evolve

    fields = {k: v for k, v in payload.items() if k not in ("quantities", "axis")}
    params = PIParams(**{**fields, "times": tuple(fields["times"])})
    evolved = evolve(_initial(params), list(params.times), dephasing=params.dephasing, emission=params.emission,
                     pumping=params.pumping)
    out: dict[str, list[float]] = {}
    if "qfi" in payload["quantities"]:
        out["qfi"] = [float(estimators.pi_qfi(st, payload["axis"])) for st in evolved]
    if "bell_log10" in payload["quantities"]:
        out["bell_log10"] = [float(estimators.pi_bell_correlator_log10(st)) for st in evolved]
    return out


def evolve_many(param_sets: Sequence[PIParams], *, quantities: Sequence[str] = ("qfi",), axis: str = "z",
                cluster: Any = None, progress: bool = False) -> list[dict[str, list[float]]]:
    """Evolve every parameter set (one task each) and return ``{quantity: [value per time]}`` per set, in order.

    Parameters
    ----------
    param_sets : sequence of PIParams
        Distinct parameter sets (a repeated set is refused: its task key would be repeated).
    quantities : sequence of str
        ``"qfi"`` (the exact QFI about the collective ``axis``) and/or ``"bell_log10"``
        (``log10 E_{N,0}``, z axis).
    axis : str
        ``"x"``, ``"y"`` or ``"z"`` for the QFI.
    cluster : ClusterSpec or ClusterSession, optional
        Where the tasks run (:func:`bellsense.cluster.run_tasks`); None: in-process, without Dask.
    progress : bool
        A tqdm bar over the tasks.

    Raises
    ------
    ValueError
        An unknown quantity or axis, or a repeated parameter set.
    TypeError
        A parameter set that is not a :class:`PIParams`.
    """
    from bellsense.cluster import Task, run_tasks

    quantities = list(quantities)
    if not quantities or set(quantities) - set(PI_QUANTITIES):
        raise ValueError(f"quantities must be a non-empty subset of {PI_QUANTITIES}, got {quantities!r}")
    if axis not in ("x", "y", "z"):
        raise ValueError(f"axis must be 'x', 'y' or 'z', got {axis!r}")
    params = list(param_sets)
    for p in params:
        if not isinstance(p, PIParams):
            raise TypeError(f"param_sets must hold PIParams, got {type(p).__name__}")
    tasks = [Task(p.key, {**asdict(p), "quantities": quantities, "axis": axis}) for p in params]
    results = run_tasks(tasks, evolve_params, run_seed=0, cluster=cluster, progress=progress)
    return [r.value for r in results]
