"""bellsense: quantum-sensing experiments on qubits, from circuits to Fisher information.

Public facade. The four layers are subpackages::

    from bellsense import circuits, noise, backends, estimators
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import axes, spin, states  # noqa: E402  (core first: the layers import it)

__all__ = ["__version__", "axes", "spin", "states"]
