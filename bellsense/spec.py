"""The experiment spec: a frozen dataclass, loadable from TOML, validated strictly.

A spec names the probe state(s), the system sizes, the encoding and sensing
window, the noise, the quantities to measure and how to run. A TOML file has
the sections ``[probe]``, ``[sensing]``, ``[noise]``, ``[measure]`` and
``[run]`` (plus top-level ``name`` and ``description``)::

    name = "ghz-vs-product"
    [probe]
    states = ["ghz", "product"]   # or state = "ghz"
    n = [2, 3, 4]                 # an int or a list (a sweep)
    [sensing]
    axis = "z"                    # encoding generator J_axis
    theta = "optimal"             # working point, or a float (radians)
    t = [0.0, 0.5, 1.0]           # sensing times (a sweep)
    phi = 0.0                     # field: the window rotates by phi * t
    [noise]
    dephasing = 0.05              # gamma of L = sigma_z (per unit of t)
    [measure]
    quantities = ["fisher", "bell"]
    [run]
    shots = 2000
    seed = 7
    backend = "aer"

Several noise settings, each point run once per setting: ``[[noise]]`` tables instead of ``[noise]``
(``[[noise]]`` / ``dephasing = 0.0`` / ``label = "ideal"`` / ``[[noise]]`` / ``dephasing = 0.2``;
:mod:`bellsense.spec_noise`).

Unknown keys and bad values raise :class:`SpecError` (a ``ValueError``) whose
message names the key, the file and the allowed values: a typo never runs a
different experiment silently.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import SpecError
from .noise import NoiseSpec
from .spec_noise import check_noises, default_noise_labels, noises_to_dict, parse_noises
from .spec_probe import OPTIMAL_MAX_QUBITS, STATES, ProbeSpec
from .spec_values import MAX_SEED, MAX_SHOTS
from .spec_values import as_tuple as _as_tuple
from .spec_values import fail as _fail
from .spec_values import integer as _integer
from .spec_values import number as _number

QUANTITIES = ("fisher", "bell", "pi_bell", "squeezing")
FISHER_METHODS = ("moments", "hellinger", "finite_difference")
READOUTS = ("auto", "parity", "collective")
EXACT_MODES = ("auto", "off")
#: Readout mitigation: the tensored per-qubit inversion, or mthree (optional extra ``bellsense[m3]``).
MITIGATIONS = ("tensored", "m3")
AXES = ("x", "y", "z")
#: Backend names: ``aer``, ``aer:<method>``, ``fake_<device>``, ``ibm_<device>``, ``ibm:least_busy``.
BACKEND_PATTERN = re.compile(r"^(aer(:[a-z_]+)?|fake_[a-z0-9_]+|ibm_[a-z0-9_]+|ibm:least_busy)$")
BACKEND_FORMS = "'aer', 'aer:<method>', 'fake_<device>', 'ibm_<device>' or 'ibm:least_busy'"
#: Re-exported: the ``[probe]`` section lives in :mod:`bellsense.spec_probe`.
__all__ = ["STATES", "OPTIMAL_MAX_QUBITS", "ProbeSpec", "QUANTITIES", "FISHER_METHODS", "READOUTS", "EXACT_MODES",
           "MITIGATIONS", "AXES", "BACKEND_PATTERN", "BACKEND_FORMS", "SensingSpec", "MeasureSpec", "RunSpec",
           "ExperimentSpec", "SpecError", "MAX_SEED", "MAX_SHOTS", "load_spec"]


@dataclass(frozen=True)
class SensingSpec:
    """Encoding ``exp(-i theta J_axis)`` at the working point theta, after a window of time t in field phi.

    ``theta = "optimal"`` lets the runner choose the working point of the
    readout that maximises its Fisher information.
    """

    axis: str = "z"
    theta: float | str = "optimal"
    t: tuple[float, ...] = (0.0,)
    phi: float = 0.0

    def __post_init__(self) -> None:
        if self.axis not in AXES:
            raise _fail("sensing.axis", f"unknown axis {self.axis!r}", "'x', 'y' or 'z'")
        if isinstance(self.theta, str):
            if self.theta != "optimal":
                raise _fail("sensing.theta", f"{self.theta!r} is not understood", "'optimal' or a number (radians)")
        else:
            object.__setattr__(self, "theta", _number("sensing.theta", self.theta,
                                                      allowed="'optimal' or a number (radians)"))
        ts = _as_tuple(self.t)
        if not ts:
            raise _fail("sensing.t", "is empty", "a time >= 0 or a list of them")
        object.__setattr__(self, "t", tuple(_number("sensing.t", t, minimum=0.0,
                                                    allowed="a time >= 0 or a list of them") for t in ts))
        if len(set(self.t)) != len(self.t):
            raise _fail("sensing.t", f"{list(self.t)} repeats a time", "each time once")
        object.__setattr__(self, "phi", _number("sensing.phi", self.phi, allowed="a finite field (radians per unit t)"))


@dataclass(frozen=True)
class MeasureSpec:
    """Which quantities to measure and how.

    ``fisher_method``: ``"moments"`` (error propagation of the readout's
    statistic, ``F = (d<M>/dtheta)^2 / Var M``), ``"hellinger"`` (fit of the
    Hellinger distance between Hamming-weight distributions at ``theta0`` and
    ``theta0 +- delta, +- 2 delta``, Strobel et al. 2014) or
    ``"finite_difference"`` (central differences of the Hamming-weight
    distribution at ``theta0 +- delta``); the estimators are those of
    ``bellsense.estimators`` (``fisher_moments``, ``fisher_hellinger``,
    ``fisher_finite_difference``).
    ``readout``: ``"parity"`` (every qubit in the plane normal to the axis,
    parity), ``"collective"`` (collective spin), or ``"auto"`` (parity for GHZ and
    network states, collective otherwise). ``delta``: the finite-difference
    step, in units of ``1/n`` for parity readouts and of 1 otherwise.
    ``pi_bell_angles``: ``[phi, theta]`` of the PI Bell settings (Marconi et al., arXiv:2202.12079), or
    ``"optimal"``: per point, ``estimators.pi_bell_minimum`` of the exact window state (in the exact entry).
    ``mitigate``: apply readout-error mitigation where calibration exists.
    ``mitigation``: ``"tensored"`` (per-qubit inversion, default) or ``"m3"`` (mthree 3.x, optional).
    ``exact``: ``"auto"`` computes the exact reference values (permutation-invariant engine or dense,
    ``run.exact.exact_method``); ``"off"`` skips that stage (the table shows n/a).
    """

    quantities: tuple[str, ...] = ("fisher",)
    fisher_method: str = "moments"
    readout: str = "auto"
    delta: float = 0.2
    pi_bell_angles: tuple[float, float] | str | None = None
    mitigate: bool = True
    exact: str = "auto"
    mitigation: str = "tensored"

    def __post_init__(self) -> None:
        qs = _as_tuple(self.quantities)
        object.__setattr__(self, "quantities", qs)
        if not qs:
            raise _fail("measure.quantities", "is empty", ", ".join(QUANTITIES))
        for q in qs:
            if q not in QUANTITIES:
                raise _fail("measure.quantities", f"unknown quantity {q!r}", ", ".join(QUANTITIES))
        if self.fisher_method not in FISHER_METHODS:
            raise _fail("measure.fisher_method", f"unknown method {self.fisher_method!r}", ", ".join(FISHER_METHODS))
        if self.readout not in READOUTS:
            raise _fail("measure.readout", f"unknown readout {self.readout!r}", ", ".join(READOUTS))
        object.__setattr__(self, "delta", _number("measure.delta", self.delta, minimum=1e-6, maximum=1.0,
                                                  allowed="a step 0 < delta <= 1"))
        if isinstance(self.pi_bell_angles, str) and (self.pi_bell_angles != "optimal" or self.exact == "off"):
            raise _fail("measure.pi_bell_angles", f"{self.pi_bell_angles!r} is not understood ('optimal' needs "
                        "exact = 'auto')", "'optimal' (with exact = 'auto') or [phi, theta] in radians")
        elif self.pi_bell_angles is not None and not isinstance(self.pi_bell_angles, str):
            angles = _as_tuple(self.pi_bell_angles)
            if len(angles) != 2:
                raise _fail("measure.pi_bell_angles", f"{list(angles)} has {len(angles)} entries", "[phi, theta]")
            object.__setattr__(self, "pi_bell_angles", tuple(
                _number("measure.pi_bell_angles", a, allowed="[phi, theta] in radians") for a in angles))
        if not isinstance(self.mitigate, bool):
            raise _fail("measure.mitigate", f"{self.mitigate!r} is not a boolean", "true or false")
        if self.exact not in EXACT_MODES:
            raise _fail("measure.exact", f"{self.exact!r} is not understood", ", ".join(map(repr, EXACT_MODES)))
        if self.mitigation not in MITIGATIONS:
            raise _fail("measure.mitigation", f"unknown method {self.mitigation!r}", ", ".join(map(repr, MITIGATIONS)))
        if self.mitigation == "m3" and importlib.util.find_spec("mthree") is None:  # checked, not imported
            raise _fail("measure.mitigation", "'m3' needs the optional package mthree, which is not installed",
                        "'tensored', or install it: pip install 'bellsense[m3]'")


@dataclass(frozen=True)
class RunSpec:
    """Shots, seed and backend.

    ``dynamical_decoupling`` and ``twirling`` go to hardware samplers; ``time_unit`` is the
    length in seconds of one unit of the sensing time t on a device (the window becomes
    ``delay(t * time_unit)``; the backends' default is 1e-6, t in microseconds). ``drop_fraction`` is the
    fraction of a device's worst qubits and couplers the layout never uses (the backends' default 0.1):
    lower it to place a GHZ tree wider than the largest good connected set.
    """

    shots: int = 2000
    seed: int | None = 1234
    backend: str = "aer"
    dynamical_decoupling: bool = False
    twirling: bool = False
    time_unit: float | None = None
    drop_fraction: float | None = None

    def __post_init__(self) -> None:
        shots_allowed = "an integer >= 1, at most 10**8"
        _integer("run.shots", self.shots, minimum=1, allowed=shots_allowed)
        if self.shots > MAX_SHOTS:
            raise _fail("run.shots", f"{self.shots} is above 10**8", shots_allowed)
        if self.seed is not None:
            _integer("run.seed", self.seed, minimum=0, allowed="an integer >= 0, at most 2**63 - 1")
            if self.seed > MAX_SEED:
                raise _fail("run.seed", f"{self.seed} is above 2**63 - 1", "an integer >= 0, at most 2**63 - 1")
        if not isinstance(self.backend, str) or not BACKEND_PATTERN.match(self.backend):
            raise _fail("run.backend", f"unknown backend {self.backend!r}", BACKEND_FORMS)
        for name in ("dynamical_decoupling", "twirling"):
            if not isinstance(getattr(self, name), bool):
                raise _fail(f"run.{name}", f"{getattr(self, name)!r} is not a boolean", "true or false")
        if self.time_unit is not None:
            value = _number("run.time_unit", self.time_unit, minimum=0.0, allowed="seconds per unit of t, > 0")
            if value == 0:
                raise _fail("run.time_unit", "is 0", "seconds per unit of t, > 0")
            object.__setattr__(self, "time_unit", value)
        if self.drop_fraction is not None:
            drop = _number("run.drop_fraction", self.drop_fraction, minimum=0.0, allowed="a number in [0, 1)")
            if drop >= 1:
                raise _fail("run.drop_fraction", f"{drop} is not below 1", "a number in [0, 1)")
            object.__setattr__(self, "drop_fraction", drop)


_SECTIONS: dict[str, type] = {
    "probe": ProbeSpec,
    "sensing": SensingSpec,
    "measure": MeasureSpec,
    "run": RunSpec,
}
#: TOML spellings accepted for list-valued fields given as one value.
_ALIASES = {("probe", "state"): "states", ("measure", "quantity"): "quantities"}


@dataclass(frozen=True)
class ExperimentSpec:
    """A whole sensing experiment. Build it directly, or with :func:`load_spec` / :meth:`from_dict`.

    ``noises``: the noise settings (TOML ``[noise]``, or several ``[[noise]]`` tables, :mod:`bellsense.spec_noise`);
    every ``(state, n, t)`` point runs once per setting. ``noise_labels``: their names as given (``None``, also
    when they equal the defaults: ``spec_noise.default_noise_labels``, so that a copy with other ``noises`` gets
    fresh ones); :meth:`noise_label` is the name in use. A point's setting is ``noises[plan.noise_index]``.
    """

    name: str = "experiment"
    description: str = ""
    probe: ProbeSpec = field(default_factory=ProbeSpec)
    sensing: SensingSpec = field(default_factory=SensingSpec)
    noises: tuple[NoiseSpec, ...] = (NoiseSpec(),)
    measure: MeasureSpec = field(default_factory=MeasureSpec)
    run: RunSpec = field(default_factory=RunSpec)
    noise_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise _fail("name", f"{self.name!r} is not a non-empty string", "a short name")
        if not isinstance(self.description, str):
            raise _fail("description", f"{self.description!r} is not a string", "a string")
        for key, cls in _SECTIONS.items():
            if not isinstance(getattr(self, key), cls):
                raise TypeError(f"{key} must be a {cls.__name__}, got {type(getattr(self, key)).__name__}")
        object.__setattr__(self, "noises", _as_tuple(self.noises))
        for i, nz in enumerate(self.noises):
            if not isinstance(nz, NoiseSpec):
                raise TypeError(f"noises[{i}] must be a NoiseSpec, got {type(nz).__name__}")
        defaults = default_noise_labels(self.noises)
        labels = defaults if self.noise_labels is None else _as_tuple(self.noise_labels)
        check_noises(self.noises, labels, self.run.backend)
        object.__setattr__(self, "noise_labels", None if labels == defaults else labels)
        if self.run.time_unit is not None and self.run.backend.startswith("aer") and self.device is None:
            raise _fail("run.time_unit", f"does not apply to backend {self.run.backend!r} (t is in the units of "
                        "the noise rates there)", "time_unit with a 'fake_<device>' or 'ibm_<device>' backend only")
        if self.run.drop_fraction is not None and self.run.backend.startswith("aer") and self.device is None:
            raise _fail("run.drop_fraction", f"does not apply to backend {self.run.backend!r} (no device layout)",
                        "drop_fraction with a 'fake_<device>' or 'ibm_<device>' backend only")
        if "pi_bell" in self.measure.quantities and self.measure.pi_bell_angles is None:
            raise _fail("measure.pi_bell_angles", "is missing for quantity 'pi_bell'",
                        "'optimal' or [phi, theta] in radians")

    def noise_label(self, index: int) -> str:
        """The label of noise setting ``index`` (as given, or the default of ``spec_noise.default_noise_labels``)."""
        return (self.noise_labels or default_noise_labels(self.noises))[index]

    @property
    def device(self) -> str | None:
        """The fake device of the noise setting (``[noise] device``; only ever in a spec's one setting), or None."""
        return self.noises[0].device if len(self.noises) == 1 else None

    # ------------------------------------------------------------------ points
    def points(self) -> list[tuple[str, int, float]]:
        """Every ``(state, n, t)`` point of the sweep, in run order: the whole sweep once per noise setting.

        Point ``i`` has the setting ``point_noises()[i]`` (an index into :attr:`noises`).
        """
        sweep = [(s, n, t) for s in self.probe.states for n in self.probe.n for t in self.sensing.t]
        return sweep * len(self.noises)

    def point_noises(self) -> list[int]:
        """The noise setting (index into :attr:`noises`) of every point of :meth:`points`, in run order."""
        size = len(self.probe.states) * len(self.probe.n) * len(self.sensing.t)
        return [k for k in range(len(self.noises)) for _ in range(size)]

    # ------------------------------------------------------------ conversions
    def to_dict(self) -> dict[str, Any]:
        """The spec as a TOML-shaped, JSON-safe dict (``None`` entries dropped)."""
        out: dict[str, Any] = {"name": self.name, "description": self.description}
        for key in _SECTIONS:
            if key == "measure":  # the TOML order: probe, sensing, noise, measure, run
                out["noise"] = noises_to_dict(self.noises, [self.noise_label(k) for k in range(len(self.noises))])
            section = {}
            for f in dataclasses.fields(getattr(self, key)):
                value = getattr(getattr(self, key), f.name)
                if value is not None:
                    section[f.name] = list(value) if isinstance(value, tuple) else value
            out[key] = section
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], source: str = "<spec>") -> ExperimentSpec:
        """Build and validate a spec from a TOML-shaped dict.

        Raises
        ------
        SpecError
            ``"<source>: <key>: <problem>; allowed: <values>"`` for an unknown
            section or key, a wrong type or a value out of range.
        """
        try:
            return cls._from_dict(data)
        except SpecError as exc:
            raise SpecError(f"{source}: {exc}") from None

    @classmethod
    def _from_dict(cls, data: Mapping[str, Any]) -> ExperimentSpec:
        if not isinstance(data, Mapping):
            raise _fail("<top>", f"{type(data).__name__} is not a table", "a TOML table")
        top = {"name", "description", "noise", *_SECTIONS}
        for key in data:
            if key not in top:
                raise _fail(str(key), "unknown key", ", ".join(sorted(top)))
        kwargs: dict[str, Any] = {k: data[k] for k in ("name", "description") if k in data}
        if "noise" in data:
            noises, labels = parse_noises(data["noise"])
            kwargs["noises"] = noises
            if labels is not None:
                kwargs["noise_labels"] = labels
        for key, section_cls in _SECTIONS.items():
            table = data.get(key, {})
            if not isinstance(table, Mapping):
                raise _fail(key, f"{table!r} is not a table", f"a [{key}] section")
            names = [f.name for f in dataclasses.fields(section_cls)]
            values = {}
            for sub, value in table.items():
                target = _ALIASES.get((key, sub), sub)
                if target not in names:
                    spelled = sorted(names + [a for (s, a) in _ALIASES if s == key])
                    raise _fail(f"{key}.{sub}", "unknown key", ", ".join(spelled))
                if target in values:
                    raise _fail(f"{key}.{sub}", f"given twice (also as {target!r})", "one of the two spellings")
                values[target] = value
            if key == "probe" and "n" not in values and isinstance(values.get("amplitudes"), list) \
                    and len(values["amplitudes"]) >= 2:
                values["n"] = len(values["amplitudes"]) - 1  # a symmetric state fixes n
            try:
                kwargs[key] = section_cls(**values)
            except TypeError as exc:  # e.g. a table where a number belongs
                raise _fail(key, str(exc), f"the keys of [{key}]") from None
        return cls(**kwargs)

    def with_overrides(self, *, n: list[int] | int | None = None, t: list[float] | float | None = None,
                       shots: int | None = None, seed: int | None = None, backend: str | None = None,
                       states: list[str] | None = None) -> ExperimentSpec:
        """A copy with command-line (or test) overrides, validated like the original."""
        spec = self
        if n is not None or states is not None:
            probe_kw: dict[str, Any] = {}
            if n is not None:
                probe_kw["n"] = _as_tuple(n)
            if states is not None:
                probe_kw["states"] = _as_tuple(states)
            spec = dataclasses.replace(spec, probe=dataclasses.replace(spec.probe, **probe_kw))
        if t is not None:
            spec = dataclasses.replace(spec, sensing=dataclasses.replace(spec.sensing, t=_as_tuple(t)))
        run_kw: dict[str, Any] = {k: v for k, v in (("shots", shots), ("seed", seed), ("backend", backend))
                                  if v is not None}
        if run_kw:
            spec = dataclasses.replace(spec, run=dataclasses.replace(spec.run, **run_kw))
        return spec


def load_spec(path: str | Path) -> ExperimentSpec:
    """Read and validate a TOML spec file.

    Raises
    ------
    SpecError
        For a missing or unreadable file, bad TOML, or any bad key or value;
        the message starts with the file name.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read the spec ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not a text file (byte {exc.start} is not UTF-8); allowed: a TOML spec, "
                        "see examples/") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML ({exc})") from None
    if not data:  # an empty file would otherwise run the default experiment
        raise SpecError(f"{path}: the spec is empty; allowed: a TOML spec with at least a [probe] section, "
                        "see examples/")
    return ExperimentSpec.from_dict(data, source=str(path))
