"""bellsense.noise: channels from physical rates, collective dephasing, Aer noise models.

Conventions (PHYSICS.md): Lindblad rates per unit time; the sensing window is one
``RZGate(phi t, label="sensing_window")`` per qubit and noise is attached to that label.
"""

from .channels import (
    dephasing,
    dephasing_probability,
    emission,
    emission_probability,
    local_channel,
    local_channels,
    per_qubit,
    thermal,
)
from .collective import WINDOW_LABEL, apply_collective, collective_dephasing, collective_probability
from .dense import apply_collective_dense, apply_local, as_density, kraus_operators
from .device import device_noise_model, restrict_noise_model
from .model import (
    ONE_QUBIT_GATES,
    TWO_QUBIT_GATES,
    NoiseSpec,
    noisy_window,
    window_channels,
    window_noise_model,
)
from .pi_evolve import evolve, steady_state

__all__ = [
    "dephasing",
    "dephasing_probability",
    "emission",
    "emission_probability",
    "local_channel",
    "local_channels",
    "per_qubit",
    "thermal",
    "WINDOW_LABEL",
    "apply_collective",
    "collective_dephasing",
    "collective_probability",
    "apply_collective_dense",
    "apply_local",
    "as_density",
    "kraus_operators",
    "evolve",
    "steady_state",
    "device_noise_model",
    "restrict_noise_model",
    "ONE_QUBIT_GATES",
    "TWO_QUBIT_GATES",
    "NoiseSpec",
    "noisy_window",
    "window_channels",
    "window_noise_model",
]
