"""Single-qubit channels from rates: their action on a Bloch vector against the Lindblad solution.

For a 1-qubit state with Bloch vector (x, y, z) (z = +1 is |0>), the Lindbladians integrate to
  dephasing L = Z at gamma:       x, y -> e^{-2 gamma t}(x, y),        z -> z
  emission "down" (|1> -> |0>):   x, y -> e^{-gamma t/2}(x, y),        z -> 1 - (1 - z) e^{-gamma t}
  emission "up"   (|0> -> |1>):   x, y -> e^{-gamma t/2}(x, y),        z -> -1 + (1 + z) e^{-gamma t}
These are exact maths; tolerance 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import SuperOp
from qiskit_aer.noise import thermal_relaxation_error

from bellsense import noise

TOL = 1e-12
PAULI = {
    "x": np.array([[0, 1], [1, 0]], dtype=complex),
    "y": np.array([[0, -1j], [1j, 0]]),
    "z": np.diag([1.0 + 0j, -1.0]),
}


def _apply(error, rho):
    return noise.apply_local(rho, [error])


def _bloch(rho):
    return np.array([np.trace(rho @ PAULI[a]).real for a in "xyz"])


def _rho(vec):
    return 0.5 * (np.eye(2) + sum(v * PAULI[a] for v, a in zip(vec, "xyz")))


BLOCH_IN = np.array([0.3, -0.5, 0.6])


@pytest.mark.parametrize("gamma,t", [(0.0, 1.0), (0.3, 0.5), (2.0, 1.7)])
def test_dephasing_matches_lindblad(gamma, t):
    out = _bloch(_apply(noise.dephasing(gamma, t), _rho(BLOCH_IN)))
    d = np.exp(-2 * gamma * t)
    np.testing.assert_allclose(out, [d * BLOCH_IN[0], d * BLOCH_IN[1], BLOCH_IN[2]], atol=TOL)
    assert noise.dephasing_probability(gamma, t) == pytest.approx((1 - d) / 2, abs=TOL)


@pytest.mark.parametrize("gamma,t", [(0.3, 0.5), (2.0, 1.7)])
def test_emission_both_directions_match_lindblad(gamma, t):
    e = np.exp(-gamma * t)
    x, y, z = BLOCH_IN
    down = _bloch(_apply(noise.emission(gamma, t), _rho(BLOCH_IN)))
    np.testing.assert_allclose(down, [np.sqrt(e) * x, np.sqrt(e) * y, 1 - (1 - z) * e], atol=TOL)
    up = _bloch(_apply(noise.emission(gamma, t, direction="up"), _rho(BLOCH_IN)))
    np.testing.assert_allclose(up, [np.sqrt(e) * x, np.sqrt(e) * y, -1 + (1 + z) * e], atol=TOL)


def test_both_channels_at_once_and_thermal_equal_aer_thermal_relaxation():
    t, ge, gd = 0.9, 0.4, 0.25
    both = _bloch(_apply(noise.local_channel(gd, ge, t), _rho(BLOCH_IN)))
    coh = np.exp(-(ge / 2 + 2 * gd) * t)
    np.testing.assert_allclose(
        both, [coh * BLOCH_IN[0], coh * BLOCH_IN[1], 1 - (1 - BLOCH_IN[2]) * np.exp(-ge * t)], atol=TOL
    )
    T1, T2, tw = 50.0, 70.0, 13.0
    ours = SuperOp(noise.thermal(T1, T2, tw).to_quantumchannel()).data
    ref = SuperOp(thermal_relaxation_error(T1, T2, tw).to_quantumchannel()).data
    np.testing.assert_allclose(ours, ref, atol=TOL)
    # coherence decays as e^{-t/T2}, population as e^{-t/T1}
    out = _bloch(_apply(noise.thermal(T1, T2, tw), _rho([1.0, 0.0, 0.0])))
    assert out[0] == pytest.approx(np.exp(-tw / T2), abs=TOL)
    assert noise.thermal(T1, 2 * T1, 1.0).num_qubits == 1  # boundary T2 = 2 T1 is allowed


def test_per_qubit_rates_broadcast_and_length():
    np.testing.assert_array_equal(noise.per_qubit(0.2, 3), [0.2, 0.2, 0.2])
    np.testing.assert_array_equal(noise.per_qubit([0.1, 0.2], 2), [0.1, 0.2])
    chans = noise.local_channels([0.0, 0.5, 1.0], 0.0, 1.0, n=3)
    for chan, g in zip(chans, (0.0, 0.5, 1.0)):
        out = _bloch(_apply(chan, _rho([1.0, 0.0, 0.0])))
        assert out[0] == pytest.approx(np.exp(-2 * g), abs=TOL)


def test_bad_input_rates_times_and_lists():
    with pytest.raises(ValueError, match="gamma .* must be a finite number >= 0, got -0.1"):
        noise.dephasing(-0.1, 1.0)
    with pytest.raises(ValueError, match="gamma .* >= 0"):
        noise.emission(-1.0, 1.0)
    with pytest.raises(ValueError, match="t .window duration. must be a finite number >= 0, got -2"):
        noise.dephasing(0.1, -2.0)
    with pytest.raises(ValueError, match="t .window duration."):
        noise.emission(0.1, -1e-3)
    with pytest.raises(ValueError, match="direction must be 'down'"):
        noise.emission(0.1, 1.0, direction="sideways")
    with pytest.raises(ValueError, match=r"T2 = 101.0 > 2 T1 = 100.0"):
        noise.thermal(50.0, 101.0, 1.0)
    with pytest.raises(ValueError, match="T1 must be a finite time > 0"):
        noise.thermal(0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match="has 2 entries but n = 3"):
        noise.local_channels([0.1, 0.2], 0.0, 1.0, n=3)
    with pytest.raises(ValueError, match="entries must be finite and >= 0"):
        noise.per_qubit([0.1, -0.2], 2)
    with pytest.raises(TypeError, match="must be a real number"):
        noise.dephasing("0.1", 1.0)
