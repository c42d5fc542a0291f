"""IBM Quantum credentials: the one thin seam to ``QiskitRuntimeService``.

Credentials come from the saved account (``~/.qiskit/qiskit-ibm.json``) or from the
documented environment variables ``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_INSTANCE``,
``QISKIT_IBM_CHANNEL`` (``QiskitRuntimeService`` reads both itself). Nothing here
ever formats a token or any environment value into a message, log or record.
"""

from __future__ import annotations

from typing import Any

from bellsense.errors import BellsenseError

__all__ = ["CredentialsError", "SAVE_ACCOUNT_HINT", "runtime_service"]

SAVE_ACCOUNT_HINT = (
    "no usable IBM Quantum account: save one with "
    "`python -c \"from qiskit_ibm_runtime import QiskitRuntimeService; "
    "QiskitRuntimeService.save_account(channel='ibm_quantum_platform', token='<API key>', "
    "instance='<CRN>', set_as_default=True)\"` or set QISKIT_IBM_TOKEN and QISKIT_IBM_INSTANCE"
)


class CredentialsError(BellsenseError, RuntimeError):
    """A missing or invalid IBM Quantum credential (the CLI maps it to exit code 2).

    The message is one line, says how to save an account and never contains a token.
    """


def runtime_service(channel: str | None = None, instance: str | None = None) -> Any:
    """Return an authenticated ``QiskitRuntimeService``.

    Parameters
    ----------
    channel, instance : str, optional
        Passed to ``QiskitRuntimeService``; ``None`` lets it use the saved account or the
        ``QISKIT_IBM_*`` environment variables.

    Raises
    ------
    CredentialsError
        No saved account and no environment credentials, or the service rejected them.
        The original exception is deliberately not chained: its text may quote the token.
    """
    from qiskit_ibm_runtime import QiskitRuntimeService
    from qiskit_ibm_runtime.accounts.exceptions import AccountsError
    from qiskit_ibm_runtime.exceptions import IBMAccountError, IBMNotAuthorizedError

    kwargs: dict[str, str] = {}
    if channel is not None:
        kwargs["channel"] = channel
    if instance is not None:
        kwargs["instance"] = instance
    try:
        return QiskitRuntimeService(**kwargs)
    except (AccountsError, IBMAccountError, IBMNotAuthorizedError):
        raise CredentialsError(SAVE_ACCOUNT_HINT) from None
    except Exception as exc:  # malformed token/instance, rejected key, unreachable IAM
        # Only the exception's type is reported: its text may quote the token or instance.
        raise CredentialsError(
            f"IBM Quantum account could not be used ({type(exc).__name__}); {SAVE_ACCOUNT_HINT}"
        ) from None
