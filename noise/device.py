"""Noise of a ``qiskit_ibm_runtime.fake_provider`` device snapshot (explicit opt-in only).

The model is Aer's ``NoiseModel.from_backend`` of the fake device: gate errors and durations,
thermal relaxation and readout error per physical qubit. Circuits must be transpiled to the
device (physical qubit indices) for it to apply; nothing in bellsense uses it unless a device
name is given.
"""

from __future__ import annotations

import re
import warnings

from qiskit_aer.noise import NoiseModel

__all__ = ["device_noise_model", "fake_device"]


def _canonical(name: str) -> str:
    """``"FakeTorino"``, ``"fake_torino"``, ``"torino"`` -> ``"fake_torino"``."""
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", name.strip()).lower()
    snake = snake.replace("-", "_")
    return snake if snake.startswith("fake_") else f"fake_{snake}"


def fake_device(name: str):
    """The ``FakeBackendV2`` called ``name`` (e.g. "FakeTorino", "fake_torino" or "torino")."""
    if not isinstance(name, str) or not name.strip():
        raise TypeError(f"device name must be a non-empty str, got {name!r}")
    from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

    wanted = _canonical(name)
    with warnings.catch_warnings():  # some snapshots warn on construction ("not typical values")
        warnings.simplefilter("ignore", UserWarning)
        provider = FakeProviderForBackendV2()
        names = sorted(b.name for b in provider.backends())
    # Older snapshots carry a "_v2" suffix ("fake_athens_v2").
    for cand in (wanted, f"{wanted}_v2", wanted.removesuffix("_v2")):
        if cand in names:
            return provider.backend(cand)
    raise ValueError(f"unknown fake device {name!r}; available: {', '.join(names)}")


def device_noise_model(name: str) -> NoiseModel:
    """Aer noise model of a fake IBM device (``NoiseModel.from_backend``).

    Raises
    ------
    ValueError
        For a name that is not a ``qiskit_ibm_runtime.fake_provider`` device.
    """
    return NoiseModel.from_backend(fake_device(name))
