"""bellsense.estimators: exact quantities on states (``exact``) and counts -> estimates (``measured``).

Each quantity is defined once in exact form; the counts estimator is tested against it.
"""

from .exact import *  # noqa: F401,F403
from .exact import __all__ as _exact_all
from .measured import *  # noqa: F401,F403
from .measured import __all__ as _measured_all

__all__ = list(_exact_all) + list(_measured_all)
