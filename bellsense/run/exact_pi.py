"""Exact references of symmetric probes from the permutation-invariant engine, at any n.

A symmetric probe (``ghz``, ``product``, ``dicke``, ``symmetric``) under noise that acts identically on
every qubit stays permutation-invariant (``bellsense.states.PIState``): the window is
``noise.evolve`` with the spec's rates (local dephasing ``L = sigma_z``; emission ``|1> -> |0>``, or
``|0> -> |1>`` (``pumping``) for ``emission_direction = "up"``; T1/T2 as emission ``1/T1`` plus
dephasing ``(1/T2 - 1/(2 T1))/2``, as ``noise.thermal``; collective dephasing ``kappa`` as the repeated
measurement of ``J_z``, Marconi, Riera-Campeny, Sanpera & Aloy 2022, eq. 7), then the field rotation
``exp(-i phi t J_z)``. All of these commute with one another (z-covariant channels), so their order
does not matter. The exact values then follow from ``estimators.pi_qfi``, the collective readout
statistics (``estimators.PIFamily``), ``estimators.pi_bell_correlator_axis_log10`` and
``estimators.pi_bell_value``. Gate errors act on the (not permutation-invariant) preparation circuit and
per-qubit rates that differ break the symmetry: :func:`pi_rates` says so and the dense path (or none)
is used instead.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.sparse as sp

from .. import estimators, states
from ..axes import frame
from ..noise import NoiseSpec
from ..pistate import PIState
from ..spec import ExperimentSpec

__all__ = ["PI_STATES", "pi_rates", "initial_pi_state", "window_pi_state", "pi_extras", "pi_squeezing",
           "bell_fields", "point_bound", "local_rates", "optimal_amplitudes"]

#: Probe states the permutation-invariant engine represents.
PI_STATES = ("ghz", "product", "dicke", "symmetric", "optimal", "lmg", "two_mode", "gibbs")


def _uniform(value: float | tuple[float, ...]) -> float | None:
    """One rate for every qubit (a scalar, or a per-qubit list of equal entries); None if they differ."""
    if isinstance(value, tuple):
        return float(value[0]) if all(v == value[0] for v in value) else None
    return float(value)


def pi_rates(noise: NoiseSpec) -> tuple[dict[str, Any] | None, str]:
    """Keyword arguments of ``noise.evolve`` for the window noise of ``noise``, or ``None`` and why not."""
    if noise.device is not None:
        return None, f"the noise model of device {noise.device!r} is not permutation-invariant"
    if noise.gate_error_1q > 0 or noise.gate_error_2q > 0:
        return None, "gate errors act on the preparation circuit, which is not permutation-invariant"
    gd, ge = _uniform(noise.dephasing), _uniform(noise.emission)
    if gd is None or ge is None:
        return None, "per-qubit dephasing/emission rates differ between qubits"
    down, up = (ge, 0.0) if noise.emission_direction == "down" else (0.0, ge)
    if noise.T1 is not None and noise.T2 is not None:  # noise.thermal: emission 1/T1 (down) + dephasing
        down += 1.0 / noise.T1
        gd += max(0.0, 0.5 * (1.0 / noise.T2 - 0.5 / noise.T1))
    rates: dict[str, Any] = {"dephasing": gd, "emission": down, "pumping": up}
    if noise.kappa > 0:
        rates["measurement"] = (noise.kappa, lambda jx, jy, jz: jz)
    return rates, "symmetric probe, identical noise on every qubit"


def initial_pi_state(spec: ExperimentSpec, state: str, n: int, t: float | None = None,
                     noise_index: int = 0) -> PIState:
    """The probe as prepared by ``run.build.prep_circuit``, as a ``PIState`` (``optimal`` needs the window t).

    ``noise_index``: the noise setting whose window the ``optimal`` probe is chosen for.
    """
    if state == "ghz":
        return PIState.from_dicke(states.ghz(n, basis="dicke"))
    if state == "product":  # circuits.product(n): |+>^n
        return PIState.product(n, np.array([1.0, 1.0]) / math.sqrt(2.0))
    if state == "dicke":
        return PIState.from_dicke(states.dicke(n, spec.probe.dicke_k(n), basis="dicke"))
    if state == "symmetric":
        return PIState.from_dicke(np.asarray(spec.probe.amplitudes, dtype=float))
    if state == "optimal":
        if t is None:
            raise ValueError("the 'optimal' probe depends on the window: give its duration t")
        return PIState.from_dicke(optimal_amplitudes(spec, n, t, noise_index))
    if state in ("lmg", "two_mode"):
        from .probes import model_pi_state

        return model_pi_state(spec, state, n)
    if state == "gibbs":  # a mixed state: PIState.from_dicke of its Dicke-basis density matrix (run.ensemble)
        from .ensemble import ensemble_pi_state

        return ensemble_pi_state(spec, state, n)
    raise ValueError(f"state {state!r} is not permutation-symmetric; allowed: {', '.join(PI_STATES)}")


def _rotate_z(st: PIState, angle: float) -> PIState:
    """``exp(-i angle J_z) rho exp(i angle J_z)``: entry (m, m') gains ``exp(-i angle (m - m'))``."""
    if angle == 0.0:
        return st
    if st.data is None and st.qubit is not None:
        q = st.qubit.copy()
        q[0, 1] *= np.exp(-1j * angle)
        q[1, 0] *= np.exp(1j * angle)
        return PIState(st.n, None, q)
    out = []
    for block in st.blocks:
        d = block.shape[0]
        if sp.issparse(block):
            coo = sp.coo_matrix(block)
            data = coo.data * np.exp(-1j * angle * (coo.col - coo.row))
            out.append(sp.csr_matrix((data, (coo.row, coo.col)), shape=(d, d)))
        else:
            idx = np.arange(d)
            out.append(np.asarray(block) * np.exp(-1j * angle * (idx[None, :] - idx[:, None])))
    return PIState(st.n, tuple(out))


def window_pi_state(spec: ExperimentSpec, state: str, n: int, t: float, noise_index: int = 0) -> PIState:
    """The PI state after preparation and the noisy sensing window of duration t (field ``phi t`` about z).

    ``noise_index``: the window's noise setting (``spec.noises[noise_index]``; a point's ``plan.noise_index``).

    Raises
    ------
    ValueError
        If the spec's noise cannot be expressed by the engine (see :func:`pi_rates`).
    """
    from .. import noise

    rates, why = pi_rates(spec.noises[noise_index])
    if rates is None:
        raise ValueError(f"no permutation-invariant window: {why}")
    st = initial_pi_state(spec, state, n, t, noise_index)
    if t > 0 and (rates["dephasing"] or rates["emission"] or rates["pumping"] or "measurement" in rates):
        st = noise.evolve(st, [float(t)], **rates)[0]
    return _rotate_z(st, float(spec.sensing.phi) * float(t))


def pi_squeezing(st: PIState, axis: str) -> float:
    """Wineland ``xi^2 = N Var(J_xi) / (<J_e1>^2 + <J_e2>^2)`` in the encoding frame, from the PI moments.

    The same quantity as ``run.exact.squeezing_exact`` (Wineland et al., Phys. Rev. A 50, 67 (1994)).
    """
    e1, e2, xi = frame(axis)
    first, second = estimators.pi_moments(st)
    var = float(np.real(xi @ second @ xi)) - float(xi @ first) ** 2
    trans = float(e1 @ first) ** 2 + float(e2 @ first) ** 2
    return float(st.n * var / trans) if trans > 1e-14 else float("inf")


def bell_fields(log10_e: float, n: int) -> dict[str, Any]:
    """``bell_correlator_exact`` (0 where it underflows), its log10 and the certified depth (n >= 3)."""
    out: dict[str, Any] = {"bell_correlator_exact": 10.0**log10_e if math.isfinite(log10_e) else 0.0,
                           "bell_correlator_log10_exact": log10_e if math.isfinite(log10_e) else None}
    if n >= 3:
        value = out["bell_correlator_exact"]
        # A float E carries the absolute error of a float64 state (CORRELATOR_ATOL rule); one that
        # underflows certifies nothing (its lower bound is below every threshold 2^-N).
        cert = (estimators.depth_certificate(min(value, 0.25), n) if value > 0 else
                estimators.depth_certificate(estimators.CorrelatorLog10(log10_e, -math.inf), n))
        out["nonlocality_depth_exact"] = int(cert.depth)
    return out


def pi_extras(spec: ExperimentSpec, st: PIState) -> dict[str, Any]:
    """Bell correlator (with log10, depth and GHZ fidelity), PI Bell value and squeezing, where measured."""
    out: dict[str, Any] = {}
    quantities = spec.measure.quantities
    if "bell" in quantities:
        out.update(bell_fields(estimators.pi_bell_correlator_axis_log10(st, spec.sensing.axis), st.n))
        out["ghz_fidelity_exact"] = estimators.pi_ghz_fidelity(st)
    if "pi_bell" in quantities and isinstance(spec.measure.pi_bell_angles, tuple):  # "optimal": run.exact
        phi, theta = spec.measure.pi_bell_angles
        out["pi_bell_exact"] = estimators.pi_bell_value(st, phi, theta)
    if "squeezing" in quantities:
        out["squeezing_exact"] = pi_squeezing(st, spec.sensing.axis)
    return out


def point_bound(spec: ExperimentSpec, n: int, t: float, device_run: bool,
                noise_index: int = 0) -> tuple[float | None, str | None]:
    """``estimators.parallel_bound`` for a point's n, t and local rates (setting ``noise_index``), or ``(None, why)``.

    The channel-extension bound (Demkowicz-Dobrzański, Kołodyński & Guţă, Nat. Commun. 3, 1063 (2012),
    arXiv:1201.3940) bounds the QFI about theta of any probe for the encoding about z followed by the local
    channel. Collective dephasing and gate errors only add noise, so it stays an upper bound with them
    (not a tight one). None on devices (their noise is not a rate of this channel), for other encoding
    axes, for per-qubit rates that differ, and for emission in both directions at once.
    """
    if device_run:
        return None, "device noise: no parallel bound"
    if spec.sensing.axis != "z":
        return None, f"parallel_bound is for the encoding about z, not {spec.sensing.axis!r}"
    rates, why = local_rates(spec.noises[noise_index])
    if rates is None:
        return None, why
    # emission up (|0> -> |1>) gives the same bound: X on every qubit maps it to emission down and J_z to -J_z.
    return float(estimators.parallel_bound(n, float(t), dephasing=rates[0], emission=rates[1])), None


def local_rates(noise: NoiseSpec) -> tuple[tuple[float, float, str] | None, str]:
    """``(dephasing, emission, direction)`` of the local channel (T1/T2 folded in as ``noise.thermal``), or why not.

    The form ``parallel_bound`` and ``optimal_symmetric_probe`` take: one emission direction only.
    """
    gd, ge = _uniform(noise.dephasing), _uniform(noise.emission)
    if gd is None or ge is None:
        return None, "per-qubit rates differ between qubits"
    direction = noise.emission_direction if ge > 0 else "down"
    if noise.T1 is not None and noise.T2 is not None:
        if direction == "up":
            return None, "emission in both directions (T1 down, emission up)"
        ge += 1.0 / noise.T1
        gd += max(0.0, 0.5 * (1.0 / noise.T2 - 0.5 / noise.T1))
    return (gd, ge, direction), ""


@lru_cache(maxsize=64)
def _optimal(n: int, t: float, axis: str, dephasing: float, emission: float) -> tuple[float, ...]:
    amps, _ = estimators.optimal_symmetric_probe(n, t, axis, dephasing=dephasing, emission=emission)
    return tuple(np.asarray(amps, dtype=complex).view(float))


def optimal_amplitudes(spec: ExperimentSpec, n: int, t: float, noise_index: int = 0) -> np.ndarray:
    """Dicke amplitudes of the ``optimal`` probe: ``estimators.optimal_symmetric_probe`` for the window's local noise.

    The probe maximises the QFI about ``J_axis`` after the local channel of the window (dephasing and
    emission, T1/T2 folded in). Emission up is emission down after X on every qubit, which maps
    ``|D_k>`` to ``|D_{n-k}>`` and ``J_axis`` to ``±J_axis``: the amplitudes are reversed. Collective
    dephasing and gate errors are not part of the optimisation. Cached: prepared and evaluated once.
    """
    rates, why = local_rates(spec.noises[noise_index])  # the window of setting noise_index
    if rates is None:
        raise ValueError(f"state 'optimal': {why}; allowed: one rate for every qubit")
    gd, ge, direction = rates
    amps = np.asarray(_optimal(int(n), float(t), spec.sensing.axis, gd, ge)).view(complex)
    return amps[::-1].copy() if direction == "up" else amps
