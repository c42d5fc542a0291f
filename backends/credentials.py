"""IBM Quantum credentials: the one thin seam to ``QiskitRuntimeService``.

Credentials come from the saved account (``~/.qiskit/qiskit-ibm.json``) or from the
documented environment variables ``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_INSTANCE``,
``QISKIT_IBM_CHANNEL`` (``QiskitRuntimeService`` reads both itself). Nothing here
ever formats a token or any environment value into a message, log or record.
"""

from __future__ import annotations

import os
from typing import Any

from bellsense.errors import BellsenseError

__all__ = ["CredentialsError", "SAVE_ACCOUNT_HINT", "CRN_FORM_HINT", "crn_problem", "runtime_service"]

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
    given = instance if instance is not None else os.environ.get("QISKIT_IBM_INSTANCE")
    if given is not None and crn_problem(given):
        raise CredentialsError(f"IBM Quantum instance: {crn_problem(given)}")
    try:
        return QiskitRuntimeService(**kwargs)
    except (AccountsError, IBMAccountError, IBMNotAuthorizedError) as exc:
        # the runtime reports an unreachable network as a bad account: say which it was
        raise CredentialsError(_network_problem(exc) or SAVE_ACCOUNT_HINT) from None
    except Exception as exc:  # malformed token/instance, rejected key, unreachable IAM
        network = _network_problem(exc)
        if network:
            raise CredentialsError(network) from None
        if isinstance(exc, AttributeError):  # the runtime's CRN parser on a saved malformed instance
            raise CredentialsError(f"IBM Quantum instance: {CRN_FORM_HINT}") from None
        # Only the exception's type is reported: its text may quote the token or instance.
        raise CredentialsError(
            f"IBM Quantum account could not be used ({type(exc).__name__}); {SAVE_ACCOUNT_HINT}"
        ) from None


CRN_FORM_HINT = ("not a valid CRN; allowed: crn:v1:<cname>:<ctype>:<service>:<region>:a/<account>:<instance>:: "
                 "(copy it from the instance's page on quantum.cloud.ibm.com), or an instance name")

#: Exception classes (by name: requests, urllib3, socket) that mean the network, not the account, failed.
_NETWORK_ERRORS = frozenset({"ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "MaxRetryError",
                             "NewConnectionError", "NameResolutionError", "gaierror", "TimeoutError",
                             "ConnectionRefusedError", "ProxyError", "SSLError"})


def crn_problem(instance: str) -> str | None:
    """Why ``instance`` is not a usable CRN (``None`` when it is one, or is an instance name).

    A CRN has ten colon-separated fields, ``crn:v1:bluemix:public:quantum-computing:us-east:a/<account>:
    <instance>::``; the runtime client fails on a malformed one with an ``AttributeError``.
    The message never quotes the instance.
    """
    if not isinstance(instance, str) or not instance.strip():
        return "is empty; allowed: a CRN or an instance name"
    if not instance.startswith("crn:"):
        return None
    parts = instance.split(":")
    if len(parts) != 10 or parts[1] != "v1" or not all(parts[2:8]):
        return CRN_FORM_HINT
    return None


def _network_problem(exc: BaseException) -> str | None:
    """A message when ``exc`` (or an exception it was raised from) is a network failure, else ``None``."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if type(cause).__name__ in _NETWORK_ERRORS:
            return (f"cannot reach IBM Quantum: the network is unreachable ({type(cause).__name__}); "
                    "the credentials were found but could not be checked; allowed: retry with network access")
        cause = cause.__cause__ or cause.__context__
    return None
