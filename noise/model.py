"""Noise specified in physical units, and the Aer ``NoiseModel`` of a noisy sensing window.

A :class:`NoiseSpec` holds rates (per unit of the window time t), T1/T2, the collective
dephasing rate, readout and gate errors. :func:`window_noise_model` turns it into a
``NoiseModel`` for a window of duration t on n qubits: the local channels are attached to the
``RZGate(phi t, label="sensing_window")`` gates (docs/design.md), so they act exactly once per
qubit per window. Collective dephasing is an n-qubit channel and cannot hang on a 1-qubit
label; :func:`noisy_window` inserts it in the circuit (``apply_collective``) and returns the
circuit with its model.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from qiskit import QuantumCircuit
from qiskit_aer.noise import NoiseModel, QuantumError, ReadoutError, depolarizing_error

from bellsense.errors import SpecError

from .channels import Direction, _nonneg, local_channels, per_qubit, thermal
from .collective import WINDOW_LABEL, apply_collective
from .device import device_noise_model

__all__ = [
    "NoiseSpec",
    "window_noise_model",
    "window_channels",
    "noisy_window",
    "ONE_QUBIT_GATES",
    "TWO_QUBIT_GATES",
]

Rates = float | tuple[float, ...]

#: Gate names that receive the 1-qubit depolarising gate error (the window RZ is matched by its
#: label, not by "rz", so it never gets gate error; plain "rz" is virtual on IBM hardware).
ONE_QUBIT_GATES: tuple[str, ...] = ("x", "y", "z", "h", "s", "sdg", "sx", "sxdg", "t", "tdg",
                                    "rx", "ry", "u", "u1", "u2", "u3", "p", "r")
#: Gate names that receive the 2-qubit depolarising gate error.
TWO_QUBIT_GATES: tuple[str, ...] = ("cx", "cz", "cy", "ecr", "swap", "cp", "crz", "rzz", "rxx", "ryy")


def _rates(value, name: str) -> Rates:
    """Scalar >= 0, or a tuple of them (frozen dataclasses need hashable fields)."""
    if isinstance(value, (list, tuple, np.ndarray)):
        arr = np.asarray(value, dtype=float).reshape(-1)
        if arr.size == 0:
            raise ValueError(f"{name} is an empty list; give a number or one value per qubit")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            raise ValueError(f"{name} entries must be finite and >= 0, got {arr.tolist()}")
        return tuple(float(x) for x in arr)
    return _nonneg(value, name)


def _probabilities(value, name: str) -> Rates:
    val = _rates(value, name)
    arr = np.atleast_1d(np.asarray(val, dtype=float))
    if np.any(arr > 1):
        raise ValueError(f"{name} is a probability and must be in [0, 1], got {val}")
    return val


def _length(value: Rates) -> int | None:
    return len(value) if isinstance(value, tuple) else None


@contextmanager
def _key(name: str, allowed: str) -> Iterator[None]:
    """Re-raise a ValueError of one field as a ``SpecError`` naming the ``[noise]`` key and what is allowed."""
    try:
        yield
    except SpecError:
        raise
    except ValueError as exc:
        raise SpecError(f"noise.{name}: {exc}; allowed: {allowed}") from None


@dataclass(frozen=True)
class NoiseSpec:
    """Noise of a sensing experiment in physical units (all rates per unit of the window time).

    The one noise settings type of bellsense: the ``[noise]`` section of an experiment spec parses
    into it, with the field names as TOML keys (``dephasing``, ``emission``,
    ``emission_direction``, ``T1``, ``T2``, ``kappa``, ``readout_p10``, ``readout_p01``,
    ``gate_error_1q``, ``gate_error_2q``, ``device``). Readout errors follow
    ``p10 = P(read 1 | prepared 0)``, ``p01 = P(read 0 | prepared 1)`` (PHYSICS.md).

    Attributes
    ----------
    dephasing : float or tuple of float
        Local dephasing rate gamma (``L = sigma_z``), one value or one per qubit.
    emission : float or tuple of float
        Local emission rate (amplitude damping ``p = 1 - e^{-gamma t}``), one value or one per qubit.
    emission_direction : {"down", "up"}
        "down" relaxes ``|1> -> |0>`` (hardware); "up" is seed 003's ``sigma_- = |1><0|``.
    T1, T2 : float, optional
        Hardware-like relaxation during the window (both or neither; ``T2 <= 2 T1``).
    kappa : float
        Collective dephasing rate (measurement of ``S_z``, seed 004 eq. 7).
    readout_p10, readout_p01 : float or tuple of float
        Readout error ``p(1|0)`` and ``p(0|1)``, one value or one per qubit.
    gate_error_1q, gate_error_2q : float
        Depolarising parameter of 1- and 2-qubit gates (Aer ``depolarizing_error``), in [0, 1].
    device : str, optional
        Opt-in: start from the noise model of this ``qiskit_ibm_runtime.fake_provider`` device
        (circuits must then be transpiled to it).
    """

    dephasing: Rates = 0.0
    emission: Rates = 0.0
    emission_direction: Direction = "down"
    T1: float | None = None
    T2: float | None = None
    kappa: float = 0.0
    readout_p10: Rates = 0.0
    readout_p01: Rates = 0.0
    gate_error_1q: float = 0.0
    gate_error_2q: float = 0.0
    device: str | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise once here
        with _key("dephasing", "a rate >= 0, or one per qubit"):
            set_(self, "dephasing", _rates(self.dephasing, "dephasing rate"))
        with _key("emission", "a rate >= 0, or one per qubit"):
            set_(self, "emission", _rates(self.emission, "emission rate"))
        with _key("emission_direction", "'down', 'up'"):
            if self.emission_direction not in ("down", "up"):
                raise ValueError(f"emission_direction must be 'down' or 'up', got {self.emission_direction!r}")
        with _key("T1" if self.T1 is None else "T2", "both T1 and T2 (times > 0, T2 <= 2 T1), or neither"):
            if (self.T1 is None) != (self.T2 is None):
                raise ValueError("give both T1 and T2, or neither")
            if self.T1 is not None and self.T2 is not None:
                thermal(self.T1, self.T2, 0.0)  # validates T1, T2 > 0 and T2 <= 2 T1
        with _key("kappa", "a collective dephasing rate >= 0"):
            set_(self, "kappa", _nonneg(self.kappa, "kappa (collective dephasing rate)"))
        with _key("readout_p10", "a probability 0 <= p <= 1, or one per qubit"):
            set_(self, "readout_p10", _probabilities(self.readout_p10, "readout_p10 = p(1|0)"))
        with _key("readout_p01", "a probability 0 <= p <= 1, or one per qubit"):
            set_(self, "readout_p01", _probabilities(self.readout_p01, "readout_p01 = p(0|1)"))
        for name in ("gate_error_1q", "gate_error_2q"):
            with _key(name, "a depolarising probability 0 <= p <= 1"):
                val = _nonneg(getattr(self, name), name)
                if val > 1:
                    raise ValueError(f"{name} is a depolarising probability and must be in [0, 1], got {val}")
                set_(self, name, val)
        with _key("device", "a fake-device name 'fake_<device>', e.g. 'fake_torino', or none"):
            if self.device is not None and (not isinstance(self.device, str) or not self.device.strip()):
                raise ValueError(f"device must be a fake-device name such as 'fake_torino', got {self.device!r}")
        with _key("dephasing", "per-qubit lists (dephasing, emission, readout_p10, readout_p01) of one length n"):
            lengths = {n for f in ("dephasing", "emission", "readout_p10", "readout_p01")
                       if (n := _length(getattr(self, f))) is not None}
            if len(lengths) > 1:
                raise ValueError(f"per-qubit lists in NoiseSpec have different lengths {sorted(lengths)}; "
                                 "all must equal n")

    def acts_in_window(self, t: float) -> bool:
        """Whether a window of duration t changes the state (local rates, T1/T2 or collective dephasing)."""
        local = np.any(np.asarray(self.dephasing)) or np.any(np.asarray(self.emission)) or self.T1 is not None
        return bool((local or self.kappa > 0) and t > 0)

    @property
    def is_ideal(self) -> bool:
        """True if the spec adds no noise at all."""
        zero = all(not np.any(np.asarray(getattr(self, f))) for f in
                   ("dephasing", "emission", "kappa", "readout_p10", "readout_p01", "gate_error_1q", "gate_error_2q"))
        return zero and self.T1 is None and self.device is None


def _check_t(t: float) -> float:
    return _nonneg(t, "t (window duration)")


def window_channels(spec: NoiseSpec, n: int, t: float) -> list[QuantumError]:
    """The local channel acting on each qubit during a window t (entry q for qubit q).

    Dephasing and emission act simultaneously (:func:`noise.channels.local_channel`); a T1/T2
    relaxation, if given, is composed on top. Collective dephasing is not included
    (see :func:`noisy_window`).
    """
    if not isinstance(spec, NoiseSpec):
        raise TypeError(f"spec must be a NoiseSpec, got {type(spec).__name__}")
    t = _check_t(t)
    errs = local_channels(spec.dephasing, spec.emission, t, n=n, direction=spec.emission_direction)
    if spec.T1 is not None and spec.T2 is not None:
        relax = thermal(spec.T1, spec.T2, t)
        errs = [e.compose(relax) for e in errs]
    return errs


def window_noise_model(spec: NoiseSpec, n: int, t: float) -> NoiseModel:
    """Aer ``NoiseModel`` for a sensing window of duration t on n qubits.

    * window: :func:`window_channels` attached to the ``"sensing_window"`` label (per qubit if the
      rates differ between qubits, else on all qubits);
    * gates: ``depolarizing_error(gate_error_1q, 1)`` on :data:`ONE_QUBIT_GATES`,
      ``depolarizing_error(gate_error_2q, 2)`` on :data:`TWO_QUBIT_GATES`;
    * readout: ``ReadoutError([[1 - p10, p10], [p01, 1 - p01]])`` per qubit;
    * ``spec.device``: start from :func:`noise.device_noise_model` (explicit opt-in).

    ``spec.kappa`` (collective dephasing) is an n-qubit circuit instruction, not part of the
    model: use :func:`noisy_window` (or ``apply_collective``).

    Raises
    ------
    ValueError
        If ``t < 0`` or a per-qubit list does not have n entries.
    """
    if not isinstance(spec, NoiseSpec):
        raise TypeError(f"spec must be a NoiseSpec, got {type(spec).__name__}")
    t = _check_t(t)
    if spec.device is not None:  # the one fake-device name resolver lives in backends
        from bellsense.backends.resolve import fake_backend

        model = device_noise_model(fake_backend(spec.device))
    else:
        model = NoiseModel()
    errs = window_channels(spec, n, t)
    has_window_noise = (np.any(np.asarray(spec.dephasing)) or np.any(np.asarray(spec.emission))
                        or spec.T1 is not None) and t > 0
    if has_window_noise:
        uniform = all(_length(getattr(spec, f)) is None for f in ("dephasing", "emission"))
        if uniform:
            model.add_all_qubit_quantum_error(errs[0], [WINDOW_LABEL])
        else:
            for q, err in enumerate(errs):
                model.add_quantum_error(err, [WINDOW_LABEL], [q])
    if spec.gate_error_1q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(spec.gate_error_1q, 1), list(ONE_QUBIT_GATES))
    if spec.gate_error_2q > 0:
        model.add_all_qubit_quantum_error(depolarizing_error(spec.gate_error_2q, 2), list(TWO_QUBIT_GATES))
    p10 = per_qubit(spec.readout_p10, n, "readout_p10 = p(1|0)")
    p01 = per_qubit(spec.readout_p01, n, "readout_p01 = p(0|1)")
    if np.any(p10) or np.any(p01):
        for q in range(n):
            model.add_readout_error(ReadoutError([[1 - p10[q], p10[q]], [p01[q], 1 - p01[q]]]), [q])
    return model


def noisy_window(circuit: QuantumCircuit, spec: NoiseSpec, t: float | None = None) -> tuple[QuantumCircuit, NoiseModel]:
    """The circuit (with collective dephasing inserted if ``spec.kappa > 0``) and its noise model.

    ``t`` defaults to ``circuit.metadata["window"]["t"]``; n is ``circuit.num_qubits``.
    """
    if not isinstance(circuit, QuantumCircuit):
        raise TypeError(f"circuit must be a qiskit QuantumCircuit, got {type(circuit).__name__}")
    if t is None:
        window = (circuit.metadata or {}).get("window", {})
        if "t" not in window or isinstance(window["t"], str):
            raise ValueError("window duration t not given and circuit.metadata['window']['t'] is not a number")
        t = float(window["t"])
    model = window_noise_model(spec, circuit.num_qubits, t)
    if spec.kappa > 0 and t > 0:
        circuit = apply_collective(circuit, spec.kappa, t)
    return circuit, model

