"""Samplers for a :class:`~bellsense.backends.resolve.Target`: Aer, fake devices (local mode), IBM.

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

from .resolve import Target

__all__ = ["make_sampler", "device_simulator", "device_noise_model", "SHOT_BRANCHING_MAX", "DENSITY_MATRIX_MAX"]

_SHOT_BRANCHING = {"shot_branching_enable": True, "shot_branching_sampling_enable": True}

#: Up to DENSITY_MATRIX_MAX active qubits a fake-device run uses Aer's density-matrix method (one
#: exact noisy evolution per binding, cost ~4^n). From there up to SHOT_BRANCHING_MAX it uses
#: statevector trajectories with Aer's shot branching (shots share the state until a noise draw
#: splits them) and terminal measure sampling. Aer's shot branching silently drops ReadoutErrors once
#: gate noise has branched (parity off by 12 sigma at n = 3, 3e5 shots), so that path carries each
#: qubit's readout error as the equivalent Kraus channel on ``measure`` (identical outcome statistics
#: for terminal measurements; see device_noise_model). Wider circuits use matrix-product-state
#: trajectories. Measured (benchmarks/bench_hardware.py, 12-qubit GHZ, 13 settings x 4000 shots,
#: FakeTorino, 2 cores): runtime default 102 s, this choice 16 s (6.4x); density matrix 69 s.
SHOT_BRANCHING_MAX = 12
DENSITY_MATRIX_MAX = 8


def device_noise_model(target: Target, qubits: Sequence[int] | None = None, readout_as_channel: bool = False) -> Any:
    """The device's Aer noise model, restricted to ``qubits`` (all qubits if ``None``).

    Errors of gates on other qubits cannot act on a circuit that never touches them, so
    the restriction is the same physics; for a 4-qubit circuit on a 133-qubit device it makes
    Aer ~40x faster
    because the full model (thousands of relaxation channels) is otherwise sent to the
    simulator with every circuit. T1/T2 relaxation during ``delay`` (the sensing window)
    is kept: it is a noise pass over the circuit, not a per-qubit table entry.

    ``readout_as_channel`` (restricted models only) replaces each qubit's readout error (assignment
    matrix P) by the Kraus channel sqrt(P00)|0><0| + sqrt(P11)|1><1|, sqrt(P01)|1><0|, sqrt(P10)|0><1|
    before ``measure``: the same outcome distribution for terminal measurements (only the
    post-measurement state differs), needed by Aer's shot branching, which drops ReadoutErrors.
    """
    from qiskit_aer.noise import NoiseModel

    if target.backend is None:
        raise ValueError(f"target {target.name!r} has no device noise; use a fake_* or ibm_* backend")
    if "noise_model" not in target.cache:
        # Seconds on 100+ qubits: once per target.
        target.cache["noise_model"] = NoiseModel.from_backend(target.backend)
    full = target.cache["noise_model"]
    if qubits is None:
        return full
    keep = {int(q) for q in qubits}
    bad = sorted(q for q in keep if not 0 <= q < target.backend.num_qubits)
    if bad:
        raise ValueError(f"qubits {bad} are not on {target.device} (0..{target.backend.num_qubits - 1})")
    model = NoiseModel(basis_gates=full.basis_gates)
    for name, by_qubits in full._local_quantum_errors.items():
        for qargs, error in by_qubits.items():
            if set(qargs) <= keep:
                model.add_quantum_error(error, name, qargs)
    for qargs, error in full._local_readout_errors.items():
        if set(qargs) <= keep:
            if readout_as_channel and len(qargs) == 1 and "measure" not in full._local_quantum_errors:
                model.add_quantum_error(_readout_channel(error), "measure", qargs)
            else:
                model.add_readout_error(error, qargs)
    for name, error in full._default_quantum_errors.items():
        model.add_all_qubit_quantum_error(error, name)
    if full._default_readout_error is not None:
        model.add_all_qubit_readout_error(full._default_readout_error)
    model._custom_noise_passes = list(full._custom_noise_passes)
    return model


def _readout_channel(error: Any) -> Any:
    import numpy as np
    from qiskit_aer.noise import kraus_error

    p = np.asarray(error.probabilities, dtype=float)
    return kraus_error([
        np.diag([np.sqrt(p[0, 0]), np.sqrt(p[1, 1])]),
        np.array([[0.0, 0.0], [np.sqrt(p[0, 1]), 0.0]]),
        np.array([[0.0, np.sqrt(p[1, 0])], [0.0, 0.0]]),
    ])


def device_simulator(
    target: Target,
    method: str | None = None,
    qubits: Sequence[int] | None = None,
    shot_branching: bool = False,
) -> Any:
    """An ``AerSimulator`` with the device's target (coupling map, basis, durations) and noise.

    Parameters
    ----------
    target : Target
        A ``fake`` (or ``ibm``) target.
    method : str, optional
        Aer method; ``None`` keeps Aer's automatic choice.
    qubits : sequence of int, optional
        The physical qubits the circuits use; the noise model is restricted to them
        (see :func:`device_noise_model`).
    shot_branching : bool
        Aer's shot branching with measure sampling (statevector method), readout errors as
        channels (see :func:`device_noise_model`); requires ``qubits``.
    """
    from qiskit_aer import AerSimulator

    key = ("device_simulator", method, None if qubits is None else tuple(sorted(int(q) for q in qubits)), shot_branching)
    if key not in target.cache:
        kwargs: dict[str, Any] = {"noise_model": device_noise_model(target, qubits, readout_as_channel=shot_branching)}
        if shot_branching:
            if qubits is None:
                raise ValueError("shot_branching needs the active qubits")
            kwargs.update(_SHOT_BRANCHING)
        if method is not None:
            kwargs["method"] = method
        target.cache[key] = AerSimulator.from_backend(target.backend, **kwargs)
    return target.cache[key]


def _executor_sampler_class() -> type:
    try:
        from qiskit_ibm_runtime.executor_sampler import Sampler
    except ImportError:  # qiskit-ibm-runtime < 0.50 has no executor sampler: its SamplerV2 is current there
        import qiskit_ibm_runtime

        return qiskit_ibm_runtime.SamplerV2
    return Sampler


def _apply_device_options(sampler: Any, target: Target, seed: int | None, options: dict | None) -> None:
    opts = dict(target.options)
    opts.update(options or {})
    so = sampler.options
    dd = opts.get("dynamical_decoupling", False)
    if dd:
        so.dynamical_decoupling.enable = True
        if isinstance(dd, str):
            so.dynamical_decoupling.sequence_type = dd
    if opts.get("twirling", False):
        so.twirling.enable_gates = True
        so.twirling.enable_measure = True
    if seed is not None and hasattr(so, "simulator"):
        so.simulator.seed_simulator = int(seed)


def make_sampler(
    target: Target,
    *,
    seed: int | None = None,
    noise_model: Any = None,
    options: dict | None = None,
    mode: Any = None,
    active_qubits: Sequence[int] | None = None,
    width: int | None = None,
) -> BaseSamplerV2:
    """Build the sampler that executes PUBs on ``target``.

    Parameters
    ----------
    target : Target
    seed : int, optional
        Simulator seed (Aer and local fake devices). Same seed, same PUBs -> same counts.
    noise_model : qiskit_aer.noise.NoiseModel, optional
        Aer only; a fake device brings its own noise.
    options : dict, optional
        Per-submission overrides of the target's device options (``dynamical_decoupling``, ``twirling``).
    mode : Batch, optional
        IBM execution mode (a ``Batch``); ``None`` runs in job mode.
    active_qubits : sequence of int, optional
        Physical qubits the circuits use (fake devices): the device noise is restricted to
        them.
    width : int, optional
        Most active qubits of any one circuit (Aer simulates each circuit on its own
        qubits): up to :data:`DENSITY_MATRIX_MAX` a fake device uses the density-matrix method,
        up to :data:`SHOT_BRANCHING_MAX` statevector trajectories with shot branching (needs
        ``active_qubits``), above it matrix-product-state trajectories.
    """
    if target.kind == "aer":
        return _aer_sampler(noise_model=noise_model, method=target.options.get("method"), seed=seed)
    if noise_model is not None:
        raise ValueError(
            f"noise_model is only for 'aer' targets; {target.name!r} simulates the device's own noise"
        )
    Sampler = _executor_sampler_class()
    if target.kind == "fake":
        method = target.options.get("method")
        branching = False
        if method is None and width is not None:
            if width <= DENSITY_MATRIX_MAX:
                method = "density_matrix"
            elif width <= SHOT_BRANCHING_MAX and active_qubits is not None:
                method, branching = "statevector", True
            elif width <= SHOT_BRANCHING_MAX:
                method = "density_matrix"
            else:
                method = "matrix_product_state"
        sampler = Sampler(mode=device_simulator(target, method, active_qubits, shot_branching=branching))
    elif target.kind == "ibm":
        sampler = Sampler(mode=mode if mode is not None else target.backend)
    else:
        raise ValueError(f"unknown target kind {target.kind!r}; allowed: 'aer', 'fake', 'ibm'")
    _apply_device_options(sampler, target, seed if target.kind == "fake" else None, options)
    return sampler


def _aer_sampler(noise_model: Any, method: str | None, seed: int | None) -> BaseSamplerV2:
    """Aer's seeded SamplerV2, built by the Aer layer (``backends.aer.aer_sampler``)."""
    from .aer import aer_sampler

    return aer_sampler(noise_model=noise_model, method=method, seed=seed)
