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
from .davies import bohr_frequencies, davies_jumps, energy_ladder, ohmic_rate, zeta_jump
from .dense import apply_collective_dense, apply_local, as_density, kraus_operators
from .device import device_noise_model, restrict_noise_model
from .integrated_gain import integrated_gain, metrological_gain
from .model import (
    ONE_QUBIT_GATES,
    TWO_QUBIT_GATES,
    NoiseSpec,
    noisy_window,
    window_channels,
    window_noise_model,
)
from .pi_evolve import evolve, steady_state
from .pi_sweep import PIParams, evolve_many

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
    "PIParams",
    "evolve_many",
    "integrated_gain",
    "davies_jumps",
    "ohmic_rate",
    "bohr_frequencies",
    "energy_ladder",
    "zeta_jump",
    "metrological_gain",
    "device_noise_model",
    "restrict_noise_model",
    "ONE_QUBIT_GATES",
    "TWO_QUBIT_GATES",
    "NoiseSpec",
    "noisy_window",
    "window_channels",
    "window_noise_model",
]
