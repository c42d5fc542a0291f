"""bellsense.circuits: probe states, phase encoding, sensing windows and measurement settings.

Preparation and encoding circuits hold no measurements; setting circuits hold
only a basis change and ``measure_all()``. ``assemble`` composes them and merges
their ``metadata`` (keys ``prep``, ``encoding``, ``window``, ``setting``; see
docs/design.md).
"""

from .assembly import assemble

# Device-aware preparation (hardware issue) is imported below.
from .device_ghz import ghz_tree, tree_depth, tree_schedule
from .encoding import THETA, WINDOW_LABEL, phase_encoding, sensing_window, sensor_encoding
from .networks import linear_function_sizes, linear_function_state, sensor_network, sensor_qubits, separable_sizes
from .preparation import (
    WeightedCircuit,
    dicke,
    dicke_unitary,
    ghz,
    ghz_layers,
    product,
    symmetric_ensemble,
    symmetric_state,
    unary_state,
)
from .settings import (
    BELL_PHI,
    bell_phases,
    bell_setting,
    bell_settings,
    collective_readout,
    computational_readout,
    pauli_setting,
    pauli_settings,
    pi_bell_settings,
)

__all__ = [
    "ghz_tree",
    "tree_depth",
    "tree_schedule",
    "BELL_PHI",
    "THETA",
    "WINDOW_LABEL",
    "WeightedCircuit",
    "assemble",
    "bell_phases",
    "bell_setting",
    "bell_settings",
    "collective_readout",
    "computational_readout",
    "dicke",
    "dicke_unitary",
    "ghz",
    "ghz_layers",
    "linear_function_sizes",
    "linear_function_state",
    "separable_sizes",
    "pauli_setting",
    "pauli_settings",
    "phase_encoding",
    "pi_bell_settings",
    "product",
    "sensing_window",
    "sensor_encoding",
    "sensor_network",
    "sensor_qubits",
    "symmetric_ensemble",
    "symmetric_state",
    "unary_state",
]
