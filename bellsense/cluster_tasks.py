"""Tasks of a distributed sweep, their seeds, the credential guard and the append-only results log.

Nothing here imports Dask: a serial run and ``bellsense fetch`` use these pieces without it.
:mod:`bellsense.cluster` runs the tasks (in-process or on a Dask cluster) and re-exports every
public name of this module.

A task is one independent unit of work: a stable string ``key`` (its identity, e.g.
``"point/ghz/n=4/t=0.5"``) and a small JSON payload. Its seed is a function of the run seed and
the key only (:func:`task_seed`), so that the results do not depend on where or in which order
the tasks ran.
"""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import BellsenseError, RunFailure

__all__ = [
    "CREDENTIAL_KEYS",
    "check_unique_keys",
    "ResultsLog",
    "Task",
    "TaskResult",
    "UnsafePayload",
    "check_payload",
    "pending_tasks",
    "task_seed",
]

#: Payload keys refused by :func:`check_payload` (compared lower-case, without ``_`` and ``-``).
CREDENTIAL_KEYS = frozenset({
    "token", "apitoken", "accesstoken", "refreshtoken", "bearertoken", "authtoken", "apikey", "accesskey",
    "secretkey", "privatekey", "password", "passwd", "passphrase", "secret", "clientsecret", "credential",
    "credentials", "instance", "authorization", "auth", "cookie", "sessionid",
})
# Suffixes that make a key credential-like too ("ibm_token", "db_password"), not "max_tokens".
_CREDENTIAL_SUFFIXES = ("token", "apikey", "password", "secret", "credentials")
# Values that are credentials whatever their key: IBM Cloud CRNs (the IBM Quantum instance),
# HTTP bearer headers, PEM private keys.
_CREDENTIAL_VALUE = re.compile(r"^\s*(crn:v1:|bearer\s+\S|-----BEGIN [A-Z ]*PRIVATE KEY-----)", re.IGNORECASE)
# Environment variables whose values must never travel in a payload (the IBM Quantum account).
_SECRET_ENV = ("QISKIT_IBM_TOKEN", "QISKIT_IBM_INSTANCE", "IBM_QUANTUM_TOKEN", "IBMQ_TOKEN")

_SEED_MODULUS = 2**63


class UnsafePayload(BellsenseError, ValueError):
    """A task payload is not JSON or carries a credential: tasks cross the network in the clear."""


def task_seed(run_seed: int, key: str) -> int:
    """The seed of one task, from the run seed and the task's key only.

    ``int.from_bytes(blake2b(f"{run_seed}:{key}", digest_size=8), "little") mod 2^63``: independent
    of the execution order, the worker and the number of workers, so that an in-process run, a
    run on two local workers and a run on a remote cluster draw identical shots.

    Raises
    ------
    ValueError
        If ``run_seed`` is not a non-negative int or ``key`` is not a non-empty string.
    """
    if isinstance(run_seed, bool) or not isinstance(run_seed, int) or run_seed < 0:
        raise ValueError(f"run_seed must be a non-negative int, got {run_seed!r}")
    if not isinstance(key, str) or not key:
        raise ValueError(f"a task key must be a non-empty string, got {key!r}")
    digest = hashlib.blake2b(f"{run_seed}:{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") % _SEED_MODULUS


def _is_credential_key(name: str) -> bool:
    norm = name.lower().replace("_", "").replace("-", "")
    return norm in CREDENTIAL_KEYS or norm.endswith(_CREDENTIAL_SUFFIXES)


def _walk(value: Any, path: str, secrets: Collection[str]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            if _is_credential_key(str(k)):
                raise UnsafePayload(
                    f"payload key {path}{k!s} looks like a credential; task payloads travel to the workers "
                    "unencrypted unless TLS is configured, so credentials stay in the submitting process "
                    f"(refused keys: {', '.join(sorted(CREDENTIAL_KEYS))} and names ending in "
                    f"{', '.join(_CREDENTIAL_SUFFIXES)})"
                )
            _walk(v, f"{path}{k!s}.", secrets)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}{i}.", secrets)
    elif isinstance(value, str) and (_CREDENTIAL_VALUE.match(value) or value in secrets):
        where = path[:-1] or "(top level)"
        raise UnsafePayload(
            f"payload value at {where} looks like a credential (an IBM Cloud CRN, a bearer header, a private "
            "key or the value of an IBM Quantum credential variable); credentials stay in the submitting process"
        )


def check_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a task payload and return its JSON-normalised copy.

    The copy is ``json.loads(json.dumps(payload))``: tuples become lists, so a task function sees
    exactly the same payload in-process as on a worker or after a restart from the results log.

    Raises
    ------
    TypeError
        If the payload is not a mapping with string keys.
    UnsafePayload
        If it is not JSON-serialisable (NaN/inf included), or if a key looks like a credential
        (:data:`CREDENTIAL_KEYS`, or a name ending in token/apikey/password/secret/credentials),
        or a string value is an IBM Cloud CRN, a bearer header, a PEM private key or the value of
        one of the environment variables ``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_INSTANCE``.
    """
    if not isinstance(payload, Mapping):
        raise TypeError(f"a task payload must be a mapping (a JSON object), got {type(payload).__name__}")
    try:
        normal = json.loads(json.dumps(payload, allow_nan=False, sort_keys=True))
    except (TypeError, ValueError) as exc:
        raise UnsafePayload(
            f"a task payload must be JSON (dicts with string keys, lists, str, int, finite float, bool, None): {exc}; "
            "send circuits as QPY bytes encoded in base64, or rebuild them from the spec on the worker"
        ) from exc
    secrets = {v for v in (os.environ.get(name) for name in _SECRET_ENV) if v}
    _walk(normal, "", secrets)
    return normal


@dataclass(frozen=True)
class Task:
    """One independent unit of work.

    Attributes
    ----------
    key : str
        Its identity, stable across runs (e.g. ``"point/ghz/n=4/t=0.5"``); it fixes the seed
        (:func:`task_seed`) and the entry in the results log.
    payload : dict
        What the task function needs, as JSON (validated by :func:`check_payload`).
    """

    key: str
    payload: dict[str, Any]

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key or self.key != self.key.strip():
            raise ValueError(f"a task key must be a non-empty string without surrounding blanks, got {self.key!r}")
        object.__setattr__(self, "payload", check_payload(self.payload))


@dataclass(frozen=True)
class TaskResult:
    """The outcome of one task.

    Attributes
    ----------
    key : str
        The task's key.
    value : Any
        What the task function returned (JSON-native values survive the results log unchanged).
    seed : int
        The seed the task ran with (:func:`task_seed`).
    worker : str
        Address of the Dask worker it ran on, or ``"in-process"``.
    duration : float
        Seconds spent in the task function (on the worker; excludes scheduling and transfer).
    """

    key: str
    value: Any
    seed: int
    worker: str
    duration: float

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value, "seed": self.seed, "worker": self.worker,
                "duration": self.duration}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskResult:
        missing = {"key", "value", "seed", "worker", "duration"} - set(data)
        if missing:
            raise ValueError(f"a task result needs key, value, seed, worker and duration; missing {sorted(missing)}")
        return cls(str(data["key"]), data["value"], int(data["seed"]), str(data["worker"]), float(data["duration"]))


def pending_tasks(tasks: Iterable[Task], done_keys: Collection[str]) -> list[Task]:
    """The tasks whose key is not in ``done_keys``, in their original order.

    ``bellsense fetch`` completes a killed run with
    ``run_tasks(pending_tasks(tasks, ResultsLog(path).load()), ...)``: only the missing tasks are
    recomputed, and since seeds come from the keys, with the same results as an undisturbed run.
    """
    done = set(done_keys)
    return [task for task in tasks if task.key not in done]


class ResultsLog:
    """Append-only JSON-lines file of task results, one line per finished task.

    Every :meth:`append` writes one line and ``fsync``\\ s it, so a result that was reported is on
    disk even if the run is killed right after. A kill in the middle of a write leaves at most a
    truncated last line: :meth:`load` ignores it, and the next :meth:`append` cuts it off first.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = pathlib.Path(path)
        self._repaired = False

    def __repr__(self) -> str:
        return f"ResultsLog({str(self.path)!r})"

    def _cut_partial_line(self) -> None:
        if not self.path.exists():
            return
        with open(self.path, "r+b") as fh:
            data = fh.read()
            if data and not data.endswith(b"\n"):
                fh.truncate(data.rfind(b"\n") + 1)
                fh.flush()
                os.fsync(fh.fileno())

    def append(self, result: TaskResult) -> None:
        """Write one result as a JSON line and fsync it."""
        if not isinstance(result, TaskResult):
            raise TypeError(f"ResultsLog.append takes a TaskResult, got {type(result).__name__}")
        line = json.dumps(result.to_dict(), sort_keys=True)  # escapes newlines: one result, one line
        if not self._repaired:
            self._cut_partial_line()
            self._repaired = True
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def extend(self, results: Iterable[TaskResult]) -> None:
        for result in results:
            self.append(result)

    def load(self) -> dict[str, TaskResult]:
        """The results on disk by task key (the last line wins if a key appears twice).

        A missing file gives ``{}``. A last line without its newline (a write cut by a kill) is
        ignored.

        Raises
        ------
        RunFailure
            If a complete line is not a task result (the file was edited or is not a results log).
        """
        if not self.path.exists():
            return {}
        text = self.path.read_text(encoding="utf-8")
        complete = text.split("\n")[:-1]  # the part after the last newline is "" or a cut write
        out: dict[str, TaskResult] = {}
        for lineno, line in enumerate(complete, start=1):
            if not line.strip():
                continue
            try:
                result = TaskResult.from_dict(json.loads(line))
            except (ValueError, TypeError) as exc:
                raise RunFailure(f"{self.path}, line {lineno}: not a task result ({exc})") from exc
            out[result.key] = result
        return out


def check_unique_keys(tasks: Sequence[Task]) -> None:
    """Raise ``ValueError`` naming the first key that two tasks share (keys are identities)."""
    seen: set[str] = set()
    for task in tasks:
        if not isinstance(task, Task):
            raise TypeError(f"tasks must be bellsense.cluster.Task objects, got {type(task).__name__}")
        if task.key in seen:
            raise ValueError(f"two tasks share the key {task.key!r}; a task key must identify one unit of work")
        seen.add(task.key)

