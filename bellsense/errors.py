"""The one exception base class of bellsense.

Every error that bellsense raises on purpose derives from :class:`BellsenseError`, so a caller can
catch the toolkit's failures in one ``except`` clause. Errors about a bad argument also derive from
``ValueError`` (or ``TypeError``), so code written against the standard exceptions keeps working.
"""

from __future__ import annotations


class BellsenseError(Exception):
    """Base class of every error bellsense raises on purpose."""


class SpecError(BellsenseError, ValueError):
    """A spec (TOML file or dataclass) holds a bad key or value: names the key, the file and what is allowed."""


class SetupError(BellsenseError):
    """A run cannot start (backend, sizes, output folder): nothing was submitted. CLI exit code 2."""


class RunFailure(BellsenseError):
    """A run failed after submission; its record (with the job submissions) stays, so ``fetch`` can finish it."""
