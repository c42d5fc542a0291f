"""Exact device-noise probabilities agree with the shots of the same fake-device run."""

import numpy as np
import pytest

from bellsense import backends, circuits
from bellsense.backends.rare import RareBranchSampler


@pytest.fixture(scope="module")
def torino():
    return backends.resolve_backend("fake_torino")


def test_device_probabilities_match_local_mode_counts(torino):
    n, shots = 3, 8000
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 3.0, 0.0), circuits.bell_setting(n))
    isa, _ = backends.prepare_circuits(torino, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    exact = backends.device_probabilities(torino, isa[0], phases)
    assert exact.shape == (n + 1, 2**n)
    np.testing.assert_allclose(exact.sum(axis=1), 1, atol=1e-10)
    out = backends.collect(torino, backends.submit(torino, [(isa[0], phases)], shots=shots, seed=2, calibrate=False))
    for b, counts in enumerate(out[0].counts()):
        freq = np.zeros(2**n)
        for key, c in counts.items():
            freq[int(key, 2)] = c / shots
        # multinomial: each frequency within 5 standard errors (plus 1e-3 for the 1e-5-rad angle rounding
        # the runtime's local mode applies to bound parameters)
        sigma = np.sqrt(exact[b] * (1 - exact[b]) / shots)
        assert np.all(np.abs(freq - exact[b]) <= 5 * sigma + 1e-3), (b, freq, exact[b])
    # noise acts: the phi = 0 parity is below the ideal 1 and above 0.5
    parity = np.array([(-1) ** bin(x).count("1") for x in range(2**n)])
    assert 0.5 < exact[0] @ parity < 0.99


def test_device_probabilities_input_errors(torino):
    circ = circuits.assemble(circuits.ghz(2), circuits.computational_readout(2))
    isa, _ = backends.prepare_circuits(torino, [circ])
    with pytest.raises(ValueError, match="no parameters"):
        backends.device_probabilities(torino, isa[0], [[0.1]])
    with pytest.raises(ValueError, match="no device noise"):
        backends.device_probabilities(backends.resolve_backend("aer"), isa[0])
    bell = circuits.assemble(circuits.ghz(2), circuits.bell_setting(2))
    isa, _ = backends.prepare_circuits(torino, [bell])
    with pytest.raises(ValueError, match="column"):
        backends.device_probabilities(torino, isa[0], np.zeros((3, 2)))


def test_wide_circuit_trajectories_have_the_exact_statistics(torino):
    """Circuits wider than SHOT_BRANCHING_MAX run as matrix-product-state trajectories: same physics as
    the density matrix. Forced here on 3 qubits (width = SHOT_BRANCHING_MAX + 1) to stay small."""
    n, shots = 3, 6000
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 4.0, 0.0), circuits.bell_setting(n))
    isa, lay = backends.prepare_circuits(torino, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    sampler = backends.make_sampler(torino, seed=4, active_qubits=lay.qubits, width=backends.SHOT_BRANCHING_MAX + 1)
    # device noise with Kraus errors: the runtime sampler runs inside backends.rare's sampler (same statistics)
    inner = sampler.inner if isinstance(sampler, RareBranchSampler) else sampler
    assert inner.mode is None and inner.backend().options.method == "matrix_product_state"
    bits = sampler.run([(isa[0], phases)], shots=shots).result()[0].data.meas
    exact = backends.device_probabilities(torino, isa[0], phases)
    parity = np.array([(-1) ** bin(x).count("1") for x in range(2**n)])
    arr = bits.to_bool_array(order="little")
    measured = np.mean(1 - 2 * (arr.sum(axis=-1) % 2), axis=-1)
    want = exact @ parity
    stderr = np.sqrt((1 - want**2) / shots)
    assert np.all(np.abs(measured - want) < 4 * stderr + 1e-3), (measured, want)


@pytest.mark.slow  # 20 000 statevector trajectories: a lost readout error must stand out by many sigma
def test_shot_branching_path_keeps_the_readout_error(torino):
    """Widths DENSITY_MATRIX_MAX+1 .. SHOT_BRANCHING_MAX run as statevector trajectories with Aer's shot
    branching, which drops ReadoutErrors once gate noise has branched; bellsense carries the readout error
    as a channel before measure. Forced here on 3 qubits. The device's readout error shifts these parities
    by several percent, i.e. many standard errors at 20 000 shots, so a lost readout error fails the test."""
    n, shots = 3, 20000
    circ = circuits.assemble(circuits.ghz(n), circuits.sensing_window(n, 2.0, 0.0), circuits.bell_setting(n))
    isa, lay = backends.prepare_circuits(torino, [circ])
    phases = np.asarray(circuits.bell_phases(n, n + 1))[:, None]
    sampler = backends.make_sampler(torino, seed=5, active_qubits=lay.qubits, width=backends.DENSITY_MATRIX_MAX + 1)
    assert sampler.backend().options.method == "statevector"
    bits = sampler.run([(isa[0], phases)], shots=shots).result()[0].data.meas
    arr = bits.to_bool_array(order="little")  # (bindings, shots, n)
    exact = backends.device_probabilities(torino, isa[0], phases)
    outcomes = np.arange(2**n)
    parity = (-1.0) ** np.array([bin(x).count("1") for x in outcomes])
    measured_parity = np.mean(1 - 2 * (arr.sum(axis=-1) % 2), axis=-1)
    want_parity = exact @ parity
    stderr = np.sqrt((1 - want_parity**2) / shots)
    # 4 standard errors, plus 1e-3 for the runtime's rounding of bound angles (as above)
    assert np.all(np.abs(measured_parity - want_parity) < 4 * stderr + 1e-3), (measured_parity, want_parity)
    for q in range(n):  # single-qubit marginals: where a lost readout error shows most directly
        p1 = exact @ ((outcomes >> q) & 1)
        measured = arr[..., q].mean(axis=-1)
        assert np.all(np.abs(measured - p1) < 4 * np.sqrt(p1 * (1 - p1) / shots) + 1e-3), (q, measured, p1)
