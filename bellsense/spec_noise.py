"""The noise settings of the experiment spec (:mod:`bellsense.spec`): one ``[noise]`` table or several ``[[noise]]``.

A spec has one noise setting (the TOML table ``[noise]``) or several (the array of tables ``[[noise]]``,
each a full :class:`bellsense.noise.NoiseSpec` plus an optional ``label``); every ``(state, n, t)`` point is
run once per setting. Errors name the key with the setting's 1-based position (``noise[2].dephasing``, the
second ``[[noise]]`` table) and raise :class:`~bellsense.errors.SpecError` as
``"<key>: <problem>; allowed: <values>"``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import SpecError
from .noise import NoiseSpec
from .spec_values import fail

__all__ = ["NOISE_KEYS", "MAX_LABEL", "parse_noises", "default_noise_labels", "check_noises", "noises_to_dict",
           "noise_key"]

#: The keys of one noise setting: the fields of ``NoiseSpec`` (``label`` is the setting's name in a ``[[noise]]``).
NOISE_KEYS = tuple(f.name for f in dataclasses.fields(NoiseSpec))
#: Longest label (the table's noise column).
MAX_LABEL = 40
_DEVICE = re.compile(r"^fake_[a-z0-9_]+$")


def noise_key(index: int, count: int) -> str:
    """The key prefix of setting ``index`` (0-based) in messages: ``noise`` (one setting) or ``noise[i]`` (1-based)."""
    return "noise" if count == 1 else f"noise[{index + 1}]"


def _value_text(value: Any) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(_value_text(v) for v in value) + "]"
    return format(value, "g") if isinstance(value, float) else str(value)


def default_noise_labels(noises: Sequence[NoiseSpec]) -> tuple[str, ...]:
    """Labels for settings given without one: the keys in which the settings differ (``"dephasing=0.2"``).

    ``"noise i"`` (1-based) when there is one setting, when the settings do not differ, when such a
    description would be longer than :data:`MAX_LABEL` or when two descriptions coincide.
    """
    fallback = tuple(f"noise {i + 1}" for i in range(len(noises)))
    if len(noises) < 2:
        return fallback
    keys = [k for k in NOISE_KEYS if len({getattr(nz, k) for nz in noises}) > 1]
    labels = tuple(", ".join(f"{k}={_value_text(getattr(nz, k))}" for k in keys) for nz in noises)
    if not keys or len(set(labels)) != len(labels) or any(len(lb) > MAX_LABEL for lb in labels):
        return fallback
    return labels


def _one(index: int, count: int, table: Any) -> tuple[NoiseSpec, str | None]:
    key = noise_key(index, count)
    if not isinstance(table, Mapping):
        raise fail(key, f"{table!r} is not a table", "a [noise] table, or [[noise]] tables (each a noise setting)")
    values = dict(table)
    label = values.pop("label", None)
    for sub in values:
        if sub not in NOISE_KEYS:
            raise fail(f"{key}.{sub}", "unknown key", ", ".join(sorted((*NOISE_KEYS, "label"))))
    try:
        nz = NoiseSpec(**values)
    except SpecError as exc:  # NoiseSpec names the key as "noise.<key>": add the setting's position
        text = str(exc)
        raise SpecError(key + text[len("noise"):] if text.startswith("noise.") else f"{key}: {text}") from None
    except (TypeError, ValueError) as exc:
        raise fail(key, str(exc), "the keys of [noise]") from None
    return nz, label


def parse_noises(value: Any) -> tuple[tuple[NoiseSpec, ...], tuple[str, ...] | None]:
    """The settings of a TOML ``noise`` value (a table, or a list of tables) and their labels (``None``: defaults).

    Raises
    ------
    SpecError
        For an empty list, an entry that is not a table, an unknown key, a bad value (``noise[2].dephasing: ...``)
        or a bad label.
    """
    tables = list(value) if isinstance(value, (list, tuple)) else [value]
    if not tables:
        raise fail("noise", "is an empty list", "a [noise] table, or one or more [[noise]] tables")
    parsed = [_one(i, len(tables), t) for i, t in enumerate(tables)]
    noises = tuple(nz for nz, _ in parsed)
    given = [label for _, label in parsed]
    if all(label is None for label in given):
        return noises, None
    defaults = default_noise_labels(noises)
    return noises, tuple(defaults[i] if label is None else label for i, label in enumerate(given))


def check_noises(noises: Sequence[NoiseSpec], labels: Sequence[str], backend: str) -> None:
    """Settings and labels fit together and with ``run.backend``.

    A fake-device noise setting (``device``) makes the run a device run (the device's own noise, the spec's
    other keys do not act), so it must be the only setting; several settings need a backend to which bellsense
    attaches the window noise (Aer): on a device or IBM backend they would all run the same circuits.
    """
    if not noises:
        raise fail("noise", "has no setting", "a [noise] table, or one or more [[noise]] tables")
    for i, nz in enumerate(noises):
        if not isinstance(nz, NoiseSpec):
            raise TypeError(f"noises[{i}] must be a NoiseSpec, got {type(nz).__name__}")
        key = noise_key(i, len(noises))
        if nz.device is not None and not _DEVICE.match(nz.device):
            raise fail(f"{key}.device", f"{nz.device!r} is not a device name", "'fake_<device>', e.g. 'fake_torino'")
    if len(labels) != len(noises):
        raise fail("noise", f"{len(labels)} labels for {len(noises)} settings", "one label per setting")
    for i, label in enumerate(labels):
        key = f"{noise_key(i, len(noises))}.label"
        if not isinstance(label, str) or not label.strip():
            raise fail(key, f"{label!r} is not a non-empty string", "a short name of the setting")
        if len(label) > MAX_LABEL or "\n" in label:
            raise fail(key, f"{label!r} is longer than {MAX_LABEL} characters or has a line break",
                       f"one line of at most {MAX_LABEL} characters")
        if label in labels[:i]:
            raise fail(key, f"{label!r} is also the label of setting {labels.index(label) + 1}", "distinct labels")
    if len(noises) > 1:
        devices = [i for i, nz in enumerate(noises) if nz.device is not None]
        if devices:
            raise fail(f"noise[{devices[0] + 1}].device", "a fake-device setting in a spec with several noise "
                       "settings (the device's own noise replaces every other setting: the runs would not differ)",
                       "one [noise] table with device, or several [[noise]] settings without device")
        if not backend.startswith("aer"):
            raise fail("noise", f"{len(noises)} settings with run.backend = {backend!r}, where the spec's noise does "
                       "not act (the settings would run the same circuits)", "several [[noise]] settings on 'aer'")


def noises_to_dict(noises: Sequence[NoiseSpec], labels: Sequence[str]) -> dict[str, Any] | list[dict[str, Any]]:
    """The TOML-shaped ``noise`` value: a table for one setting with its default label, else a list with labels."""
    tables = []
    for nz in noises:
        table: dict[str, Any] = {}
        for f in dataclasses.fields(nz):
            value = getattr(nz, f.name)
            if value is not None:
                table[f.name] = list(value) if isinstance(value, tuple) else value
        tables.append(table)
    if len(noises) == 1 and tuple(labels) == default_noise_labels(noises):
        return tables[0]
    return [{**table, "label": label} for table, label in zip(tables, labels)]
