"""Checks of the ``[probe]`` keys of the model states and of the network probe (:mod:`bellsense.spec`).

Every check raises :class:`~bellsense.errors.SpecError` as ``"<key>: <problem>; allowed: <values>"``; a key
that no chosen state uses is rejected, not ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

from .spec_values import fail, number

__all__ = ["MODEL_KEYS", "MODEL_MAX_QUBITS", "NETWORKS", "check_models", "check_network"]

#: Model states (``bellsense.models``) and the ``[probe]`` parameters each takes: the ground states, and
#: ``gibbs``, the LMG Gibbs state ``exp(-beta H) / Z`` (``beta`` >= 0, an inverse temperature in units of 1/J).
MODEL_KEYS = {"lmg": ("coupling", "field"), "two_mode": ("coupling",), "ising": ("coupling", "field"),
              "gibbs": ("coupling", "field", "beta")}
#: Largest circuit: ``lmg``/``two_mode``/``gibbs`` by ``circuits.symmetric_state`` (as ``optimal``; ``gibbs``
#: one circuit per ensemble member), ``ising`` by a generic ``StatePreparation`` (O(2^n) gates, not symmetric).
MODEL_MAX_QUBITS = {"lmg": 12, "two_mode": 12, "ising": 8, "gibbs": 12}
#: Lower limits of the model parameters (``None``: any real number).
_MINIMUM = {"beta": 0.0}
#: Network probes: the entangled GHZ-like state, or a GHZ state in each sensor.
NETWORKS = ("linear_function", "separable")


def check_models(states: Sequence[str], sizes: Sequence[int], values: dict[str, float | None]) -> dict[str, float]:
    """The model parameters (``coupling``, ``field``, ``beta``) as floats; each required by a chosen model, none
    without one."""
    models = [s for s in states if s in MODEL_KEYS]
    out: dict[str, float] = {}
    for key, value in values.items():
        users = [s for s in models if key in MODEL_KEYS[s]]
        low = _MINIMUM.get(key)
        allowed = "a real number" if low is None else f"a real number >= {low:g}"
        if value is None:
            if users:
                raise fail(f"probe.{key}", f"is missing for state {users[0]!r}", allowed)
            continue
        if not users:
            takers = " or ".join(repr(s) for s, keys in MODEL_KEYS.items() if key in keys)
            raise fail(f"probe.{key}", f"does not apply to states {list(states)}", f"{key} with state {takers} only")
        out[key] = number(f"probe.{key}", value, minimum=low, allowed=allowed)
    for state in models:
        limit = MODEL_MAX_QUBITS[state]
        if any(n > limit for n in sizes):
            how = "a generic StatePreparation" if state == "ising" else "circuits.symmetric_state"
            raise fail("probe.n", f"{list(sizes)} has n > {limit} for state {state!r} (prepared by {how})",
                       f"n <= {limit} for {state!r}")
    return out


def check_network(states: Sequence[str], network: str | None) -> None:
    """``probe.network`` applies to state ``network`` only and names a known probe."""
    if network is None:
        return
    if "network" not in states:
        raise fail("probe.network", f"does not apply to states {list(states)}", "network with state 'network' only")
    if network not in NETWORKS:
        raise fail("probe.network", f"unknown network probe {network!r}", ", ".join(map(repr, NETWORKS)))
