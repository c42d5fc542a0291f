"""Samplers of a :class:`~bellsense.backends.platform.Platform`: Aer, fake devices (local mode), IBM.

Devices use ``qiskit_ibm_runtime.executor_sampler.Sampler`` (falling back to the older
runtime sampler only when the executor module is missing). Fake devices run in the
runtime's local mode: the sampler's ``mode`` is an ``AerSimulator`` built from the fake
device (its noise model, T1/T2 relaxation during ``delay``), so the code path is the
hardware one and the Aer method can be chosen for speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qiskit.primitives import BaseSamplerV2

from .methods import SimulationChoice
from .platform import FakeDevicePlatform, Platform
from .rare import RARE_REASON, RareBranchSampler, split_noise_model

__all__ = ["make_sampler", "device_simulator", "device_sampler", "device_choice", "kraus_split", "SHOT_BRANCHING_MAX",
           "DENSITY_MATRIX_MAX"]

_SHOT_BRANCHING = {"shot_branching_enable": True, "shot_branching_sampling_enable": True}

#: Up to DENSITY_MATRIX_MAX active qubits a fake-device run uses Aer's density-matrix method (one
#: exact noisy evolution per binding, cost ~4^n). From there up to SHOT_BRANCHING_MAX it uses
#: statevector trajectories with Aer's shot branching (shots share the state until a noise draw
#: splits them) and terminal measure sampling. Aer's shot branching silently drops ReadoutErrors once
#: gate noise has branched (parity off by 12 sigma at n = 3, 3e5 shots), so that path carries each
#: qubit's readout error as the equivalent Kraus channel on ``measure`` (identical outcome statistics
#: for terminal measurements; see bellsense.noise.restrict_noise_model). Wider circuits use matrix-product-state
#: trajectories. Measured (benchmarks/bench_hardware.py, 12-qubit GHZ, 13 settings x 4000 shots,
#: FakeTorino, 2 cores): runtime default 102 s, this choice 16 s (6.4x); density matrix 69 s.
SHOT_BRANCHING_MAX = 12
DENSITY_MATRIX_MAX = 8


def device_simulator(
    platform: FakeDevicePlatform,
    method: str | None = None,
    qubits: Sequence[int] | None = None,
    shot_branching: bool = False,
    kraus_free: bool = False,
) -> Any:
    """An ``AerSimulator`` with the device's target (coupling map, basis, durations) and noise.

    Parameters
    ----------
    platform : FakeDevicePlatform
        A device platform (its noise model is used; memoised per platform).
    method : str, optional
        Aer method; ``None`` keeps Aer's automatic choice.
    qubits : sequence of int, optional
        The physical qubits the circuits use; the noise model is restricted to them
        (``bellsense.noise.restrict_noise_model``: the same physics, ~40x faster on a 133-qubit device).
    shot_branching : bool
        Aer's shot branching with measure sampling (statevector method), readout errors as
        channels; requires ``qubits``.
    kraus_free : bool
        The noise model without its Kraus instructions (``backends.rare``: the rare branches are
        replayed by :class:`~bellsense.backends.rare.RareBranchSampler`); requires ``qubits`` and a
        model that splits (:func:`kraus_split`).
    """
    from qiskit_aer import AerSimulator

    active = None if qubits is None else tuple(sorted(int(q) for q in qubits))
    key = ("device_simulator", method, active, shot_branching, kraus_free)
    if key not in platform.cache:
        if (shot_branching or kraus_free) and qubits is None:
            raise ValueError("shot_branching and kraus_free need the active qubits")
        split = kraus_split(platform, qubits) if kraus_free else None
        if kraus_free and split is None:
            raise ValueError("kraus_free: the device noise on these qubits has no Kraus error to split")
        model = split[0] if split is not None else platform.noise_model(qubits, readout_as_channel=shot_branching)
        kwargs: dict[str, Any] = {"noise_model": model}
        if shot_branching:
            kwargs.update(_SHOT_BRANCHING)
        if method is not None:
            kwargs["method"] = method
        platform.cache[key] = AerSimulator.from_backend(platform.device, **kwargs)
    return platform.cache[key]


def kraus_split(platform: FakeDevicePlatform, qubits: Sequence[int] | None) -> Any:
    """:func:`~bellsense.backends.rare.split_noise_model` of the device noise on ``qubits``, memoised (or ``None``)."""
    if qubits is None:
        return None
    key = ("kraus_split", tuple(sorted(int(q) for q in qubits)))
    if key not in platform.cache:
        platform.cache[key] = split_noise_model(platform.noise_model(key[1]))
    return platform.cache[key]


def _rare_ok(platform: FakeDevicePlatform, options: Any = None) -> bool:
    """Rare-branch replay keeps instruction positions: not with the runtime's twirling or dynamical decoupling."""
    opts = platform.merged_options(options)
    return not (opts.get("twirling") or opts.get("dynamical_decoupling"))


def device_choice(platform: FakeDevicePlatform, width: int | None, active_known: bool = True,
                  active: Sequence[int] | None = None, options: Any = None) -> SimulationChoice | None:
    """The Aer method of a fake-device job whose widest circuit has ``width`` active qubits.

    ``None`` keeps Aer's automatic choice (no width known, no forced method). With ``active`` (the
    footprint) a matrix-product-state choice whose device noise holds Kraus errors is sampled by
    :class:`~bellsense.backends.rare.RareBranchSampler` (``rare_branches``; the reason says so).
    """
    method = platform.options.get("method")
    if method is not None:
        return SimulationChoice(str(method), "forced by the backend option 'method'")
    if width is None:
        return None
    if width <= DENSITY_MATRIX_MAX:
        return SimulationChoice("density_matrix", f"{width} active qubits <= {DENSITY_MATRIX_MAX}: one exact "
                                "noisy evolution per binding")
    if width <= SHOT_BRANCHING_MAX and active_known:
        return SimulationChoice("statevector", f"{width} active qubits <= {SHOT_BRANCHING_MAX}: statevector "
                                "trajectories with shot branching, readout error as a channel", shot_branching=True)
    if width <= SHOT_BRANCHING_MAX:
        return SimulationChoice("density_matrix", f"{width} active qubits, footprint unknown: density matrix")
    reason = f"{width} active qubits > {SHOT_BRANCHING_MAX}: MPS trajectories on the device's noise restricted " \
             "to the active qubits"
    if _rare_ok(platform, options) and kraus_split(platform, active) is not None:
        return SimulationChoice("matrix_product_state", f"{reason}; {RARE_REASON}", rare_branches=True)
    return SimulationChoice("matrix_product_state", reason)


def device_sampler(platform: FakeDevicePlatform, active_qubits: Sequence[int] | None, width: int | None,
                   options: Any = None) -> Any:
    """The runtime sampler in local mode on :func:`device_simulator`, with the Aer method of :func:`device_choice`.

    A ``rare_branches`` choice wraps it in a :class:`~bellsense.backends.rare.RareBranchSampler` (the runtime
    sampler runs every shot on the Kraus-free model; the rare branches are replayed on the same simulator).
    """
    choice = device_choice(platform, width, active_qubits is not None, active_qubits, options)
    method = None if choice is None else choice.method
    branching = choice is not None and choice.shot_branching
    rare = choice is not None and choice.rare_branches
    simulator = device_simulator(platform, method, active_qubits, shot_branching=branching, kraus_free=rare)
    sampler = runtime_sampler_class()(mode=simulator)
    if rare:
        return RareBranchSampler(sampler, simulator, kraus_split(platform, active_qubits)[1])
    return sampler


def runtime_sampler_class() -> type:
    try:
        from qiskit_ibm_runtime.executor_sampler import Sampler
    except ImportError:  # qiskit-ibm-runtime < 0.50 has no executor sampler: its SamplerV2 is current there
        import qiskit_ibm_runtime

        return qiskit_ibm_runtime.SamplerV2
    return Sampler


def make_sampler(
    platform: Platform,
    *,
    seed: int | None = None,
    noise_model: Any = None,
    options: dict | None = None,
    active_qubits: Sequence[int] | None = None,
    width: int | None = None,
) -> BaseSamplerV2:
    """Build the sampler that executes PUBs on ``platform`` (``platform.sampler(...)``).

    Parameters
    ----------
    platform : Platform
    seed : int, optional
        Simulator seed (Aer and local fake devices). Same seed, same PUBs -> same counts.
    noise_model : qiskit_aer.noise.NoiseModel, optional
        Aer only (``platform.accepts_noise_model``); a device brings its own noise.
    options : dict, optional
        Per-submission overrides of the platform's device options (``dynamical_decoupling``, ``twirling``).
    active_qubits : sequence of int, optional
        Physical qubits the circuits use (fake devices): the device noise is restricted to them.
    width : int, optional
        Most active qubits of any one circuit (Aer simulates each circuit on its own
        qubits): up to :data:`DENSITY_MATRIX_MAX` a fake device uses the density-matrix method,
        up to :data:`SHOT_BRANCHING_MAX` statevector trajectories with shot branching (needs
        ``active_qubits``), above it matrix-product-state trajectories.
    """
    if not isinstance(platform, Platform):
        raise TypeError(f"platform must be a Platform from resolve_backend, got {type(platform).__name__}")
    if noise_model is not None and not platform.accepts_noise_model:
        raise ValueError(f"noise_model is only for 'aer' platforms; {platform.name!r} simulates its own noise")
    sampler: BaseSamplerV2 = platform.sampler(seed=seed, noise_model=noise_model, options=options,
                                              active_qubits=active_qubits, width=width)
    return sampler
