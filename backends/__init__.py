"""bellsense.backends: Aer simulation, fake devices and IBM Quantum hardware; job records."""

from .aer import *  # noqa: F401,F403
from .aer import __all__ as _aer_all
from .hardware import *  # noqa: F401,F403
from .hardware import __all__ as _hardware_all

__all__ = list(_aer_all) + list(_hardware_all)
