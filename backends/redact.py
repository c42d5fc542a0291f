"""Secrets never reach a record: redaction of error texts before they are stored or shown.

A runtime error may quote what the client sent: an API key, a bearer token, an IBM Cloud CRN
(``crn:v1:...``, which names the account and instance). Job errors are stored in the run record
as ``"<ExceptionType>: <redacted message>"`` (:func:`describe_error`).
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "redact", "describe_error"]

REDACTED = "[REDACTED]"

_PATTERNS = (
    # Authorization / Bearer headers: the whole credential after the scheme.
    re.compile(r"(?i)\b(authorization\s*[:=]\s*)(?:bearer\s+|basic\s+|apikey\s+)?[^\s,;'\"]+"),
    re.compile(r"(?i)\b(bearer\s+)[^\s,;'\"]+"),
    # key=value / key: value with a secret-looking key name.
    re.compile(r"(?i)\b((?:api[_-]?key|apikey|token|access[_-]?token|secret|password|passwd|instance)"
               r"['\"]?\s*[:=]\s*['\"]?)[^\s,;'\"]+"),
    # IBM Cloud resource names: crn:v1:bluemix:public:... up to whitespace or a quote.
    re.compile(r"(?i)()crn:v1:[^\s'\",;]*"),
    # Tokens written as tok-..., sk-..., key-...
    re.compile(r"(?i)()\b(?:tok|sk|key|api)[-_][A-Za-z0-9._~+/=-]{6,}"),
    # Long base64/hex-ish runs (API keys, JWTs): 24+ characters of that alphabet with a digit in them.
    re.compile(r"()\b(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9_~+/=-]{24,}(?:\.[A-Za-z0-9_~+/=-]+)*"),
)

# UUIDs are job ids, not secrets: keep them readable.
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


def redact(text: str) -> str:
    """``text`` with tokens, API keys, CRNs and Authorization/Bearer credentials replaced by ``[REDACTED]``.

    Kept: job ids (UUIDs), short words, numbers. Removed: ``Authorization: ...``, ``Bearer ...``,
    ``token=...``/``api_key: ...``/``instance=...`` values, ``crn:v1:...``, ``tok-...``/``sk-...`` and
    any run of 24+ base64/hex characters that contains a digit.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact needs a str, got {type(text).__name__}")
    uuids: list[str] = []

    def keep(match: re.Match[str]) -> str:
        uuids.append(match.group(0))
        return f"\x00{len(uuids) - 1}\x00"

    out = _UUID.sub(keep, text)
    for pattern in _PATTERNS:
        out = pattern.sub(lambda m: m.group(1) + REDACTED, out)
    return re.sub(r"\x00(\d+)\x00", lambda m: uuids[int(m.group(1))], out)


def describe_error(exc: BaseException) -> str:
    """One redacted line for a record: ``"<ExceptionType>: <message>"``."""
    message = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {redact(message)}" if message else type(exc).__name__
